"""Reddit: the pure listing parser, and the collector against a real loopback server on the
real `/r/{subreddit}/{listing}.json?limit=N` path (429 + Retry-After, pagination, limits)."""

from __future__ import annotations

import asyncio
import json
import time
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
    fast_settings,
    load_source,
    run_collector,
)

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParsedItem, ParseResult
from riverbed.fetch.session import FetchSession, ReplayTransport, UrlState
from riverbed.sources.reddit import RedditCollector, parse_reddit_listing, parse_reddit_page

ROOT = FIXTURES / "reddit"
HOT = ROOT / "r" / "programming" / "hot.json"
PAGE2 = ROOT / "r" / "programming" / "hot_page2.json"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def kind_of(call: Callable[[], object]) -> ErrorKind:
    with pytest.raises(RiverbedError) as info:
        call()
    return info.value.kind


def hot() -> dict[str, ParsedItem]:
    result = parse_reddit_listing(HOT.read_bytes(), now=NOW)
    assert result.problems == []
    assert result.format == "reddit_listing"
    return {i.external_id or "": i for i in result.items}


def listing(*posts: dict[str, Any], after: str | None = None) -> bytes:
    children = [{"kind": "t3", "data": p} for p in posts]
    return json.dumps({"kind": "Listing", "data": {"after": after, "children": children}}).encode()


# --- parser ----------------------------------------------------------------------------------


def test_order_and_ids() -> None:
    assert list(hot()) == [
        "t3_1cfq0aa",
        "t3_1cfxk2m",
        "t3_1cfy9zq",
        "t3_1cg01bd",
        "t3_1cg0x7e",
        "t3_1cg1c2x",
        "t3_1cg2d9f",
    ]


def test_link_post() -> None:
    assert hot()["t3_1cfxk2m"] == ParsedItem(
        title="How SQLite's WAL mode works",
        url="https://fly.io/blog/sqlite-internals-wal/",
        external_id="t3_1cfxk2m",
        author="benbjohnson",
        published_at=datetime(2024, 4, 29, 11, 10, 12, tzinfo=UTC),
        score=1523,
        comments=212,
        comments_url="https://www.reddit.com/r/programming/comments/1cfxk2m/how_sqlites_wal_mode_works/",
        tags=["programming"],
    )


def test_escaped_title_url_and_flair() -> None:
    post = hot()["t3_1cfy9zq"]
    assert post.title == "Q&A: Why does my query planner ignore the index <sometimes>?"
    assert post.url == "https://www.example.com/articles?id=42&utm_source=reddit&page=2"
    assert post.tags == ["Discussion", "programming"]
    assert post.published_at == datetime(2024, 4, 29, 12, 10, 11, 500000, tzinfo=UTC)


def test_self_post_stays_its_own_story() -> None:
    post = hot()["t3_1cg01bd"]
    assert post.url is None
    assert post.comments_url == (
        "https://www.reddit.com/r/programming/comments/1cg01bd/"
        "i_rewrote_our_build_system_in_zig_and_here_is/"
    )
    assert post.text == (
        "Long story short: builds went from 12 min to 3 min. Details below & a link."
    )
    assert post.summary_html is not None
    assert '<a href="https://example.org/zig">link</a>' in post.summary_html
    assert (post.author, post.score, post.comments) == ("zigzagger", 88, 40)


def test_stickied_is_kept_and_tagged() -> None:
    post = hot()["t3_1cfq0aa"]
    assert post.title == 'Weekly "Ask Anything" & help thread – April 29, 2024'
    assert post.tags == ["programming", "stickied"]
    assert post.url is None
    assert (
        post.text == "Ask your programming questions here & help others. Rules: be kind > be right."
    )


