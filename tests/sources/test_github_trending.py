"""github_trending: the trending page's Box-row markup, and the collector against a loopback
server on the real path `/trending/{language}`."""

from __future__ import annotations

import pytest
from platform_server import PlatformServer, Reply, fixture, run_collector, source_from_yaml

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParseResult
from riverbed.sources.github_trending import (
    GithubTrendingCollector,
    parse_github_trending,
    trending_url,
)

PAGE = "https://github.com/trending/python?since=daily"
HTML = "text/html; charset=utf-8"


def test_rows_map_to_items() -> None:
    result = parse_github_trending(fixture("github", "trending_python.html"), base_url=PAGE)
    assert result.problems == []
    rows = [
        (i.external_id, i.url, i.title, i.author, i.text, i.score, i.comments, i.tags)
        for i in result.items
    ]
    assert rows == [
        (
            "astral-sh/uv",
            "https://github.com/astral-sh/uv",
            "astral-sh/uv: An extremely fast Python package and project manager, written in Rust.",
            "astral-sh",
            "An extremely fast Python package and project manager, written in Rust.",
            1234,
            None,
            ["Rust", "since:daily"],
        ),
        (
            "nanoteam/dotfiles",  # no description, no language
            "https://github.com/nanoteam/dotfiles",
            "nanoteam/dotfiles",
            "nanoteam",
            None,
            41,
            None,
            ["since:daily"],
        ),
        (
            "huggingface/smolagents",
            "https://github.com/huggingface/smolagents",
            "huggingface/smolagents: 🤗 smolagents: a barebones library for agents that think in code & act.",
            "huggingface",
            "🤗 smolagents: a barebones library for agents that think in code & act.",
            388,
            None,
            ["Python", "since:daily"],
        ),
    ]
    assert result.items[0].summary_html == (
        "<p>An extremely fast Python package and project manager, written in Rust.</p>"
        "<p>Rust · 61,402 stars · 1,812 forks · 1,234 stars today</p>"
    )
    assert result.items[1].summary_html == "<p>87 stars · 3 forks · 41 stars today</p>"
    assert all(i.published_at is None for i in result.items)


def test_weekly_period_and_tags() -> None:
    doc = fixture("github", "trending_python.html").replace(b"stars today", b"stars this week")
    result = parse_github_trending(doc, base_url=PAGE, since="weekly")
    assert [i.score for i in result.items] == [1234, 41, 388]
    assert result.items[0].tags == ["Rust", "since:weekly"]
    assert result.items[0].summary_html is not None
    assert result.items[0].summary_html.endswith("1,234 stars this week</p>")


def test_empty_state_is_not_a_feed() -> None:
    with pytest.raises(RiverbedError) as caught:
        parse_github_trending(fixture("github", "trending_empty.html"), base_url=PAGE)
    assert caught.value.kind is ErrorKind.NOT_A_FEED


def test_row_without_repository_link_is_an_item_problem() -> None:
    doc = fixture("github", "trending_python.html").replace(
        b'href="/astral-sh/uv" data-view', b'href="/login" data-view'
    )
    result = parse_github_trending(doc, base_url=PAGE)
    assert [i.external_id for i in result.items] == ["nanoteam/dotfiles", "huggingface/smolagents"]
    assert [p.error_kind for p in result.problems] == [ErrorKind.INVALID_ITEM]


def test_trending_url() -> None:
    assert (
        trending_url("https://github.com", "daily", None)
        == "https://github.com/trending?since=daily"
    )
    assert (
        trending_url("https://github.com/", "weekly", "C++")
        == "https://github.com/trending/c%2B%2B?since=weekly"
    )


CATALOGUE = """
sources:
  - id: gh-python
    kind: github_trending
    url: {base}
    since: weekly
    language: python
"""


def test_collector_calls_the_real_endpoint_and_resolves_against_the_base(
    server: PlatformServer,
) -> None:
    server.routes["/trending/python"] = [
        Reply(body=fixture("github", "trending_python.html"), content_type=HTML)
    ]
    result = run_collector(GithubTrendingCollector(), source_from_yaml(CATALOGUE, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult)
    assert [(s.path, s.query) for s in seen] == [("/trending/python", {"since": ["weekly"]})]
    url = result.items[0].url
    assert url is not None and url.startswith("http://127.0.0.1:") and url.endswith("/astral-sh/uv")
    assert result.items[0].tags == ["Rust", "since:weekly"]


def test_collector_without_language(server: PlatformServer) -> None:
    catalogue = CATALOGUE.replace("    language: python\n", "").replace(
        "since: weekly", "since: monthly"
    )
    server.routes["/trending"] = [
        Reply(body=fixture("github", "trending_python.html"), content_type=HTML)
    ]
    result = run_collector(GithubTrendingCollector(), source_from_yaml(catalogue, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult) and len(result.items) == 3
    assert [(s.path, s.query) for s in seen] == [("/trending", {"since": ["monthly"]})]


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (None, ErrorKind.HTTP_STATUS),
        (
            Reply(body=fixture("github", "trending_empty.html"), content_type=HTML),
            ErrorKind.NOT_A_FEED,
        ),
    ],
)
def test_collector_failures(server: PlatformServer, route: Reply | None, kind: ErrorKind) -> None:
    if route:
        server.routes["/trending/python"] = [route]
    result = run_collector(GithubTrendingCollector(), source_from_yaml(CATALOGUE, server.url)).value
    assert isinstance(result, RiverbedError)
    assert result.kind is kind
