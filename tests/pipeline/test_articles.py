"""`collect_articles`: robots.txt, the private-address guard on article links, the per-run
budget, conditional re-fetches, retries of transient failures, and replay — against pages
served on loopback under realistic host names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from loopback import serve, stop
from netguard import loopback_only
from riverbed.core.catalogue import parse_catalogue
from riverbed.lake import Lake
from riverbed.lake.journal import Journal
from riverbed.pipeline.articles import collect_articles, robots_from_response, targets_of

DATE = "2026-11-26"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
PARAGRAPHS = [
    "Write-ahead logging keeps every change in an append-only file before the pages that "
    "hold the data are touched, so a crash in the middle of a write loses nothing that was "
    "acknowledged to the client.",
    "Checkpoints copy the logged changes back into the main database file. Readers keep "
    "reading the old pages while a checkpoint runs, which is why the mode suits workloads "
    "with many readers and one writer.",
    "The trade-off is a second file next to the database and a shared-memory index that "
    "every connection maps; network file systems cannot provide that, so the mode is off "
    "there by default.",
    "Benchmarks on a laptop show write throughput rising by a factor of four against the "
    "rollback journal, with read latency unchanged for small transactions.",
]


def article_html(title: str) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} | Example News</title>"
        "<meta property='article:published_time' content='2026-11-25T08:30:00Z'></head>"
        "<body><header><nav><a href='/'>Home</a> <a href='/tech'>Tech</a></nav></header>"
        f"<main><article><h1>{title}</h1><p class='byline'>By Ada Lovelace</p>{paras}"
        "</article></main><footer><a href='/about'>About</a> © Example News</footer>"
        "</body></html>"
    ).encode()


class Sites:
    """Pages by (Host, path); `robots[host]` = (status, text); hits counted per host."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], tuple[int, bytes, str]] = {}
        self.robots: dict[str, tuple[int, str]] = {}
        self.hits: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                owner.hits.append((host, self.path))
                if self.path == "/robots.txt":
                    status, text = owner.robots.get(host, (404, "not found"))
                    self._send(status, text.encode(), "text/plain")
                    return
                found = owner.pages.get((host, self.path))
                if found is None:
                    self._send(404, b"<html><body>Not found</body></html>", "text/html")
                    return
                status, body, ctype = found
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self._send(status, body, ctype, {"ETag": etag})

            def _send(
                self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = serve(Handler)
        self.port = self.httpd.server_address[1]

    def count(self, host: str, path: str | None = None) -> int:
        return sum(1 for h, p in self.hits if h == host and (path is None or p == path))

    def close(self) -> None:
        stop(self.httpd)


HOSTS = ["news.example.com", "blog.example.org", "closed.example.net", "flaky.example.io"]


@pytest.fixture
def sites() -> Iterator[Sites]:
    s = Sites()
    with loopback_only():
        yield s
    s.close()


@pytest.fixture
def canary() -> Iterator[Sites]:
    """A server on 127.0.0.1 that article links point at directly: it must never be asked."""
    s = Sites()
    yield s
    s.close()


def settings(sites: Sites, **extra: Any) -> Any:
    resolve = ", ".join(f"{h}: '127.0.0.1:{sites.port}'" for h in HOSTS)
    options = "".join(f"  {k}: {v}\n" for k, v in extra.items())
    text = (
        "sources: [{id: s, kind: rss, url: 'http://feed.example.com/rss'}]\n"
        "settings:\n"
        f"  resolve: {{{resolve}}}\n"
        f"  allow_private_hosts: [{', '.join(HOSTS)}]\n"
        "  article_delay_ms: 0\n"
        "  timeout_s: 5\n"
        "  connect_timeout_s: 2\n"
        f"{options}"
    )
    return parse_catalogue(text, env={}).settings


def story(n: int, url: str, *, discussions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "story_id": f"st{n:03d}",
        "url": url,
        "canonical_url": url,
        "item_ids": [f"it{n:03d}"],
        "discussions": discussions or [],
        "first_source_id": "s",
    }


def run(lake: Lake, stories: list[dict[str, Any]], cfg: Any, **kw: Any) -> Any:
    return collect_articles(lake, stories, [], cfg, DATE, kw.pop("run_id", "run-1"), **kw)


def by_url(result: Any) -> dict[str, dict[str, Any]]:
    return {r["canonical_url"]: r for r in result.table.to_pylist()}


def test_good_page_is_extracted_and_refetched_conditionally(sites, tmp_path):
    url = "http://news.example.com/2026/11/wal"
    sites.pages[("news.example.com", "/2026/11/wal")] = (
        200,
        article_html("How WAL works"),
        "text/html; charset=utf-8",
    )
    lake = Lake(tmp_path)
    first = by_url(run(lake, [story(1, url)], settings(sites), now=NOW))[url]
    assert first["outcome"] == "ok", first
    assert first["http_status"] == 200 and first["error_kind"] is None
    assert "append-only file" in first["text"] and "About" not in first["text"]
    assert first["word_count"] >= 100 and first["lang"] == "en"
    assert sites.count("news.example.com", "/robots.txt") == 1

    # a finished page is not fetched again; its row (text from the cache) is kept
    again = by_url(run(lake, [story(1, url)], settings(sites), now=NOW, run_id="run-2"))[url]
    assert sites.count("news.example.com", "/2026/11/wal") == 1
    assert again["text"] == first["text"] and again["outcome"] == "ok"


def test_robots_rules_and_unavailable_robots(sites, tmp_path):
    sites.robots["closed.example.net"] = (200, "User-agent: *\nDisallow: /private/\n")
    sites.robots["flaky.example.io"] = (503, "busy")
    sites.pages[("closed.example.net", "/private/a")] = (200, article_html("A"), "text/html")
    sites.pages[("closed.example.net", "/public/b")] = (200, article_html("B"), "text/html")
    sites.pages[("flaky.example.io", "/c")] = (200, article_html("C"), "text/html")
    urls = [
        "http://closed.example.net/private/a",
        "http://closed.example.net/public/b",
        "http://flaky.example.io/c",
    ]
    lake = Lake(tmp_path)
    result = by_url(run(lake, [story(i, u) for i, u in enumerate(urls)], settings(sites), now=NOW))
    assert result[urls[0]]["outcome"] == "blocked"
    assert result[urls[0]]["error_kind"] == "robots_disallowed"
    assert result[urls[1]]["outcome"] == "ok"
    assert result[urls[2]]["outcome"] == "blocked"
    assert result[urls[2]]["error_kind"] == "robots_disallowed"
    assert sites.count("closed.example.net", "/private/a") == 0  # never asked
    assert sites.count("flaky.example.io", "/c") == 0
    assert sites.count("closed.example.net", "/robots.txt") == 1  # once per host

    # robots.txt being unavailable is retried later; a disallow is final
    sites.robots["flaky.example.io"] = (200, "User-agent: *\nAllow: /\n")
    later = NOW + timedelta(hours=2)
    again = by_url(run(lake, [story(i, u) for i, u in enumerate(urls)], settings(sites), now=later))
    assert again[urls[2]]["outcome"] == "ok"
    assert again[urls[0]]["outcome"] == "blocked"
    assert sites.count("closed.example.net", "/private/a") == 0


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::1]", "2130706433", "0x7f000001", "127.1", "0177.0.0.1"],
)
def test_article_links_to_loopback_spellings_never_reach_the_canary(sites, canary, tmp_path, host):
    url = f"http://{host}:{canary.port}/admin"
    result = by_url(run(Lake(tmp_path), [story(1, url)], settings(sites), now=NOW))
    row = result[url] if url in result else next(iter(result.values()))
    assert row["outcome"] == "blocked"
    assert row["error_kind"] in ("blocked_address", "scheme_rejected")
    assert canary.hits == []
    errors = Journal(Lake(tmp_path)).read("errors", DATE).to_pylist()
    assert [(e["stage"], e["error_kind"]) for e in errors] == [("articles", row["error_kind"])]