def test_nsfw_spoiler_and_crosspost() -> None:
    posts = hot()
    assert posts["t3_1cg0x7e"].tags == ["programming", "nsfw", "spoiler"]
    assert posts["t3_1cg0x7e"].url == "https://blog.example.net/2024/04/code-review-horror"
    cross = posts["t3_1cg1c2x"]
    assert cross.tags == ["programming", "crosspost"]
    assert cross.url == "https://www.reddit.com/r/rust/comments/1cf0abc/announcing_rust_1780/"


def test_deleted_author_and_removed_text() -> None:
    post = hot()["t3_1cg2d9f"]
    assert (post.author, post.text, post.url) == (None, None, None)


def test_after_marker() -> None:
    assert parse_reddit_page(HOT.read_bytes(), now=NOW)[1] == "t3_1cg2d9f"
    assert parse_reddit_page(PAGE2.read_bytes(), now=NOW)[1] is None
    odd = listing({"name": "t3_a", "title": "x"}, after="t3_a&limit=1000")
    assert parse_reddit_page(odd)[1] is None  # never copied into a URL unless well-formed


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'{"kind": "Listing", "data": {"children": [', ErrorKind.PARSE_ERROR),
        (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, ErrorKind.PARSE_ERROR),
        (b"<!doctype html><title>Too Many Requests</title>", ErrorKind.NOT_A_FEED),
        (b'{"message": "Forbidden", "error": 403}', ErrorKind.NOT_A_FEED),
        (b'{"kind": "t3", "data": {"children": []}}', ErrorKind.NOT_A_FEED),
        (b'{"kind": "Listing", "data": {"children": {}}}', ErrorKind.NOT_A_FEED),
        (b'[{"kind": "Listing", "data": {"children": []}}]', ErrorKind.NOT_A_FEED),
        (listing(), ErrorKind.NOT_A_FEED),
    ],
)
def test_bad_documents(body: bytes, kind: ErrorKind) -> None:
    assert kind_of(lambda: parse_reddit_listing(body)) == kind


def test_bad_posts_are_item_problems() -> None:
    good = {"name": "t3_ok", "title": "Fine", "created_utc": 1714389012.0}
    body = listing(
        good,
        {"name": "t3_notitle", "title": ""},
        {"name": "t3_badscore", "title": "x", "score": "many"},
        {"name": "t3_huge", "title": "x" * 70_000},
        {"title": "no name"},
    )
    body = body.replace(b'"children": [', b'"children": [{"kind": "t1", "data": {}}, "junk", ')
    body = body[:-3] + b', {"kind": "t3", "data": {"name": "t3_sur", "title": "\\ud800"}}]}}'
    result = parse_reddit_listing(body, now=NOW)
    assert [i.external_id for i in result.items] == ["t3_ok"]
    assert all(p.error_kind == ErrorKind.INVALID_ITEM for p in result.problems)
    ids = [p.external_id for p in result.problems]
    assert ids == [None, None, "t3_notitle", "t3_badscore", "t3_huge", None, "t3_sur"]


def test_name_falls_back_to_id_and_duplicates_dropped() -> None:
    result = parse_reddit_listing(listing({"id": "abc", "title": "A"}, {"id": "abc", "title": "A"}))
    assert [i.external_id for i in result.items] == ["t3_abc"]


def test_text_capped() -> None:
    result = parse_reddit_listing(
        listing({"name": "t3_x", "title": "t", "selftext": "word " * 9000, "is_self": True})
    )
    text = result.items[0].text
    assert text is not None and len(text) <= 20_000


# --- collector over loopback ------------------------------------------------------------------

HOT_BYTES = HOT.read_bytes()


def collect(server: PlatformServer, **options: object) -> Outcome:
    source = load_source(server.url, "reddit", subreddit="programming", **options)
    return run_collector(RedditCollector(), source)


def collected(server: PlatformServer, **options: object) -> ParseResult:
    out = collect(server, **options)
    assert out.error is None and out.result is not None, out.error
    return out.result


