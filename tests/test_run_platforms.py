"""`riverbed run` over one source of every kind, served from loopback on the platforms' real
paths under their real host names (the catalogue's `resolve` points them at 127.0.0.1).

Also: a source answering 429 then 200 succeeds after waiting; a source answering 500 on every
attempt fails alone (errors row, failed source_health, visible on the source_health
materialisation in Dagster) while every other source lands in the same run.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from typer.testing import CliRunner

from cli_runner import SUITE_DAY
from loopback import LoopbackHTTP, Reply
from netguard import loopback_only
from riverbed.cli import app
from riverbed.lake import Lake
from riverbed.lake.query import connect
from riverbed.sources.registry import COLLECTORS

PLATFORMS = Path(__file__).parent / "fixtures" / "platforms"
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CHANNEL = "UCsBjURrPoezykLs9EqgamOA"

# host -> (path -> (fixture file, content type)); paths match without the query string
SITES: dict[str, dict[str, tuple[Path, str]]] = {
    "hacker-news.firebaseio.com": {
        "/v0/topstories.json": (PLATFORMS / "hackernews/v0/topstories.json", "application/json"),
        **{
            f"/v0/item/{p.name}": (p, "application/json")
            for p in (PLATFORMS / "hackernews/v0/item").glob("*.json")
        },
    },
    "www.reddit.com": {
        "/r/programming/hot.json": (
            PLATFORMS / "reddit/r/programming/hot.json",
            "application/json; charset=UTF-8",
        ),
        "/r/rust/new.json": (PLATFORMS / "reddit/r/programming/hot_page2.json", "application/json"),
    },
    "lobste.rs": {
        "/hottest.json": (PLATFORMS / "lobsters/hottest.json", "application/json; charset=utf-8"),
        "/t/rust.json": (PLATFORMS / "lobsters/t/rust.json", "application/json; charset=utf-8"),
    },
    "export.arxiv.org": {
        "/api/query": (PLATFORMS / "arxiv/query_cs_lg.xml", "application/atom+xml; charset=utf-8")
    },
    "github.com": {
        "/trending/python": (PLATFORMS / "github/trending_python.html", "text/html; charset=utf-8")
    },
    "www.youtube.com": {
        "/feeds/videos.xml": (PLATFORMS / "youtube/channel.xml", "text/xml; charset=UTF-8")
    },
    "storage.example.com": {
        "/blog/": (PLATFORMS / "html/blog_index.html", "text/html; charset=utf-8")
    },
    "hn.algolia.com": {
        "/api/v1/search_by_date": (
            PLATFORMS / "json_api/hn_algolia_search.json",
            "application/json; charset=utf-8",
        )
    },
    "blog.example.org": {"/feed/": (FEEDS / "rss20_wordpress.xml", "application/rss+xml")},
}


class PlatformSites(LoopbackHTTP):
    """Serves `SITES` by Host header and path. `scripted[(host, path)]` is a list of
    (status, headers) answers consumed before the fixture is served; `always[(host, path)]`
    is answered every time."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []
        self.scripted: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
        self.always: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
        self.lock = threading.Lock()
        super().__init__(self._respond)

    def _respond(self, host: str, path_qs: str, headers: object) -> Reply:
        path = path_qs.split("?", maxsplit=1)[0]
        with self.lock:
            self.hits.append((host, path_qs))
            queue = self.scripted.get((host, path))
            scripted = queue.pop(0) if queue else self.always.get((host, path))
        if scripted is not None:
            status, extra = scripted
            body = b'{"message": "Too Many Requests"}'
            return Reply(status, body, {"Content-Type": "application/json", **extra})
        found = SITES.get(host, {}).get(path)
        if found is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        file, ctype = found
        return Reply(200, file.read_bytes(), {"Content-Type": ctype})

    def count(self, host: str, path: str) -> int:
        return sum(1 for h, p in self.hits if h == host and p.split("?")[0] == path)


