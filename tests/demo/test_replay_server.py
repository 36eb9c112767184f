"""The replay server: answers by Host header, behaves like a well-run origin (ETag, 304,
gzip, robots.txt, 404), stalls where the corpus says, and stops quickly regardless."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from demo_testkit import Reply, http_get

from riverbed.demo.corpus import BROKEN_SOURCES, Corpus, FeedInfo, etag, http_date
from riverbed.demo.server import ReplayServer


def host_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc, parts.path


def first_feed(corpus: Corpus, fmt: str) -> FeedInfo:
    return next(f for f in corpus.feeds if f.format == fmt)


def broken(source_id: str) -> tuple[str, str]:
    b = next(b for b in BROKEN_SOURCES if b.source_id == source_id)
    return b.host, b.path


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


def test_serves_each_host_its_own_document(corpus: Corpus, server: ReplayServer) -> None:
    same_path: dict[str, list[FeedInfo]] = {}
    for feed in corpus.feeds:
        if feed.role != "broken":
            same_path.setdefault(host_path(feed.url)[1], []).append(feed)
    a, b = next(feeds for feeds in same_path.values() if len(feeds) >= 2)[:2]
    reply_a = http_get(server.port, *host_path(a.url))
    reply_b = http_get(server.port, *host_path(b.url))
    assert reply_a.status == reply_b.status == 200
    assert reply_a.body == corpus.lookup(*host_path(a.url)).body  # type: ignore[union-attr]
    assert reply_b.body == corpus.lookup(*host_path(b.url)).body  # type: ignore[union-attr]
    assert reply_a.body != reply_b.body


@pytest.mark.parametrize("fmt", ["rss20", "atom10", "jsonfeed11", "rss10", "rss091"])
def test_content_type_etag_and_last_modified(
    corpus: Corpus, server: ReplayServer, fmt: str
) -> None:
    host, path = host_path(first_feed(corpus, fmt).url)
    doc = corpus.lookup(host, path)
    assert doc is not None and doc.last_modified is not None
    reply = http_get(server.port, host, path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == doc.content_type
    assert reply.headers["ETag"] == etag(doc.body)
    assert reply.headers["Last-Modified"] == http_date(doc.last_modified)
    assert reply.body == doc.body


def test_if_none_match_gives_304(corpus: Corpus, server: ReplayServer) -> None:
    host, path = host_path(first_feed(corpus, "rss20").url)
    first = http_get(server.port, host, path)
    again = http_get(server.port, host, path, {"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = http_get(server.port, host, path, {"If-None-Match": '"something-else"'})
    assert other.status == 200


def test_if_modified_since_gives_304_only_without_if_none_match(
    corpus: Corpus, server: ReplayServer
) -> None:
    host, path = host_path(first_feed(corpus, "atom10").url)
    first = http_get(server.port, host, path)
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert http_get(server.port, host, path, since).status == 304
    both = {**since, "If-None-Match": '"stale"'}
    assert http_get(server.port, host, path, both).status == 200
    older = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert http_get(server.port, host, path, older).status == 200


def test_gzip_when_accepted(corpus: Corpus, server: ReplayServer) -> None:
    host, path = host_path(first_feed(corpus, "rss20").url)
    doc = corpus.lookup(host, path)
    assert doc is not None
    reply = http_get(server.port, host, path, {"Accept-Encoding": "gzip, deflate"})
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in reply.headers["Vary"]
    assert len(reply.body) < len(doc.body)
    assert gzip.decompress(reply.body) == doc.body
    # the gzip representation has its own ETag, and a 304 answers it
    revalidated = http_get(
        server.port, host, path, {"Accept-Encoding": "gzip", "If-None-Match": reply.headers["ETag"]}
    )
    assert revalidated.status == 304
    refused = http_get(server.port, host, path, {"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    assert refused.body == doc.body


def test_unknown_path_and_unknown_host_are_404(corpus: Corpus, server: ReplayServer) -> None:
    host, _ = host_path(corpus.feeds[0].url)
    assert http_get(server.port, host, "/no/such/page").status == 404
    assert http_get(server.port, "unknown.example.org", "/feed.xml").status == 404


def test_robots_txt_answers_as_each_host_says(corpus: Corpus, server: ReplayServer) -> None:
    """Most hosts allow everything; some have rules for other paths or bots, some have no
    robots.txt (404); one disallows its posts and one answers 503 (riverbed.demo.articles)."""
    statuses = Counter()
    for host in corpus.hosts:
        reply = http_get(server.port, host, "/robots.txt")
        style = corpus.site_styles.get(host)
        policy = style.robots if style else "allow_all"
        statuses[policy, reply.status] += 1
        if policy == "none":
            assert reply.status == 404, host
        elif policy == "unavailable":
            assert reply.status == 503, host
            assert reply.headers["Retry-After"] == "3600"
        else:
            assert reply.status == 200, host
            assert reply.headers["Content-Type"].startswith("text/plain")
            assert b"User-agent: *" in reply.body
            assert (b"Disallow: /\n" in reply.body) == (policy == "rules")  # GPTBot, CCBot
    assert {policy for policy, _ in statuses} == {
        "allow_all",
        "rules",
        "none",
        "disallow_articles",
        "unavailable",
    }
    assert statuses["disallow_articles", 200] == statuses["unavailable", 503] == 1


def test_host_header_case_port_and_trailing_slash_and_query(
    corpus: Corpus, server: ReplayServer
) -> None:
    story = corpus.shared_stories[0]
    host, path = host_path(story.url)
    expected = corpus.lookup(host, path)
    assert expected is not None
    for h, p in [
        (host.upper() + ":80", path),
        (host, path + "/"),
        (host, path + "?utm_source=x&utm_medium=rss"),
    ]:
        reply = http_get(server.port, h, p)
        assert reply.status == 200, (h, p)
        assert reply.body == expected.body


def test_http_error_documents_keep_their_status(server: ReplayServer) -> None:
    assert http_get(server.port, *broken("broken-gone-404")).status == 404
    assert http_get(server.port, *broken("broken-server-500")).status == 500


def test_head_sends_headers_only(corpus: Corpus, server: ReplayServer) -> None:
    host, path = host_path(first_feed(corpus, "jsonfeed11").url)
    doc = corpus.lookup(host, path)
    assert doc is not None
    reply = http_get(server.port, host, path, method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["Content-Length"] == str(len(doc.body))


def test_requests_are_counted_per_host_and_path(corpus: Corpus) -> None:
    host, path = host_path(first_feed(corpus, "rss10").url)
    with ReplayServer(corpus) as fresh:
        for _ in range(3):
            http_get(fresh.port, host.upper(), path)
        http_get(fresh.port, host, "/robots.txt")
        assert fresh.requests_for(host, path) == 3
        assert fresh.requests_for(host, "/robots.txt") == 1
        assert fresh.total_requests == 4


def test_drip_sends_headers_at_once_and_the_body_slowly(server: ReplayServer) -> None:
    host, path = broken("broken-drip")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        http_get(server.port, host, path, timeout_s=1.0)
    assert time.monotonic() - started < 10  # the 1 s timeout, not the 30 s drip


def test_stop_is_fast_while_slow_requests_are_in_flight(corpus: Corpus) -> None:
    server = ReplayServer(corpus)
    port = server.start()
    outcomes: list[Reply | BaseException] = []

    def call(source_id: str) -> None:
        try:
            outcomes.append(http_get(port, *broken(source_id), timeout_s=60))
        except BaseException as exc:  # the connection is cut: any client error is fine
            outcomes.append(exc)

    clients = [threading.Thread(target=call, args=(sid,)) for sid in ("broken-slow", "broken-drip")]
    for thread in clients:
        thread.start()
    wait_for(lambda: server.total_requests == 2)
    time.sleep(0.2)  # both handlers are now stalling
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 10  # not the 30 s stall of the slow handlers
    for thread in clients:
        thread.join(timeout=5)
        assert not thread.is_alive()
    assert len(outcomes) == 2
    assert not server.running
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_start_is_idempotent_and_stop_before_start_is_harmless(corpus: Corpus) -> None:
    server = ReplayServer(corpus)
    server.stop()
    with pytest.raises(RuntimeError):
        _ = server.port
    port = server.start()
    assert server.start() == port
    server.stop()
    server.stop()