def test_collects_the_real_path(server: PlatformServer) -> None:
    server.routes["/r/programming/hot.json?limit=25"] = [Reply(body=HOT_BYTES)]
    result = collected(server)
    assert len(result.items) == 7
    assert result.feed_title == "r/programming hot"
    assert server.hits == ["/r/programming/hot.json?limit=25"]  # `after` ignored: limit <= 100


def test_limit_and_listing(server: PlatformServer) -> None:
    server.routes["/r/programming/top.json?limit=3"] = [Reply(body=HOT_BYTES)]
    result = collected(server, listing="top", limit=3)
    assert [i.external_id for i in result.items] == ["t3_1cfq0aa", "t3_1cfxk2m", "t3_1cfy9zq"]
    assert server.hits == ["/r/programming/top.json?limit=3"]


def test_429_with_retry_after_then_200(server: PlatformServer) -> None:
    server.routes["/r/programming/hot.json"] = [
        Reply(429, b'{"message": "Too Many Requests", "error": 429}', {"Retry-After": "1"}),
        Reply(body=HOT_BYTES),
    ]
    out = collect(server)
    assert out.error is None and out.result is not None
    assert len(out.result.items) == 7
    assert server.hits == ["/r/programming/hot.json?limit=25"] * 2
    assert out.elapsed_s >= 0.9  # waited as told


def test_pagination_beyond_100(server: PlatformServer) -> None:
    server.routes["/r/programming/new.json?limit=100"] = [Reply(body=HOT_BYTES)]
    server.routes["/r/programming/new.json?limit=100&after=t3_1cg2d9f"] = [
        Reply(body=PAGE2.read_bytes())
    ]
    result = collected(server, listing="new", limit=150)
    assert len(result.items) == 8
    assert result.items[-1].external_id == "t3_1cg3aaa"
    assert server.hits == [
        "/r/programming/new.json?limit=100",
        "/r/programming/new.json?limit=100&after=t3_1cg2d9f",
    ]  # page 2 had after=null: the end


def test_failing_second_page_keeps_the_first(server: PlatformServer) -> None:
    server.routes["/r/programming/hot.json?limit=100"] = [Reply(body=HOT_BYTES)]
    server.routes["/r/programming/hot.json?limit=100&after=t3_1cg2d9f"] = [Reply(body=b"[1")]
    result = collected(server, limit=500)
    assert len(result.items) == 7
    assert [p.error_kind for p in result.problems] == [ErrorKind.PARSE_ERROR]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(500, b"oops"), ErrorKind.HTTP_STATUS),
        (Reply(404, b'{"message": "Not Found", "error": 404}'), ErrorKind.HTTP_STATUS),
        (
            Reply(body=b'{"kind": "Listing", "data": {"children": [{"kind": "t3", "da'),
            ErrorKind.PARSE_ERROR,
        ),
        (Reply(body=b'{"reason": "private", "message": "Forbidden"}'), ErrorKind.NOT_A_FEED),
    ],
)
def test_source_failures(server: PlatformServer, reply: Reply, kind: ErrorKind) -> None:
    server.routes["/r/programming/hot.json"] = [reply]
    out = collect(server)
    assert out.result is None and out.error is not None
    assert out.error.kind == kind


# --- rate limits: 429 + Retry-After (the client) and x-ratelimit-* (the collector) ----------

FIRST_PAGE = "/r/programming/hot.json?limit=100"
SECOND_PAGE = "/r/programming/hot.json?limit=100&after=t3_1cg2d9f"


def window(remaining: str, reset: str | None = None, used: str = "100") -> dict[str, str]:
    headers = {"x-ratelimit-remaining": remaining, "x-ratelimit-used": used}
    if reset is not None:
        headers["x-ratelimit-reset"] = reset
    return headers