def catalogue_yaml(port: int) -> str:
    hosts = [*SITES, "status.example.net"]
    resolve = "".join(f"    {h}: '127.0.0.1:{port}'\n" for h in hosts)
    return f"""\
sources:
  - {{id: hn-top, kind: hackernews, url: 'http://hacker-news.firebaseio.com', listing: top}}
  - {{id: r-programming, kind: reddit, url: 'http://www.reddit.com', subreddit: programming}}
  - {{id: r-rust, kind: reddit, url: 'http://www.reddit.com', subreddit: rust, listing: new}}
  - {{id: lobsters, kind: lobsters, url: 'http://lobste.rs'}}
  - {{id: lobsters-rust, kind: lobsters, url: 'http://lobste.rs', tag: rust}}
  - {{id: arxiv-lg, kind: arxiv, url: 'http://export.arxiv.org', query: 'cat:cs.LG'}}
  - {{id: gh-python, kind: github_trending, url: 'http://github.com', language: python}}
  - {{id: yt-channel, kind: youtube, url: 'http://www.youtube.com', channel_id: {CHANNEL}}}
  - id: storage-blog
    kind: html
    url: http://storage.example.com/blog/
    selectors: {{item: article.post, title: h2, link: h2 a, date: .meta, summary: .excerpt,
                 author: .author}}
  - id: algolia
    kind: json_api
    url: 'http://hn.algolia.com/api/v1/search_by_date?tags=story'
    items: hits
    fields: {{title: title, url: url, published_at: created_at_i, author: author,
              score: points, comments: num_comments, text: story_text, id: objectID}}
  - {{id: wp, kind: rss, url: 'http://blog.example.org/feed/'}}
  - {{id: status-page, kind: rss, url: 'http://status.example.net/feed.xml'}}
settings:
  timeout_s: 20
  resolve:
{resolve}"""


@pytest.fixture(scope="module")
def platform_run(tmp_path_factory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("platforms")
    sites = PlatformSites()
    # r/rust answers 429 (Retry-After: 1) once, then the listing; the status page is down
    sites.scripted[("www.reddit.com", "/r/rust/new.json")] = [(429, {"Retry-After": "1"})]
    sites.always[("status.example.net", "/feed.xml")] = (500, {"Content-Type": "text/html"})
    catalogue = tmp / "sources.yaml"
    catalogue.write_text(catalogue_yaml(sites.port))
    lake = tmp / "lake"
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(tmp / "dagster"))
    for var in ("RIVERBED_LAKE", "RIVERBED_SOURCES"):
        mp.delenv(var, raising=False)
    day = SUITE_DAY
    try:
        with loopback_only():
            result = CliRunner().invoke(
                app,
                [
                    "run",
                    "--sources",
                    str(catalogue),
                    "--lake",
                    str(lake),
                    "--date",
                    day,
                    "--format",
                    "json",
                ],
                catch_exceptions=False,
            )
        yield {
            "day": day,
            "result": result,
            "sites": sites,
            "lake": Lake(lake),
            "dagster_home": tmp / "dagster",
        }
    finally:
        mp.undo()
        sites.close()


def _rows(lake: Lake, sql: str) -> list[tuple[Any, ...]]:
    return connect(lake).execute(sql).fetchall()


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_every_kind_lands_and_only_the_broken_source_fails(platform_run):
    result = platform_run["result"]
    assert result.exit_code == 1, result.output  # 1 = some source failed
    report = json.loads(result.output)
    status = {s["source_id"]: s["status"] for s in report}
    assert status.pop("status-page") == "failed"
    assert set(status.values()) == {"ok"}, status
    kinds = dict(_rows(platform_run["lake"], "select kind, count(*) from items group by 1"))
    assert set(kinds) == set(COLLECTORS), kinds


