"""Hacker News: the pure parsers over Firebase v0 bodies, and the collector against a real
loopback server answering on the API's real paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from platform_server import (
    FIXTURES,
    Outcome,
    PlatformServer,
    Reply,
    load_source,
    run_collector,
)

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParsedItem, ParseResult
from riverbed.sources.hackernews import HackerNewsCollector, parse_hn_item, parse_hn_list

ROOT = FIXTURES / "hackernews"
ITEMS = ROOT / "v0" / "item"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
TOP = [40178020, 8863, 121003, 192327, 126809, 40178021, 40178022, 40178023, 40178024]


@pytest.fixture
def server(server: PlatformServer) -> PlatformServer:
    server.root = ROOT  # the fixture files answer on their API paths
    return server


def item(item_id: int) -> ParsedItem | None:
    return parse_hn_item((ITEMS / f"{item_id}.json").read_bytes(), now=NOW)


def kind_of(call: Callable[[], object]) -> ErrorKind:
    with pytest.raises(RiverbedError) as info:
        call()
    return info.value.kind


# --- parsers ---------------------------------------------------------------------------------


def test_list_in_order() -> None:
    assert parse_hn_list((ROOT / "v0" / "topstories.json").read_bytes()) == TOP


def test_list_skips_non_ids_and_repeats() -> None:
    assert parse_hn_list(b'[3, "4", true, 2.5, null, -1, 5, 3]') == [3, 5]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"[1, 2", ErrorKind.PARSE_ERROR),
        (b"\xff\xfe[1]", ErrorKind.PARSE_ERROR),
        (b"[" * 200_000 + b"]" * 200_000, ErrorKind.PARSE_ERROR),
        (b"", ErrorKind.NOT_A_FEED),
        (b"<html><body>Service Unavailable</body></html>", ErrorKind.NOT_A_FEED),
        (b'{"error": "Permission denied"}', ErrorKind.NOT_A_FEED),
        (b"null", ErrorKind.NOT_A_FEED),
        (b"[]", ErrorKind.NOT_A_FEED),
    ],
)
def test_bad_lists(body: bytes, kind: ErrorKind) -> None:
    assert kind_of(lambda: parse_hn_list(body)) == kind


def test_link_story() -> None:
    assert item(8863) == ParsedItem(
        title="My YC app: Dropbox - Throw away your USB drive",
        url="http://www.getdropbox.com/u/2/screencast.html",
        external_id="8863",
        author="dhouston",
        published_at=datetime(2007, 4, 4, 19, 16, 40, tzinfo=UTC),
        score=111,
        comments=71,
        comments_url="https://news.ycombinator.com/item?id=8863",
        tags=[],
    )


def test_show_hn_is_tagged() -> None:
    show = item(40178020)
    assert show is not None
    assert show.title == "Show HN: Duckpond – query Parquet on S3 from the browser"
    assert show.url == "https://github.com/ana-dev/duckpond"
    assert show.tags == ["show"]
    assert (show.score, show.comments) == (187, 42)
    assert show.published_at == datetime(2024, 4, 29, 11, 26, 40, tzinfo=UTC)


def test_ask_hn_has_text_and_no_url() -> None:
    ask = item(121003)
    assert ask is not None
    assert ask.url is None
    assert ask.tags == ["ask"]
    assert ask.author == "tel"
    assert (ask.score, ask.comments) == (25, 16)
    assert ask.published_at == datetime(2008, 2, 22, 2, 33, 40, tzinfo=UTC)
    assert ask.text is not None
    assert ask.text.startswith("or HN: the Next Iteration I get the impression that with Arc")
    assert "I'm envisioning a spike." in ask.text
    assert "signal/noise" in ask.text and "<" not in ask.text
    assert ask.summary_html is not None and ask.summary_html.startswith("<i>or</i> HN")


def test_job_has_no_comments_and_empty_url_is_none() -> None:
    job = item(192327)
    assert job is not None
    assert job.title == "Justin.tv is looking for a Lead Flash Engineer!"
    assert job.url is None
    assert job.tags == ["job"]
    assert (job.score, job.comments) == (6, None)
    assert job.text is not None and job.text.startswith("Justin.tv is the biggest live video")


def test_poll() -> None:
    poll = item(126809)
    assert poll is not None
    assert poll.tags == ["poll"]
    assert (poll.author, poll.score, poll.comments) == ("pg", 46, 54)
    assert poll.url is None
    assert poll.text is None and poll.summary_html is None  # "text": ""


@pytest.mark.parametrize("item_id", [40178021, 40178022, 40178023])
def test_deleted_dead_and_null_are_skipped(item_id: int) -> None:
    assert item(item_id) is None


def story(**fields: object) -> bytes:
    return json.dumps({"id": 1, "type": "story", "title": "A title", **fields}).encode()


@pytest.mark.parametrize(
    "body",
    [
        story(title=None),
        story(title="   "),
        story(title=["a list"]),
        story(title="x" * 70_000),
        story(url="https://example.com/" + "a" * 5000),
        story(score="12"),
        story(by=42),
        story(id="1"),
        story(type="comment"),
        b'{"id": 1, "type": "story", "title": "bad \\ud800 surrogate"}',
        b'{"id": 1, "type": "story", "title": "t", "by": "\\udfff"}',
    ],
)
def test_invalid_items(body: bytes) -> None:
    assert kind_of(lambda: parse_hn_item(body, now=NOW)) == ErrorKind.INVALID_ITEM


def test_wrong_shape_and_malformed_items() -> None:
    assert kind_of(lambda: parse_hn_item(b"[1, 2]")) == ErrorKind.NOT_A_FEED
    assert kind_of(lambda: parse_hn_item(b'{"id": 1, "title": "x"')) == ErrorKind.PARSE_ERROR
    deep = b'{"id": 1, "title": "x", "kids": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert kind_of(lambda: parse_hn_item(deep)) == ErrorKind.PARSE_ERROR


def test_caps_and_cleaning() -> None:
    parsed = parse_hn_item(
        story(
            title="  Long   " + "word " * 400,
            text="<p>" + "lorem ipsum " * 3000 + "</p>\ud83d",
            url="javascript:alert(1)",
            time=4_102_444_800,  # 2100: implausible
        ),
        now=NOW,
    )
    assert parsed is not None
    assert len(parsed.title) <= 1000 and parsed.title.startswith("Long word")
    assert parsed.text is not None and len(parsed.text) <= 20_000
    assert "\ud83d" not in parsed.text
    assert parsed.url is None
    assert parsed.published_at is None


def test_untyped_story_defaults_to_story() -> None:
    parsed = parse_hn_item(b'{"id": 7, "title": "Tell HN: something", "time": 1714390000.0}')
    assert parsed is not None
    assert parsed.tags == ["tell"]
    assert parsed.published_at == datetime(2024, 4, 29, 11, 26, 40, tzinfo=UTC)


# --- collector over loopback -------------------------------------------------------------------


def collect(server: PlatformServer, **options: object) -> Outcome:
    return run_collector(HackerNewsCollector(), load_source(server.url, "hackernews", **options))


def collected(server: PlatformServer, **options: object) -> ParseResult:
    out = collect(server, **options)
    assert out.error is None and out.result is not None, out.error
    return out.result


def failure(server: PlatformServer, **options: object) -> RiverbedError:
    out = collect(server, **options)
    assert out.result is None and out.error is not None
    return out.error


def test_collects_top_stories_concurrently(server: PlatformServer) -> None:
    server.delay_s = 0.05
    out = collect(server)
    assert out.error is None and out.result is not None
    result = out.result
    assert [i.external_id for i in result.items] == [
        "40178020",
        "8863",
        "121003",
        "192327",
        "126809",
        "40178024",
    ]
    assert result.problems == []
    assert result.format == "hackernews_v0"
    item_paths = sorted(h for h in server.hits if h.startswith("/v0/item/"))
    assert item_paths == sorted(f"/v0/item/{i}.json" for i in TOP)
    assert server.hits[0] == "/v0/topstories.json"
    # item fetches overlapped, within the client's per-host concurrency (4 by default)
    assert 3 <= server.max_in_flight <= 4


def test_limit_and_listing(server: PlatformServer) -> None:
    server.routes["/v0/newstories.json"] = [Reply(body=b"[8863, 121003, 192327, 126809]")]
    result = collected(server, listing="new", limit=2)
    assert [i.external_id for i in result.items] == ["8863", "121003"]
    assert server.hits[0] == "/v0/newstories.json"
    assert sorted(server.hits[1:]) == ["/v0/item/121003.json", "/v0/item/8863.json"]


def test_one_item_failing_is_an_item_problem(server: PlatformServer) -> None:
    server.routes["/v0/item/8863.json"] = [Reply(500, b"boom")]
    server.routes["/v0/item/121003.json"] = [Reply(body=b'{"id": 121003, "title": ')]
    result = collected(server)
    assert [i.external_id for i in result.items] == ["40178020", "192327", "126809", "40178024"]
    problems = {p.external_id: p for p in result.problems}
    assert problems["8863"].error_kind == ErrorKind.HTTP_STATUS
    assert problems["8863"].url == "https://news.ycombinator.com/item?id=8863"
    assert problems["121003"].error_kind == ErrorKind.PARSE_ERROR
    assert len(problems) == 2
    assert server.hits.count("/v0/item/8863.json") == 3  # retried, then given up


def test_list_404_fails_the_source(server: PlatformServer) -> None:
    server.routes["/v0/topstories.json"] = [Reply(404, b'{"error": "not found"}')]
    assert failure(server).kind == ErrorKind.HTTP_STATUS
    assert server.hits == ["/v0/topstories.json"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"[8863, 121", ErrorKind.PARSE_ERROR), (b'{"8863": true}', ErrorKind.NOT_A_FEED)],
)
def test_bad_list_fails_the_source(server: PlatformServer, body: bytes, kind: ErrorKind) -> None:
    server.routes["/v0/topstories.json"] = [Reply(body=body)]
    assert failure(server).kind == kind


def test_every_item_failing_fails_the_source(server: PlatformServer) -> None:
    server.routes["/v0/topstories.json"] = [Reply(body=b"[1, 2]")]  # no such fixture: 404s
    error = failure(server)
    assert error.kind == ErrorKind.HTTP_STATUS
    assert "all 2 item fetches failed" in error.message