def test_discussion_pages_are_not_articles():
    hn = "https://news.ycombinator.com/item?id=1"
    post = "https://blog.example.org/wal"
    items = [
        {"item_id": "it001", "url": hn, "comments_url": hn, "text": None},  # Ask HN
        {"item_id": "it002", "url": post, "comments_url": hn, "text": "a post"},
        {
            "item_id": "it005",
            "url": "https://b.example/x",
            "comments_url": "https://b.example/x#comments",
            "text": None,
        },
    ]
    stories = [
        story(1, hn),
        story(2, post),
        story(3, "javascript:alert(1)"),
        # WordPress: <comments> is the post's own #comments anchor: still an article
        story(5, "https://b.example/x"),
    ]
    targets = targets_of(stories, items)
    assert [t.url for t in targets] == [post, "https://b.example/x"]
    assert targets[0].feed_text == "a post"


def test_budget_defers_the_rest_to_later_runs(sites, tmp_path):
    for n in range(5):
        sites.pages[("blog.example.org", f"/p{n}")] = (200, article_html(f"P{n}"), "text/html")
    stories = [story(n, f"http://blog.example.org/p{n}") for n in range(5)]
    lake = Lake(tmp_path)
    first = run(lake, stories, settings(sites, article_budget=2), now=NOW)
    outcomes = [by_url(first)[s["url"]]["outcome"] for s in stories]
    assert outcomes == ["ok", "ok", "skipped", "skipped", "skipped"]  # ranked order kept
    assert first.deferred == 3
    errors = Journal(lake).read("errors", DATE).to_pylist()
    assert [e["error_kind"] for e in errors] == ["budget_exhausted"]
    second = run(lake, stories, settings(sites, article_budget=2), now=NOW, run_id="run-2")
    outcomes = [by_url(second)[s["url"]]["outcome"] for s in stories]
    assert outcomes == ["ok", "ok", "ok", "ok", "skipped"]