def two_pages(server: PlatformServer, first_headers: dict[str, str]) -> None:
    server.routes[FIRST_PAGE] = [Reply(body=HOT_BYTES, headers=first_headers)]
    server.routes[SECOND_PAGE] = [Reply(body=PAGE2.read_bytes(), headers=window("99.0", "600"))]


def test_rate_limit_headers_reach_the_collector(server: PlatformServer) -> None:
    server.routes[FIRST_PAGE] = [
        Reply(body=HOT_BYTES, headers={**window("42.0", "317"), "Set-Cookie": "loid=secret"})
    ]
    out = collect(server, limit=100)
    (body,) = out.session.bodies
    assert body.headers["x-ratelimit-remaining"] == "42.0"
    assert body.headers["x-ratelimit-used"] == "100"
    assert body.headers["x-ratelimit-reset"] == "317"
    assert "set-cookie" not in body.headers


def test_used_up_window_is_waited_out_before_the_next_page(server: PlatformServer) -> None:
    two_pages(server, window("0.0", "1"))
    out = collect(server, limit=150)
    assert out.error is None and out.result is not None
    assert len(out.result.items) == 8
    assert out.result.problems == []
    assert server.hits == [FIRST_PAGE, SECOND_PAGE]
    first, second = server.requests
    assert second.at - first.at >= 0.95  # waited for the reset before asking again


def test_window_resetting_later_than_the_client_waits_stops_paginating(
    server: PlatformServer,
) -> None:
    two_pages(server, window("0", "600"))
    out = collect(server, limit=150)
    assert out.error is None and out.result is not None
    assert len(out.result.items) == 7  # what was collected is kept
    assert server.hits == [FIRST_PAGE]
    (found,) = out.result.problems
    assert found.error_kind == ErrorKind.RATE_LIMITED
    assert found.url is not None and found.url.endswith(SECOND_PAGE)
    assert found.message == (
        "stopped after 1 page(s) with 7 of 150 posts: Reddit's rate limit is used up "
        "(x-ratelimit-remaining 0, used 100) and resets in 600s; "
        "a wait of 600s exceeds max_retry_after_s 60"
    )
    assert out.elapsed_s < 1.0  # refused at once, no sleeping


def test_window_resetting_past_the_request_deadline_stops_paginating(
    server: PlatformServer,
) -> None:
    two_pages(server, window("0", "5"))
    source = load_source(server.url, "reddit", subreddit="programming", limit=150)
    out = run_collector(RedditCollector(), source, fast_settings(timeout_s=3.0))
    assert out.result is not None and len(out.result.items) == 7
    assert server.hits == [FIRST_PAGE]
    (found,) = out.result.problems
    assert found.error_kind == ErrorKind.RATE_LIMITED
    assert "a wait of 5s is not shorter than the 3s deadline" in found.message


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(window("12.0", "600"), id="requests left"),
        pytest.param(window("0"), id="no reset given"),
        pytest.param(window("soon", "600"), id="remaining not a number"),
        pytest.param(window("-1", "600"), id="negative remaining"),
        pytest.param(window("0", "nan"), id="reset not finite"),
        pytest.param({}, id="no headers"),
    ],
)
def test_window_not_known_to_be_used_up_does_not_delay(
    server: PlatformServer, headers: dict[str, str]
) -> None:
    two_pages(server, headers)
    out = collect(server, limit=150)
    assert out.result is not None and len(out.result.items) == 8
    assert out.result.problems == []
    assert server.hits == [FIRST_PAGE, SECOND_PAGE]
    assert out.elapsed_s < 1.0


def test_last_page_needs_no_window(server: PlatformServer) -> None:
    server.routes["/r/programming/hot.json?limit=25"] = [
        Reply(body=HOT_BYTES, headers=window("0", "600"))
    ]
    out = collect(server)
    assert out.result is not None and out.result.problems == []
    assert out.elapsed_s < 1.0