def test_hackernews_items_follow_the_api(platform_run):
    lake = platform_run["lake"]
    items = {
        r[0]: r[1:]
        for r in _rows(
            lake,
            "select external_id, title, url, author, score, comments, comments_url, published_at"
            " from items where source_id = 'hn-top'",
        )
    }
    item_dir = PLATFORMS / "hackernews/v0/item"
    for story_id in _json(PLATFORMS / "hackernews/v0/topstories.json"):
        raw = _json(item_dir / f"{story_id}.json")
        listed = raw and not raw.get("dead") and not raw.get("deleted") and raw.get("title")
        if not listed:
            assert str(story_id) not in items  # dead and deleted items are left out
            continue
        title, url, author, score, comments, comments_url, published = items[str(story_id)]
        assert title == raw["title"]
        assert author == raw["by"]
        assert score == raw["score"]
        assert comments_url == f"https://news.ycombinator.com/item?id={story_id}"
        assert published == datetime.fromtimestamp(raw["time"], UTC)
        if raw.get("descendants") is not None:
            assert comments == raw["descendants"]
        if raw.get("url"):
            assert url == raw["url"]
        else:  # Ask HN and friends: the discussion is the story
            assert url == comments_url


def test_reddit_and_lobsters_items_follow_the_api(platform_run):
    lake = platform_run["lake"]
    reddit = {
        r[0]: r[1:]
        for r in _rows(
            lake,
            "select external_id, title, score, comments, comments_url from items"
            " where source_id = 'r-programming'",
        )
    }
    posts = [
        c["data"] for c in _json(PLATFORMS / "reddit/r/programming/hot.json")["data"]["children"]
    ]
    live = [
        p for p in posts if p.get("author") != "[deleted]" and p["title"] != "[deleted by user]"
    ]
    assert live
    for post in live:
        key = next(k for k in reddit if post["id"] in k)
        _title, score, comments, comments_url = reddit[key]
        assert score == post["score"]
        assert comments == post["num_comments"]
        assert comments_url == f"https://www.reddit.com{post['permalink']}"
    lobsters = {
        r[0]: r[1:]
        for r in _rows(
            lake,
            "select comments_url, title, score, comments from items where source_id = 'lobsters'",
        )
    }
    for story in _json(PLATFORMS / "lobsters/hottest.json"):
        assert lobsters[story["comments_url"]] == (
            story["title"],
            story["score"],
            story["comment_count"],
        )


def test_other_kinds_have_their_rows(platform_run):
    lake = platform_run["lake"]
    count = dict(_rows(lake, "select source_id, count(*) from items group by 1"))
    assert count["arxiv-lg"] == 3
    assert count["yt-channel"] == 3
    assert count["gh-python"] == 3
    hits = _json(PLATFORMS / "json_api/hn_algolia_search.json")["hits"]
    # an untitled hit is an item problem; a repeated objectID is the same item
    assert count["algolia"] == len({h["objectID"] for h in hits if h.get("title")})
    arxiv = _rows(lake, "select url, canonical_url from items where kind = 'arxiv'")
    for url, canonical in arxiv:  # the version is stripped in the canonical URL only
        assert re.fullmatch(r"http://arxiv\.org/abs/\S+v\d+", url)
        assert canonical == "https://arxiv.org/abs/" + url.split("/abs/")[1].rsplit("v", 1)[0]
    repos = _rows(lake, "select url, score from items where kind = 'github_trending'")
    assert all(u.startswith("http://github.com/") and s and s > 0 for u, s in repos)
    html = _rows(lake, "select url from items where source_id = 'storage-blog'")
    assert any(u.startswith("http://storage.example.com/blog/") for (u,) in html)
    assert all(
        p.tzinfo is not None and p.utcoffset().total_seconds() == 0
        for (p,) in _rows(lake, "select published_at from items where published_at is not null")
    )