def test_server_errors_are_retried_later_and_404s_are_final(sites, tmp_path):
    sites.pages[("blog.example.org", "/down")] = (503, b"busy", "text/html")
    stories = [story(1, "http://blog.example.org/down"), story(2, "http://blog.example.org/gone")]
    lake = Lake(tmp_path)
    first = by_url(run(lake, stories, settings(sites), now=NOW))
    assert first["http://blog.example.org/down"]["outcome"] == "failed"
    assert first["http://blog.example.org/down"]["error_kind"] == "http_status"
    assert first["http://blog.example.org/gone"]["http_status"] == 404
    asked = sites.count("blog.example.org", "/down"), sites.count("blog.example.org", "/gone")

    run(lake, stories, settings(sites), now=NOW + timedelta(minutes=10), run_id="run-2")
    assert (sites.count("blog.example.org", "/down"), sites.count("blog.example.org", "/gone")) == (
        asked  # too early for a retry; a 404 is final
    )
    sites.pages[("blog.example.org", "/down")] = (200, article_html("Back"), "text/html")
    third = by_url(run(lake, stories, settings(sites), now=NOW + timedelta(hours=2), run_id="r3"))
    assert third["http://blog.example.org/down"]["outcome"] == "ok"
    assert sites.count("blog.example.org", "/gone") == asked[1]


def test_pdf_is_a_link_not_parsed(sites, tmp_path):
    sites.pages[("blog.example.org", "/paper.pdf")] = (200, b"%PDF-1.7\n...", "application/pdf")
    url = "http://blog.example.org/paper.pdf"
    row = by_url(run(Lake(tmp_path), [story(1, url)], settings(sites), now=NOW))[url]
    assert row["outcome"] == "skipped" and row["error_kind"] == "content_type"
    assert row["text"] is None