def test_429_beyond_max_retry_after_fails_the_source_rate_limited(server: PlatformServer) -> None:
    server.routes["/r/programming/hot.json"] = [
        Reply(429, b'{"message": "Too Many Requests", "error": 429}', {"Retry-After": "120"})
    ]
    out = collect(server)
    assert out.result is None and out.error is not None
    assert out.error.kind == ErrorKind.RATE_LIMITED
    assert "Retry-After 120s exceeds max_retry_after_s 60" in out.error.message
    assert server.hits == ["/r/programming/hot.json?limit=25"]  # not retried: told too long
    assert out.elapsed_s < 1.0


def test_429_on_a_later_page_is_retried_after_retry_after(server: PlatformServer) -> None:
    server.routes[FIRST_PAGE] = [Reply(body=HOT_BYTES)]
    server.routes[SECOND_PAGE] = [
        Reply(429, b"", {"Retry-After": "1"}),
        Reply(body=PAGE2.read_bytes()),
    ]
    out = collect(server, limit=150)
    assert out.result is not None and len(out.result.items) == 8
    assert out.result.problems == []
    assert server.hits == [FIRST_PAGE, SECOND_PAGE, SECOND_PAGE]
    assert server.requests[2].at - server.requests[1].at >= 0.95


def test_429_on_a_later_page_that_cannot_be_waited_keeps_the_first(
    server: PlatformServer,
) -> None:
    server.routes[FIRST_PAGE] = [Reply(body=HOT_BYTES)]
    server.routes[SECOND_PAGE] = [Reply(429, b"", {"Retry-After": "3600"})]
    out = collect(server, limit=150)
    assert out.result is not None and len(out.result.items) == 7
    (found,) = out.result.problems
    assert found.error_kind == ErrorKind.RATE_LIMITED
    assert found.url is not None and found.url.endswith(SECOND_PAGE)


def test_not_modified_first_page_is_judged_by_the_304s_window(server: PlatformServer) -> None:
    store: MemoryStore = MemoryStore()
    state: dict[str, UrlState] = {}
    source = load_source(server.url, "reddit", subreddit="programming", limit=150)
    server.routes[FIRST_PAGE] = [
        Reply(body=HOT_BYTES, headers={"ETag": '"hot-1"', **window("50", "600")}),
        Reply(304, b"", {"ETag": '"hot-1"', **window("0", "600")}),
    ]
    server.routes[SECOND_PAGE] = [Reply(body=PAGE2.read_bytes())]
    first = run_collector(RedditCollector(), source, store=store, state=state)
    assert first.result is not None and len(first.result.items) == 8
    server.requests.clear()
    second = run_collector(RedditCollector(), source, store=store, state=state)
    assert server.requests[0].headers.get("if-none-match") == '"hot-1"'
    assert second.session.bodies[0].status == 304
    assert second.result is not None and len(second.result.items) == 7
    assert [p.error_kind for p in second.result.problems] == [ErrorKind.RATE_LIMITED]
    assert server.hits == [FIRST_PAGE]


def test_replay_after_a_rate_limit_stop_yields_the_same_posts_without_waiting(
    server: PlatformServer,
) -> None:
    two_pages(server, window("0", "600"))
    store = MemoryStore()
    source = load_source(server.url, "reddit", subreddit="programming", limit=150)
    live = run_collector(RedditCollector(), source, store=store)
    assert live.result is not None

    async def replay() -> ParseResult:
        session = FetchSession(
            ReplayTransport(live.session.rows, store),
            store,
            source_id=source.id,
            run_id="test-run",
            state={},
            record=False,
        )
        return await RedditCollector().collect(source, session)

    started = time.monotonic()
    replayed = asyncio.run(replay())
    assert time.monotonic() - started < 60  # not the 600 s rate-limit window
    assert replayed.items == live.result.items
    # the stop was a live-run event recorded then; replay adds no problem for the gap
    assert replayed.problems == []
    assert server.hits == [FIRST_PAGE]  # replay sent nothing
