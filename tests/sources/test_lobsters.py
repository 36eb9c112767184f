"""Lobsters: the pure listing parser (both `submitter_user` shapes), and the collector against
a real loopback server on `/hottest.json`, `/newest.json` and `/t/{tag}.json`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from platform_server import (
    FIXTURES,
    MemoryStore,
    Outcome,
    PlatformServer,
    Reply,
    load_source,
    run_collector,
)

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParsedItem, ParseResult
from riverbed.fetch.session import FetchSession, ReplayTransport
from riverbed.sources import lobsters
from riverbed.sources.lobsters import LobstersCollector, parse_lobsters_listing

ROOT = FIXTURES / "lobsters"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def server(server: PlatformServer) -> PlatformServer:
    server.root = ROOT  # the fixture files answer on their API paths
    return server


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


# --- pagination (`?page=N` on the listing's own path) -----------------------------------------


def story(short_id: str, title: str | None = None) -> dict[str, Any]:
    return {
        "short_id": short_id,
        "short_id_url": f"https://lobste.rs/s/{short_id}",
        "created_at": "2024-04-29T08:00:00.000-05:00",
        "title": title or f"Story {short_id}",
        "url": f"https://example.org/{short_id}",
        "score": 5,
        "comment_count": 1,
        "description": "",
        "submitter_user": "someone",
        "tags": ["programming"],
    }


def test_limit_beyond_one_page_reads_further_pages_without_repeats(
    server: PlatformServer,
) -> None:
    # the listing moved between requests: m3nb0p slid from page 1 onto page 2
    server.routes["/hottest.json?page=2"] = [
        Reply(body=stories(story("m3nb0p"), story("pg2aaa"), story("pg2bbb"), story("pg2ccc")))
    ]
    result = collected(server, limit=6)
    assert [i.external_id for i in result.items] == [
        "x7kqfa",
        "ab12cd",
        "q9wzrt",
        "m3nb0p",
        "pg2aaa",
        "pg2bbb",
    ]
    assert result.items[3].title != "Story m3nb0p"  # the first sighting is kept
    assert result.problems == []
    assert server.hits == ["/hottest.json", "/hottest.json?page=2"]


def test_pages_are_read_until_enough(server: PlatformServer) -> None:
    for page in (2, 3, 4):
        server.routes[f"/newest.json?page={page}"] = [
            Reply(body=stories(*(story(f"p{page}s{n}") for n in range(3))))
        ]
    server.routes["/newest.json"] = [Reply(body=stories(*(story(f"p1s{n}") for n in range(3))))]
    result = collected(server, listing="newest", limit=7)
    assert [i.external_id for i in result.items] == [
        "p1s0",
        "p1s1",
        "p1s2",
        "p2s0",
        "p2s1",
        "p2s2",
        "p3s0",
    ]
    assert server.hits == ["/newest.json", "/newest.json?page=2", "/newest.json?page=3"]


def test_tag_listing_pages(server: PlatformServer) -> None:
    server.routes["/t/rust.json?page=2"] = [Reply(body=stories(story("rust02")))]
    server.routes["/t/rust.json?page=3"] = [Reply(body=b"[]")]
    result = collected(server, tag="rust", limit=25)
    assert [i.external_id for i in result.items] == ["q9wzrt", "zz81yy", "rust02"]
    assert result.problems == []
    assert server.hits == ["/t/rust.json", "/t/rust.json?page=2", "/t/rust.json?page=3"]


def test_empty_page_ends_the_listing(server: PlatformServer) -> None:
    server.routes["/hottest.json?page=2"] = [Reply(body=b"[]")]
    result = collected(server, limit=50)
    assert len(result.items) == 4
    assert result.problems == []
    assert server.hits == ["/hottest.json", "/hottest.json?page=2"]


def test_server_ignoring_the_page_parameter_is_read_once_more_only(
    server: PlatformServer,
) -> None:
    # the fixture server answers /hottest.json?page=2 with hottest.json again
    server.routes["/hottest.json"] = [
        Reply(body=stories(*json.loads((ROOT / "hottest.json").read_bytes()), "junk"))
    ]
    result = collected(server, limit=50)
    assert [i.external_id for i in result.items] == ["x7kqfa", "ab12cd", "q9wzrt", "m3nb0p"]
    assert [p.error_kind for p in result.problems] == [ErrorKind.INVALID_ITEM]  # not twice
    assert server.hits == ["/hottest.json", "/hottest.json?page=2"]


def test_no_limit_reads_one_page(server: PlatformServer) -> None:
    server.routes["/hottest.json?page=2"] = [Reply(body=stories(story("pg2aaa")))]
    assert len(collected(server).items) == 4
    assert server.hits == ["/hottest.json"]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(500, b"oops"), ErrorKind.HTTP_STATUS),
        (Reply(body=b'[{"short_id": "pg2aaa", "title": '), ErrorKind.PARSE_ERROR),
        (Reply(body=b"<html>Slow down</html>", content_type="text/html"), ErrorKind.NOT_A_FEED),
    ],
)
def test_failing_later_page_keeps_what_was_read(
    server: PlatformServer, reply: Reply, kind: ErrorKind
) -> None:
    server.routes["/hottest.json?page=2"] = [reply]
    result = collected(server, limit=50)
    assert len(result.items) == 4
    (found,) = result.problems
    assert found.error_kind == kind
    assert found.url is not None and found.url.endswith("/hottest.json?page=2")


def test_page_of_only_bad_stories_ends_with_its_problems(server: PlatformServer) -> None:
    server.routes["/hottest.json?page=2"] = [Reply(body=stories({"title": "no id"}, "junk"))]
    result = collected(server, limit=50)
    assert len(result.items) == 4
    assert [p.error_kind for p in result.problems] == [ErrorKind.INVALID_ITEM] * 2
    assert server.hits == ["/hottest.json", "/hottest.json?page=2"]


def test_pagination_stops_at_max_pages(
    server: PlatformServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lobsters, "MAX_PAGES", 3)
    for page in range(2, 6):
        server.routes[f"/hottest.json?page={page}"] = [Reply(body=stories(story(f"page{page}")))]
    result = collected(server, limit=1000)
    assert len(result.items) == 6
    assert server.hits == ["/hottest.json", "/hottest.json?page=2", "/hottest.json?page=3"]


def test_replay_with_a_raised_limit_stops_where_the_run_stopped(server: PlatformServer) -> None:
    store = MemoryStore()
    live = run_collector(LobstersCollector(), load_source(server.url, "lobsters"), store=store)
    assert live.result is not None and server.hits == ["/hottest.json"]
    raised = load_source(server.url, "lobsters", limit=50)  # the catalogue changed since

    async def replay() -> ParseResult:
        session = FetchSession(
            ReplayTransport(live.session.rows, store),
            store,
            source_id=raised.id,
            run_id="test-run",
            state={},
            record=False,
        )
        return await LobstersCollector().collect(raised, session)

    replayed = asyncio.run(replay())
    assert replayed.items == live.result.items
    assert replayed.problems == []  # page 2 was never fetched: not an error of the source
    assert server.hits == ["/hottest.json"]