def test_same_link_on_three_platforms_is_one_story_with_every_discussion(platform_run):
    lake = platform_run["lake"]
    rows = _rows(
        lake,
        "select story_id, n_sources, discussions from stories"
        " where canonical_url like '%fly.io/blog/sqlite-internals-wal%'",
    )
    assert len(rows) == 1
    _story, n_sources, discussions = rows[0]
    by_source = {d["source_id"]: d for d in discussions}
    assert {"hn-top", "r-programming", "lobsters"} <= set(by_source)
    assert n_sources >= 3
    hn = by_source["hn-top"]
    assert hn["comments_url"] == "https://news.ycombinator.com/item?id=40178024"
    assert hn["score"] == _json(PLATFORMS / "hackernews/v0/item/40178024.json")["score"]
    assert by_source["r-programming"]["comments_url"].startswith(
        "https://www.reddit.com/r/programming/comments/"
    )
    assert by_source["lobsters"]["comments_url"].startswith("https://lobste.rs/s/")


def test_self_posts_stay_their_own_stories(platform_run):
    lake = platform_run["lake"]
    rows = _rows(
        lake,
        "select n_sources, url from stories where title like 'Ask HN: The Arc Effect%'",
    )
    assert rows == [(1, "https://news.ycombinator.com/item?id=121003")]


def test_429_then_200_succeeds_after_waiting(platform_run):
    sites, lake = platform_run["sites"], platform_run["lake"]
    assert sites.count("www.reddit.com", "/r/rust/new.json") == 2
    statuses = [
        r[0]
        for r in _rows(
            lake, "select status from fetches where source_id = 'r-rust' order by attempt"
        )
    ]
    assert statuses == [429, 200]
    assert _rows(lake, "select count(*) from items where source_id = 'r-rust'")[0][0] > 0


def test_always_500_fails_alone_and_shows_on_the_source_health_materialisation(platform_run):
    lake = platform_run["lake"]
    errors = _rows(lake, "select source_id, error_kind from errors")
    assert ("status-page", "http_status") in errors
    assert {s for s, _ in errors} == {"status-page"} | {
        s for s, k in errors if k != "http_status"
    }  # any other errors are item-level problems, not source failures
    health = dict(
        _rows(
            lake,
            "select source_id, status from source_health qualify"
            ' row_number() over (partition by source_id order by "at" desc) = 1',
        )
    )
    assert health.pop("status-page") == "failed"
    assert set(health.values()) == {"ok"}

    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(platform_run["dagster_home"]))
    try:
        with dg.DagsterInstance.get() as instance:
            event = instance.get_latest_materialization_event(dg.AssetKey("source_health"))
    finally:
        mp.undo()
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert metadata["sources_failed"].value == 1
    per_source = str(metadata["per_source"].value)
    line = next(ln for ln in per_source.splitlines() if "status-page" in ln)
    assert "failed" in line and "http_status" in line


def test_each_partition_materialisation_carries_its_own_source_numbers(platform_run):
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(platform_run["dagster_home"]))
    today = platform_run["day"]

    def meta(asset: str, source: str) -> dict[str, Any]:
        key = dg.MultiPartitionKey({"date": today, "source": source})
        with dg.DagsterInstance.get() as instance:
            result = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[key]),
                limit=1,
            )
        (record,) = result.records
        assert record.asset_materialization is not None
        return {k: v.value for k, v in record.asset_materialization.metadata.items()}

    try:
        hn = meta("hackernews_items", "hn-top")
        rust = meta("reddit_items", "r-rust")
        down = meta("rss_items", "status-page")
    finally:
        mp.undo()
    assert hn["status"] == "ok" and hn["http_status"] == 200
    assert hn["items_new"] == hn["items_seen"] > 0 and hn["items_updated"] == 0
    assert hn["bytes"] > 0 and hn["latency_ms"] >= 0
    assert rust["status"] == "ok" and rust["items_new"] > 0
    assert rust["latency_ms"] >= 1000  # it waited out Retry-After: 1
    assert down["status"] == "failed" and down["http_status"] == 500
    assert str(down["error"]).startswith("http_status")
