"""json_api: dotted-path mapping over a realistic HN Algolia response, hostile JSON, and the
collector against a loopback server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from platform_server import PlatformServer, Reply, fixture, run_collector, source_from_yaml

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParseResult
from riverbed.sources.json_api import JsonApiCollector, parse_json_api, resolve_path

NOW = datetime(2025, 10, 1, tzinfo=UTC)
BASE = "https://hn.algolia.com/api/v1/search?query=postgres&tags=story"
FIELDS: dict[str, str | None] = {
    "title": "title",
    "url": "url",
    "published_at": "created_at_i",
    "author": "author",
    "score": "points",
    "comments": "num_comments",
    "text": "story_text",
    "id": "objectID",
}


def parse(
    body: bytes, items: str = "hits", fields: dict[str, str | None] | None = None
) -> ParseResult:
    return parse_json_api(body, items_path=items, fields=fields or FIELDS, base_url=BASE, now=NOW)


def test_algolia_hits_map_to_items() -> None:
    result = parse(fixture("json_api", "hn_algolia_search.json"))
    assert result.format == "json_api"
    rows = [
        (i.external_id, i.title, i.url, i.author, i.published_at, i.score, i.comments, i.text)
        for i in result.items
    ]
    assert rows == [
        (
            "41234567",
            "Postgres 18 released",
            "https://www.postgresql.org/about/news/postgresql-18-released-3142/",
            "pg_fan",
            datetime(2025, 9, 25, 14, 3, 11, tzinfo=UTC),
            845,
            312,
            None,
        ),
        (
            "41230001",
            "Ask HN: Postgres on tiny hardware?",
            None,  # a self post: url null
            "throwaway42",
            datetime(2025, 9, 25, 9, 0, tzinfo=UTC),
            3,
            0,
            "I run Postgres on a Raspberry Pi & it works. Anyone else?",
        ),
        (
            "41220002",
            "Postgres and the art of VACUUM",
            "https://blog.example.org/vacuum",
            "dbnerd",
            datetime(2025, 9, 24, 20, 0, tzinfo=UTC),
            None,  # "points": "many"
            17,  # "num_comments": "17"
            None,
        ),
    ]
    # the duplicate objectID keeps its first element
    assert (
        result.items[1].summary_html
        == "I run <i>Postgres</i> on a Raspberry Pi &amp; it works.<p>Anyone else?"
    )
    assert [(p.error_kind, p.external_id, p.message) for p in result.problems] == [
        (
            ErrorKind.INVALID_ITEM,
            "41220002",
            "item 2: unusable score (points): expected an integer, got 'many'",
        ),
        (ErrorKind.INVALID_ITEM, "41210003", "item 3 has no title at 'title'"),
    ]


def test_dotted_paths_with_list_indices_and_whole_document_list() -> None:
    doc = [
        {
            "data": {
                "headline": "One",
                "links": [{"href": "/a/1"}],
                "ts": "2025-09-01T10:00:00+02:00",
            }
        },
        {"data": {"headline": 42, "links": [{"href": "https://x.example/2"}], "ts": 1756720800000}},
    ]
    fields: dict[str, str | None] = {
        "title": "data.headline",
        "url": "data.links.0.href",
        "published_at": "data.ts",
    }
    result = parse(json.dumps(doc).encode(), items="", fields=fields)
    assert [(i.title, i.url, i.published_at) for i in result.items] == [
        ("One", "https://hn.algolia.com/a/1", datetime(2025, 9, 1, 8, 0, tzinfo=UTC)),
        ("42", "https://x.example/2", datetime(2025, 9, 1, 10, 0, tzinfo=UTC)),  # unix ms
    ]
    assert resolve_path({"a": [1, {"b": 2}]}, "a.-1.b") == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,234", 1234), (12.0, 12), ("-3", None), (True, None), ([1], None), (2**60, None)],
)
def test_comment_counts(value: object, expected: int | None) -> None:
    doc = {"items": [{"t": "x", "c": value}]}
    result = parse(
        json.dumps(doc).encode(), items="items", fields={"title": "t", "url": "u", "comments": "c"}
    )
    assert result.items[0].comments == expected
    assert len(result.problems) == (0 if expected is not None else 1)


def test_invalid_values_are_item_problems_and_the_item_is_kept() -> None:
    doc = {
        "items": [
            {"t": "ok", "u": {"not": "a url"}, "d": "not a date", "a": ["A", "B"]},
            {"t": {"deep": True}},
            "just a string",
        ]
    }
    fields: dict[str, str | None] = {"title": "t", "url": "u", "published_at": "d", "author": "a"}
    result = parse(json.dumps(doc).encode(), items="items", fields=fields)
    assert [(i.title, i.url, i.published_at, i.author) for i in result.items] == [
        ("ok", None, None, "A, B")
    ]
    assert [p.message for p in result.problems] == [
        "item 0: unusable url (u): expected a string, got an object;"
        " published_at (d): unreadable or implausible date 'not a date'",
        "item 1 has no title at 't'; title (t): expected a string, got an object",
        "item 2 is a string",
    ]


@pytest.mark.parametrize(
    ("body", "items", "kind"),
    [
        (b"", "hits", ErrorKind.NOT_A_FEED),
        (b'{"hits": [', "hits", ErrorKind.PARSE_ERROR),
        (b"\xff\xfe\x00garbage", "hits", ErrorKind.PARSE_ERROR),
        (b'{"hits": {"a": 1}}', "hits", ErrorKind.NOT_A_FEED),
        (b'{"data": []}', "hits", ErrorKind.NOT_A_FEED),
        (b'{"hits": []}', "hits", ErrorKind.NOT_A_FEED),
        (b"<html></html>", "hits", ErrorKind.PARSE_ERROR),
        (b"[" * 200_000 + b"]" * 200_000, "", ErrorKind.PARSE_ERROR),
    ],
)
def test_bad_documents(body: bytes, items: str, kind: ErrorKind) -> None:
    with pytest.raises(RiverbedError) as caught:
        parse(body, items=items)
    assert caught.value.kind is kind


def test_deep_nesting_inside_an_item_and_lone_surrogates() -> None:
    deep = "[" * 400 + "]" * 400
    body = (
        '{"hits": [{"title": "bad \\ud800 title", "url": "https://e.example/\\udfff", "story_text": '
        + deep
        + "}]}"
    ).encode()
    result = parse(body)
    (item,) = result.items
    assert item.title == "bad title"
    assert item.url == "https://e.example/"
    item.title.encode("utf-8")
    assert [p.message for p in result.problems] == [
        "item 0: unusable text (story_text): expected a string, got a list"
    ]


CATALOGUE = """
sources:
  - id: hn-search
    kind: json_api
    url: {base}/api/v1/search?query=postgres&tags=story
    items: hits
    limit: 2
    fields:
      title: title
      url: url
      published_at: created_at_i
      author: author
      score: points
      comments: num_comments
      id: objectID
"""


def test_collector_fetches_the_url_as_given(server: PlatformServer) -> None:
    server.routes["/api/v1/search"] = [
        Reply(body=fixture("json_api", "hn_algolia_search.json"), content_type="application/json")
    ]
    result = run_collector(JsonApiCollector(), source_from_yaml(CATALOGUE, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult)
    assert [i.external_id for i in result.items] == ["41234567", "41230001"]
    assert [(s.path, s.query_string) for s in seen] == [
        ("/api/v1/search", "query=postgres&tags=story")
    ]


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (None, ErrorKind.HTTP_STATUS),
        (
            Reply(body=b'{"hits": [{"title": "x"', content_type="application/json"),
            ErrorKind.PARSE_ERROR,
        ),
        (Reply(body=b'{"results": []}', content_type="application/json"), ErrorKind.NOT_A_FEED),
    ],
)
def test_collector_failures(server: PlatformServer, route: Reply | None, kind: ErrorKind) -> None:
    if route:
        server.routes["/api/v1/search"] = [route]
    result = run_collector(JsonApiCollector(), source_from_yaml(CATALOGUE, server.url)).value
    assert isinstance(result, RiverbedError)
    assert result.kind is kind
