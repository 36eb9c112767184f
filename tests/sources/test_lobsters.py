"""Lobsters: the pure listing parser (both `submitter_user` shapes), and the collector against
a real loopback server on `/hottest.json`, `/newest.json` and `/t/{tag}.json`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from platform_server import (
    FIXTURES,
    Outcome,
    PlatformServer,
    Reply,
    load_source,
    run_collector,
    running_server,
)

from netguard import loopback_only
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParsedItem, ParseResult
from riverbed.sources.lobsters import LobstersCollector, parse_lobsters_listing

ROOT = FIXTURES / "lobsters"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True, scope="module")
def _no_outside_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def _server() -> Iterator[PlatformServer]:
    with running_server() as server:
        yield server


@pytest.fixture
def server(_server: PlatformServer) -> PlatformServer:
    _server.reset(ROOT)
    return _server


def kind_of(call: Callable[[], object]) -> ErrorKind:
    with pytest.raises(RiverbedError) as info:
        call()
    return info.value.kind


def hottest() -> list[ParsedItem]:
    result = parse_lobsters_listing((ROOT / "hottest.json").read_bytes(), now=NOW)
    assert result.problems == []
    assert result.format == "lobsters"
    return result.items


def stories(*entries: Any) -> bytes:
    return json.dumps(list(entries)).encode()


# --- parser ----------------------------------------------------------------------------------


def test_link_story_current_api() -> None:
    assert hottest()[0] == ParsedItem(
        title="How SQLite's WAL mode works",
        url="https://fly.io/blog/sqlite-internals-wal/",
        external_id="x7kqfa",
        author="jcs",
        published_at=datetime(2024, 4, 29, 14, 12, 44, tzinfo=UTC),
        score=64,
        comments=17,
        comments_url="https://lobste.rs/s/x7kqfa/how_sqlite_s_wal_mode_works",
        tags=["databases", "performance"],
    )


def test_text_post_has_no_url_and_keeps_its_text() -> None:
    post = hottest()[1]
    assert post.external_id == "ab12cd"
    assert post.url is None
    assert post.published_at == datetime(2024, 4, 29, 12, 30, tzinfo=UTC)
    assert post.text == (
        "What are you doing this week? Feel free to share! "
        "Keep in mind it’s OK to do nothing at all, too & that’s fine."
    )
    assert post.summary_html is not None and post.summary_html.startswith("<p>What are you")
    assert (post.author, post.score, post.comments) == ("caius", 12, 31)
    assert post.tags == ["ask", "programming"]


def test_older_api_submitter_object() -> None:
    post = hottest()[3]
    assert post.author == "ana-dev"
    assert post.text == "Author here. Happy to answer questions about the DuckDB-Wasm bits."
    assert (post.score, post.comments) == (23, 4)
    assert post.tags == ["databases", "web", "show"]


def test_tag_listing() -> None:
    result = parse_lobsters_listing((ROOT / "t" / "rust.json").read_bytes(), now=NOW)
    assert [(i.external_id, i.author) for i in result.items] == [
        ("q9wzrt", "steveklabnik"),
        ("zz81yy", "withoutboats"),
    ]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'[{"short_id": "abc", "title": "x"}', ErrorKind.PARSE_ERROR),
        (b"[" * 100_000 + b"]" * 100_000, ErrorKind.PARSE_ERROR),
        (b"", ErrorKind.NOT_A_FEED),
        (b"<html><body>Rate limited</body></html>", ErrorKind.NOT_A_FEED),
        (b'{"error": "not found"}', ErrorKind.NOT_A_FEED),
        (b"[]", ErrorKind.NOT_A_FEED),
    ],
)
def test_bad_documents(body: bytes, kind: ErrorKind) -> None:
    assert kind_of(lambda: parse_lobsters_listing(body)) == kind


def test_bad_stories_are_item_problems() -> None:
    body = stories(
        {"short_id": "ok1234", "title": "Fine", "url": "", "submitter_user": None},
        "junk",
        {"short_id": "nott1t", "title": ""},
        {"short_id": "badtag", "title": "x", "tags": "rust"},
        {"short_id": "badcnt", "title": "x", "comment_count": "7"},
        {"title": "no id"},
        {"short_id": "../../x", "title": "path id"},
        {"short_id": "sub123", "title": "y", "submitter_user": {"username": "\ud800"}},
        {"short_id": "ok1234", "title": "Fine again"},
    )
    result = parse_lobsters_listing(body, now=NOW)
    assert [(i.external_id, i.title, i.url) for i in result.items] == [("ok1234", "Fine", None)]
    assert result.items[0].comments_url == "https://lobste.rs/s/ok1234"
    assert all(p.error_kind == ErrorKind.INVALID_ITEM for p in result.problems)
    assert [p.external_id for p in result.problems] == [
        None,
        "nott1t",
        "badtag",
        "badcnt",
        None,
        "../../x",
        "sub123",
    ]


def test_caps() -> None:
    body = stories(
        {
            "short_id": "cap123",
            "title": "T " * 3000,
            "description": "<p>" + "text " * 10_000 + "</p>",
            "url": "ftp://example.com/file",
            "created_at": "2999-01-01T00:00:00.000-05:00",
            "tags": [f"tag{n}" for n in range(200)],
        }
    )
    post = parse_lobsters_listing(body, now=NOW).items[0]
    assert len(post.title) <= 1000
    assert post.text is not None and len(post.text) <= 20_000
    assert post.url is None
    assert post.published_at is None
    assert len(post.tags) == 50


# --- collector over loopback ------------------------------------------------------------------


def collect(server: PlatformServer, **options: object) -> Outcome:
    return run_collector(LobstersCollector(), load_source(server.url, "lobsters", **options))


def collected(server: PlatformServer, **options: object) -> ParseResult:
    out = collect(server, **options)
    assert out.error is None and out.result is not None, out.error
    return out.result


def test_collects_hottest(server: PlatformServer) -> None:
    result = collected(server)
    assert [i.external_id for i in result.items] == ["x7kqfa", "ab12cd", "q9wzrt", "m3nb0p"]
    assert server.hits == ["/hottest.json"]
    assert result.feed_title == "Lobsters hottest"


def test_collects_a_tag_with_limit(server: PlatformServer) -> None:
    result = collected(server, tag="rust", limit=1)
    assert [i.external_id for i in result.items] == ["q9wzrt"]
    assert server.hits == ["/t/rust.json"]
    assert result.feed_title == "Lobsters tag rust"


def test_newest_path(server: PlatformServer) -> None:
    server.routes["/newest.json"] = [Reply(body=(ROOT / "t" / "rust.json").read_bytes())]
    assert len(collected(server, listing="newest").items) == 2
    assert server.hits == ["/newest.json"]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(404, b"<h1>Not found</h1>", content_type="text/html"), ErrorKind.HTTP_STATUS),
        (Reply(body=b'[{"short_id": "x7kqfa", "title": "How'), ErrorKind.PARSE_ERROR),
        (Reply(body=b'{"stories": []}'), ErrorKind.NOT_A_FEED),
    ],
)
def test_source_failures(server: PlatformServer, reply: Reply, kind: ErrorKind) -> None:
    server.routes["/hottest.json"] = [reply]
    out = collect(server)
    assert out.result is None and out.error is not None
    assert out.error.kind == kind
