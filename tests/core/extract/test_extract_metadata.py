"""Page metadata (title, author, published date), content-type rules and the budget's parse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from riverbed.core.extract import content
from riverbed.core.extract.budget import PRUNED_TAGS, parse_page, prune
from riverbed.core.extract.metadata import read_metadata

NOW = datetime(2024, 7, 1, tzinfo=UTC)


def meta(head: str = "", body: str = "") -> object:
    page = parse_page(f"<html><head>{head}</head><body>{body}</body></html>")
    return read_metadata(page.root, now=NOW)


def jsonld(value: str) -> str:
    return f'<script type="application/ld+json">{value}</script>'


def test_title_sources_in_order() -> None:
    m = meta(
        '<title>Site | Page</title><meta property="og:title" content="OG title">'
        '<meta name="twitter:title" content="Twitter title">'
        + jsonld('{"@type": "NewsArticle", "headline": "LD headline"}'),
        "<h1>Heading</h1>",
    )
    assert m.og_title == "OG title"  # type: ignore[attr-defined]
    assert m.jsonld_title == "LD headline"  # type: ignore[attr-defined]
    assert m.best_title() == "OG title"  # type: ignore[attr-defined]
    assert m.html_title == "Site | Page"  # type: ignore[attr-defined]
    assert m.h1 == "Heading"  # type: ignore[attr-defined]
    only_ld = meta(jsonld('{"@type": "NewsArticle", "headline": "LD headline"}'))
    assert only_ld.best_title() == "LD headline"  # type: ignore[attr-defined]


def test_title_entities_and_whitespace() -> None:
    m = meta("<title>\n  Ben &amp; Jerry\u2019s   story \n</title>")
    assert m.html_title == "Ben & Jerry’s story"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("markup", "author"),
    [
        (
            jsonld('{"@type": "Article", "author": {"@type": "Person", "name": "Ann Lee"}}'),
            "Ann Lee",
        ),
        (
            jsonld(
                '{"@type": "Article", "author": [{"name": "Ann Lee"}, {"name": "Bo Chen"}, "Ann Lee"]}'
            ),
            "Ann Lee, Bo Chen",
        ),
        ('<meta name="author" content="Carla Mendes">', "Carla Mendes"),
        ('<meta property="article:author" content="https://facebook.com/carla">', None),
        ("", None),
    ],
)
def test_author(markup: str, author: str | None) -> None:
    assert meta(markup).author == author  # type: ignore[attr-defined]


def test_author_from_rel_author_link() -> None:
    m = meta(body='<p class="byline">By <a rel="author" href="/staff/dm">Dana Moss</a></p>')
    assert m.author == "Dana Moss"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<meta property="article:published_time" content="2024-03-05T14:30:00+01:00">',
            datetime(2024, 3, 5, 13, 30, tzinfo=UTC),
        ),
        (
            jsonld(
                '{"@graph": [{"@type": "WebSite"}, {"@type": "BlogPosting", "datePublished": "2024-06-12T07:45:00-04:00"}]}'
            ),
            datetime(2024, 6, 12, 11, 45, tzinfo=UTC),
        ),
        ('<meta itemprop="datePublished" content="2024-01-02">', datetime(2024, 1, 2, tzinfo=UTC)),
        (
            '<meta name="dc.date" content="Tue, 05 Mar 2024 09:00:00 GMT">',
            datetime(2024, 3, 5, 9, 0, tzinfo=UTC),
        ),
        ("", None),
    ],
)
def test_published_date_from_head(markup: str, expected: datetime | None) -> None:
    assert meta(markup).published_at == expected  # type: ignore[attr-defined]


def test_published_date_from_time_elements() -> None:
    body = (
        '<header><time datetime="2024-06-30T10:00:00Z">today</time></header>'
        '<article><time datetime="2024-05-01T08:00:00Z">May 1</time><p>text</p></article>'
    )
    assert meta(body=body).published_at == datetime(2024, 5, 1, 8, tzinfo=UTC)  # type: ignore[attr-defined]
    pubdate = '<time datetime="2024-06-30">x</time><time pubdate datetime="2024-04-04">y</time>'
    assert meta(body=pubdate).published_at == datetime(2024, 4, 4, tzinfo=UTC)  # type: ignore[attr-defined]
    lone = '<div><time datetime="2023-11-18">November 18, 2023</time></div>'
    assert meta(body=lone).published_at == datetime(2023, 11, 18, tzinfo=UTC)  # type: ignore[attr-defined]


def test_implausible_dates_are_dropped_for_the_next_candidate() -> None:
    head = (
        '<meta property="article:published_time" content="2999-01-01T00:00:00Z">'
        + jsonld('{"@type": "NewsArticle", "datePublished": "1970-01-01"}')
        + '<meta name="date" content="2024-02-29T12:00:00Z">'
    )
    assert meta(head).published_at == datetime(2024, 2, 29, 12, tzinfo=UTC)  # type: ignore[attr-defined]
    assert (
        meta('<meta property="article:published_time" content="2999-01-01">').published_at is None
    )  # type: ignore[attr-defined]


def test_dates_in_unknown_zones_are_rejected() -> None:
    m = meta('<meta property="article:published_time" content="2024-03-05 14:30 Mars/Olympus">')
    assert m.published_at is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[" * 10_000 + "]" * 10_000,
        '{"@type": 5, "headline": ["x"]}',
        '"just a string"',
        "null",
    ],
)
def test_bad_json_ld_is_ignored(bad: str) -> None:
    m = meta(jsonld(bad) + "<title>Fallback</title>")
    assert m.html_title == "Fallback"  # type: ignore[attr-defined]
    assert m.author is None  # type: ignore[attr-defined]


def test_anchor_texts_and_noscript() -> None:
    m = meta(
        body='<a href="/">  Home  </a><a href="/x">Politics »</a><noscript>Enable JavaScript</noscript>'
    )
    assert {"home", "politics"} <= m.anchor_texts  # type: ignore[attr-defined]
    assert m.noscript_text == "Enable JavaScript"  # type: ignore[attr-defined]


# -- content type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "html"),
    [
        (b"<html><body>x</body></html>", "text/html", True),
        (b"<html><body>x</body></html>", "TEXT/HTML; charset=UTF-8", True),
        (b"<html><body>x</body></html>", "application/pdf", False),
        (b"%PDF-1.7\n...", "text/html", False),
        (b"\xef\xbb\xbf%PDF-1.4", None, False),  # a signature after junk (up to 1 KB is allowed)
        (b"<html>x</html>", "application/json", False),
        (b"<html>x</html>", "image/svg+xml", False),
        (b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", "text/html", True),  # UTF-16 with a BOM
        (b"<\x00h\x00t\x00m\x00l\x00>\x00", "text/html; charset=utf-16le", True),
        (b"<\x00h\x00t\x00m\x00l\x00>\x00", "text/html", False),  # NULs and no UTF-16 label
    ],
)
def test_classify(body: bytes, content_type: str | None, html: bool) -> None:
    assert content.classify(body, content_type).html is html


def test_classify_sniff_flag() -> None:
    assert not content.classify(b"<html>", "text/html").sniff
    assert content.classify(b"<html>", "text/plain").sniff
    assert content.classify(b"<html>", None).sniff


@pytest.mark.parametrize(
    ("text", "looks"),
    [
        ("<!DOCTYPE html><html><body>x</body></html>", True),
        ("\n\n  <!-- generated --> <html lang='en'>", True),
        ("<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", True),
        ("<b>Warning</b>: session_start() failed in index.php\n<!DOCTYPE html>\n<html>", True),
        ("Some notes\nwith a <body> tag mentioned in passing", False),
        ("Plain text that mentions <p> tags and <div>s but is not a page.", False),
        ('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', False),
        ('{"json": "<html>"}', False),
    ],
)
def test_looks_like_html(text: str, looks: bool) -> None:
    assert content.looks_like_html(text) is looks


# -- parse and prune -------------------------------------------------------------------------


def test_prune_removes_non_content_and_keeps_tails() -> None:
    page = parse_page(
        "<html><head><title>t</title><script>var x;</script></head><body><p>before"
        "<script>alert(1)</script> after<svg><text>svg text</text></svg> end</p>"
        "<form><input value='v'><button>Go</button> label</form></body></html>"
    )
    prune(page)
    text = page.root.text_content()
    assert "before after end" in text and "label" in text
    assert "alert" not in text and "svg text" not in text and "Go" not in text
    assert not any(page.root.iter(*PRUNED_TAGS))
    assert page.root.find(".//title") is not None  # the head stays for trafilatura's metadata


def test_xml_declaration_and_control_characters() -> None:
    page = parse_page(
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>a\x01b\x00c</p></body></html>"
    )
    assert page.root.findtext(".//p") == "abc"
