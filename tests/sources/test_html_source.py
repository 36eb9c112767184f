"""html: CSS-selector scraping of a blog index, lenient dates, hostile pages, and the
collector against a loopback server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from platform_server import PlatformServer, Reply, fixture, run_collector, source_from_yaml

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParseResult
from riverbed.sources.html import HtmlCollector, parse_html_listing
from riverbed.sources.htmlutil import lenient_date

NOW = datetime(2025, 11, 3, 12, 0, tzinfo=UTC)
PAGE = "https://storage.example.com/blog/"
SELECTORS: dict[str, str | None] = {
    "item": "article.post",
    "title": "h2",
    "link": "h2 a",
    "date": ".meta",
    "summary": ".excerpt",
    "author": ".author",
}


def parse(body: bytes, selectors: dict[str, str | None] | None = None) -> ParseResult:
    return parse_html_listing(
        body, selectors=selectors or SELECTORS, content_type="text/html", base_url=PAGE, now=NOW
    )


def test_blog_index_entries() -> None:
    result = parse(fixture("html", "blog_index.html"))
    assert result.feed_title == "Notes from the Storage Team"
    rows = [(i.title, i.url, i.author, i.published_at, i.text) for i in result.items]
    assert rows == [
        (
            "Write-ahead logging, explained",
            "https://storage.example.com/blog/2025/11/write-ahead-logging/",  # via <base href>
            "Ana Souza",
            datetime(2025, 11, 3, 8, 30, tzinfo=UTC),  # <time datetime> with +01:00
            "Why every database writes twice, and why that is fast.",  # script dropped
        ),
        (
            "Guest post: compaction strategies",
            "https://other.example.net/guest/compaction",
            "Kenji Ito",
            datetime(2025, 11, 1, tzinfo=UTC),  # "Posted on November 1, 2025 by Kenji Ito"
            "Size-tiered versus leveled, measured.",
        ),
        (
            "B-tree page layout",
            "https://storage.example.com/blog/2025/10/btree-pages",
            None,
            datetime(2025, 11, 3, 10, 0, tzinfo=UTC),  # "2 hours ago"
            "Slots, cells and the free-space map.",
        ),
    ]
    assert result.items[2].summary_html == (
        '<div class="excerpt"><p>Slots, cells and the free-space map.</p></div>'
    )
    assert [(p.error_kind, p.message) for p in result.problems] == [
        (ErrorKind.INVALID_ITEM, "entry 3 ('Subscribe!') has no http(s) link"),
        (ErrorKind.INVALID_ITEM, "entry 4 has no title"),
    ]


def test_link_from_the_first_anchor_inside_and_relative_to_the_page() -> None:
    page = b"""<html><body><ul>
      <li class="s"><span class="t">One</span><div class="l"><a href="../one.html">x</a></div></li>
      <li class="s"><a class="t l" href="two?x=1#frag">Two</a></li>
      <li class="s"><a class="t l" href="two?x=1#frag">Two again</a></li>
    </ul></body></html>"""
    result = parse_html_listing(
        page,
        selectors={"item": "li.s", "title": ".t", "link": ".l"},
        base_url="http://127.0.0.1:9/news/index.html",
        now=NOW,
    )
    assert [(i.title, i.url) for i in result.items] == [
        ("One", "http://127.0.0.1:9/one.html"),
        ("Two", "http://127.0.0.1:9/news/two?x=1#frag"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 Nov 2025", datetime(2025, 11, 3, tzinfo=UTC)),
        ("November 3, 2025", datetime(2025, 11, 3, tzinfo=UTC)),
        ("Posted on Nov 2, 2025 at 14:05", datetime(2025, 11, 2, 14, 5, tzinfo=UTC)),
        ("2025-11-02T10:00:00Z", datetime(2025, 11, 2, 10, tzinfo=UTC)),
        ("2 hours ago", datetime(2025, 11, 3, 10, tzinfo=UTC)),
        ("a day ago", datetime(2025, 11, 2, 12, tzinfo=UTC)),
        ("3d ago", datetime(2025, 10, 31, 12, tzinfo=UTC)),
        ("yesterday", datetime(2025, 11, 2, 12, tzinfo=UTC)),
        ("November 2025", None),  # no day: not a date
        ("sometime", None),
        ("3 Nov 2099", None),  # implausible
        ("", None),
    ],
)
def test_lenient_dates(text: str, expected: datetime | None) -> None:
    assert lenient_date(text, now=NOW) == expected


def test_selector_matching_nothing_is_not_a_feed() -> None:
    with pytest.raises(RiverbedError) as caught:
        parse(fixture("html", "blog_index.html"), {**SELECTORS, "item": "div.nope"})
    assert caught.value.kind is ErrorKind.NOT_A_FEED
    assert "selector matched nothing" in caught.value.message


def test_invalid_selector_is_named() -> None:
    with pytest.raises(RiverbedError) as caught:
        parse(fixture("html", "blog_index.html"), {**SELECTORS, "title": "h2[[["})
    assert "invalid CSS selector for title" in caught.value.message


@pytest.mark.timeout(30)  # linear work takes well under a second; quadratic, hours
def test_attribute_flood_is_defused() -> None:
    flood = b" ".join(b"a%d=x" % n for n in range(60_000))
    page = (
        b'<html><body><div class="post" '
        + flood
        + b'><a class="t" href="/p">Post</a></div></body></html>'
    )
    result = parse(page, {"item": "div", "title": "a", "link": "a"})
    assert [(i.title, i.url) for i in result.items] == [("Post", "https://storage.example.com/p")]


def test_oversized_page_is_refused() -> None:
    with pytest.raises(RiverbedError) as caught:
        parse(b"<html>" + b" " * (6 * 1024 * 1024) + b"</html>")
    assert caught.value.kind is ErrorKind.TOO_LARGE


def test_charset_from_the_page() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p class="i"><a href="/x">Café “quotes”</a></p></body></html>'
    result = parse(page.encode("cp1252"), {"item": "p.i", "title": "a", "link": "a"})
    assert result.items[0].title == "Café “quotes”"


CATALOGUE = """
sources:
  - id: storage-blog
    kind: html
    url: {base}/blog/
    limit: 2
    selectors:
      item: article.post
      title: h2
      link: h2 a
      date: .meta
      summary: .excerpt
      author: .author
"""


def test_collector_resolves_links_against_the_fetched_page(server: PlatformServer) -> None:
    server.routes["/blog/"] = [
        Reply(body=fixture("html", "blog_index.html"), content_type="text/html; charset=utf-8")
    ]
    result = run_collector(HtmlCollector(), source_from_yaml(CATALOGUE, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult)
    assert [s.path for s in seen] == ["/blog/"]
    base = result.items[0].url
    assert base is not None and base.startswith("http://127.0.0.1:")
    assert base.endswith("/blog/2025/11/write-ahead-logging/")
    assert [i.url for i in result.items][1] == "https://other.example.net/guest/compaction"
    assert len(result.items) == 2
    assert len(result.problems) == 2


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (None, ErrorKind.HTTP_STATUS),
        (
            Reply(body=b"<html><body><p>Nothing here</p></body></html>", content_type="text/html"),
            ErrorKind.NOT_A_FEED,
        ),
    ],
)
def test_collector_failures(server: PlatformServer, route: Reply | None, kind: ErrorKind) -> None:
    if route:
        server.routes["/blog/"] = [route]
    result = run_collector(HtmlCollector(), source_from_yaml(CATALOGUE, server.url)).value
    assert isinstance(result, RiverbedError)
    assert result.kind is kind