def test_a_big_pdf_is_not_downloaded(sites, tmp_path):
    big = b"%PDF-1.7\n" + b"0" * (8 * 1024 * 1024)
    sites.pages[("blog.example.org", "/big.pdf")] = (200, big, "application/pdf")
    url = "http://blog.example.org/big.pdf"
    lake = Lake(tmp_path)
    row = by_url(run(lake, [story(1, url)], settings(sites), now=NOW))[url]
    assert (row["outcome"], row["error_kind"]) == ("skipped", "content_type")
    fetched = [
        r for r in Journal(lake).read("fetches", DATE).to_pylist() if r["url"].endswith("big.pdf")
    ]
    assert fetched and all(r["bytes"] < 1024 * 1024 for r in fetched)  # headers only


def test_replay_rebuilds_the_same_rows_without_network(sites, tmp_path):
    url = "http://news.example.com/2026/11/wal"
    sites.pages[("news.example.com", "/2026/11/wal")] = (
        200,
        article_html("How WAL works"),
        "text/html; charset=utf-8",
    )
    sites.robots["closed.example.net"] = (200, "User-agent: *\nDisallow: /\n")
    stories = [story(1, url), story(2, "http://closed.example.net/x")]
    lake = Lake(tmp_path)
    live = run(lake, stories, settings(sites), now=NOW)
    hits = len(sites.hits)
    sites.close()
    replayed = run(lake, stories, settings(sites), now=NOW, run_id="replay", replay=True)
    keep = ("canonical_url", "outcome", "text", "title", "word_count", "error_kind", "lang")
    assert [{k: r[k] for k in keep} for r in replayed.table.to_pylist()] == [
        {k: r[k] for k in keep} for r in live.table.to_pylist()
    ]
    assert len(sites.hits) == hits


@pytest.mark.parametrize(
    ("status", "error", "mode"),
    [(200, None, "rules"), (404, None, "allow"), (403, None, "allow"), (503, None, "unavailable")],
)
def test_robots_response_rules(status, error, mode):
    assert robots_from_response(status, "User-agent: *\n", error).mode == mode


def test_buckets_split_by_host_and_merge_to_the_single_step_result(sites, tmp_path):
    """What the Dagster graph does (plan once, one step per bucket of hosts, merge) gives the
    rows one step gives, with the budget decided over all hosts and noted once."""
    from riverbed.pipeline.articles import (
        bucket_of,
        collect_planned,
        merge_results,
        plan_articles,
    )

    hosts = ["news.example.com", "blog.example.org", "flaky.example.io"]
    stories = []
    for n in range(9):
        host = hosts[n % 3]
        sites.pages[(host, f"/a{n}")] = (200, article_html(f"A{n}"), "text/html")
        stories.append(story(n, f"http://{host}/a{n}"))
    cfg = settings(sites, article_budget=7)

    single = run(Lake(tmp_path / "one"), stories, cfg, now=NOW)

    lake = Lake(tmp_path / "buckets")
    plan = plan_articles(lake, stories, [], cfg, now=NOW)
    assert len(plan.fetch) == 7 and len(plan.deferred) == 2
    parts = [plan.bucket(i, 4) for i in range(4)]
    assert sum(1 for p in parts if p.targets) == 3  # these three hosts hash apart
    for i, part in enumerate(parts):  # a host lives in exactly one bucket
        assert all(bucket_of(t.url, 4) == i for t in part.targets)
    assert sorted(t.url for p in parts for t in p.targets) == sorted(s["url"] for s in stories)
    merged = merge_results(
        [
            collect_planned(
                lake,
                p,
                cfg,
                DATE,
                "run-1",
                now=NOW,
                first=i == 0,
                deferred_total=len(plan.deferred),
            )
            for i, p in enumerate(parts)
        ]
    )

    def stable(result: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "fetched_at"} for r in result.table.to_pylist()]

    assert stable(merged) == stable(single)
    assert merged.counts == single.counts == {"ok": 7, "skipped": 2}
    notes = [e for e in Journal(lake).read("errors", DATE).to_pylist() if e["url"] is None]
    assert [(e["error_kind"], e["message"]) for e in notes] == [
        ("budget_exhausted", "2 article pages left for later runs (article_budget 7 per run)")
    ]
