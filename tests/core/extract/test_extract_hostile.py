"""Hostile and broken input: every page ends as an `Extraction` within the budget limits,
with a contract error kind when it fails. No timing assertions: the limits are structural
(counts and sizes), so each case's outcome is asserted instead."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riverbed.core.errors import ErrorKind
from riverbed.core.extract import OUTCOMES, Extraction, budget, extract_article
from riverbed.core.extract.budget import count_attributes, parse_page, strip_attribute_floods

Page = Callable[[str], bytes]
URL = "https://example.org/a"
ARTICLE_SENTENCE = "After more than ten years of consultations, lawsuits and two abandoned designs"


def run(markup: str | bytes, content_type: str | None = "text/html") -> Extraction:
    body = markup.encode() if isinstance(markup, str) else markup
    result = extract_article(body, url=URL, content_type=content_type)
    assert result.outcome in OUTCOMES
    if result.outcome in ("failed", "skipped", "thin"):
        assert isinstance(result.error_kind, ErrorKind)
        assert result.reason
    return result


def attributes(n: int, form: str = 'a{}="x"') -> str:
    return " ".join(form.format(i) for i in range(n))


@pytest.mark.parametrize(
    "bomb",
    [
        attributes(40_000),
        attributes(60_000, "a{}"),  # boolean attributes: no "=" to count
        'x="<" ' + attributes(40_000, "a{}=1"),  # a "<" in a quoted value
        attributes(40_000, 'a{}=">"'),  # a ">" in every quoted value
        attributes(40_000, 'a{}="1"').replace(" ", ""),  # no spaces between attributes
    ],
    ids=["quoted", "boolean", "quoted-lt", "quoted-gt", "no-spaces"],
)
def test_attribute_bomb_on_one_tag_is_defused(page: Page, bomb: str) -> None:
    article = page("news_article.html").decode()
    markup = article.replace("<main", f"<div {bomb}>hostile</div><main", 1)
    result = run(markup)
    assert result.outcome == "ok", result.reason
    assert result.text is not None and ARTICLE_SENTENCE in result.text
    stripped, count = strip_attribute_floods(markup)
    assert count == 1
    assert "<div>hostile</div>" in stripped


def test_attribute_flood_over_many_tags_is_too_large() -> None:
    tag = f"<p {attributes(60)}>hi</p>"
    result = run("<html><body>" + tag * 5000 + "</body></html>")
    assert result.outcome == "failed"
    assert result.error_kind is ErrorKind.TOO_LARGE
    assert result.reason is not None and "attributes" in result.reason


def test_many_attributes_below_the_limit_are_stripped_not_refused(page: Page) -> None:
    article = page("news_article.html").decode()
    filler = f"<p {attributes(40)}>filler</p>" * 2000  # 80,000 attributes
    markup = article.replace("</main>", filler + "</main>")
    parsed = parse_page(markup)
    budget.prune(parsed)
    assert parsed.attributes_stripped
    assert all(len(e.attrib) == 0 for e in parsed.root.iter("p") if e.text == "filler")
    assert parsed.root.find(".//div[@class='story-body']") is not None  # class kept
    result = run(markup)
    assert result.outcome == "ok", result.reason
    assert result.text is not None and ARTICLE_SENTENCE in result.text


def test_count_attributes() -> None:
    assert count_attributes(" a=1 b c=\"x y\" d = 'q r'") == 4
    assert count_attributes(' a="1"b="2"c="3"') == 3
    assert count_attributes(" ") == 0


def test_deep_nesting_over_the_tag_limit_fails() -> None:
    result = run("<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>")
    assert result.outcome == "failed"
    assert result.error_kind is ErrorKind.TOO_LARGE
    assert result.reason is not None and "start tags" in result.reason


def test_deep_nesting_after_the_article_keeps_the_article(page: Page) -> None:
    article = page("news_article.html").decode()
    deep = "<div>" * 5000 + "deep" + "</div>" * 5000
    result = run(article.replace("</article>", "</article>" + deep))
    assert result.outcome == "ok", result.reason
    assert result.text is not None and ARTICLE_SENTENCE in result.text
    assert "deep" not in result.text.split()


def test_deep_nesting_before_the_article_is_reported() -> None:
    paragraphs = "".join(
        f"<p>Sentence number {i} of the article, told at length.</p>" for i in range(40)
    )
    markup = "<html><body>" + "<div>" * 3000 + "</div>" * 3000 + paragraphs + "</body></html>"
    assert parse_page(markup).truncated
    result = run(markup)
    assert result.outcome == "thin"
    assert result.reason is not None and "nested deeper than 256 levels" in result.reason


def test_huge_text_node_is_too_large() -> None:
    result = run("<html><body><p>" + "word " * 400_000 + "</p></body></html>")
    assert result.outcome == "failed"
    assert result.error_kind is ErrorKind.TOO_LARGE
    assert result.reason is not None and "characters of text" in result.reason


def test_big_text_node_within_the_limit_is_extracted() -> None:
    result = run("<html><body><article><p>" + "word " * 90_000 + "</p></article></body></html>")
    assert result.outcome == "ok", result.reason
    assert result.word_count == 90_000


def test_too_many_elements() -> None:
    result = run("<html><body>" + "<p>a</p>" * 60_000 + "</body></html>")
    assert result.outcome == "failed"
    assert result.error_kind is ErrorKind.TOO_LARGE
    assert result.reason is not None and "elements" in result.reason


def test_big_page_goes_to_the_fallback_alone(page: Page) -> None:
    article = page("news_article.html").decode()
    comments = "".join(
        f'<div class="c"><span>user{i}</span><a href="/u/{i}">reply</a><p>comment {i}.</p></div>'
        for i in range(3000)
    )
    result = run(
        article.replace("</main>", f'<section class="comments">{comments}</section></main>')
    )
    assert result.outcome == "ok", result.reason
    assert result.extractor == "density"  # over TRAFILATURA_MAX_ELEMENTS
    assert result.text is not None and ARTICLE_SENTENCE in result.text
    assert "comment 17." not in result.text


def test_body_over_the_byte_limit() -> None:
    result = run(b"<html><body>" + b" " * (budget.MAX_BODY_BYTES + 1))
    assert result.outcome == "failed"
    assert result.error_kind is ErrorKind.TOO_LARGE


def test_decoded_page_over_the_character_limit() -> None:
    result = run("<html><body><!--" + "x" * budget.MAX_HTML_CHARS + "--></body></html>")
    assert result.outcome == "failed"
    assert result.error_kind is ErrorKind.TOO_LARGE
    assert result.reason is not None and "characters after decoding" in result.reason


def test_unclosed_tags_and_quotes() -> None:
    for markup in ("<html><body>" + '<a x="' * 50_000, "<html><body>" + "<b><i>" * 20_000 + "text"):
        result = run(markup)
        assert result.outcome == "thin"
        assert result.reason is not None and result.reason.startswith("too_short")


def test_deeply_nested_json_ld_is_ignored(page: Page) -> None:
    article = page("news_article.html").decode()
    deep = '<script type="application/ld+json">' + "[" * 50_000 + "]" * 50_000 + "</script>"
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    result = run(article.replace("</head>", deep + broken + "</head>"))
    assert result.outcome == "ok", result.reason
    assert result.title == "City council approves riverside flood barrier after decade of debate"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", ErrorKind.PARSE_ERROR),
        (b"   \n\t  ", ErrorKind.PARSE_ERROR),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, ErrorKind.CONTENT_TYPE),
        (b"PK\x03\x04" + b"\x00" * 100, ErrorKind.CONTENT_TYPE),
        (b"\x1f\x8b\x08\x00" + bytes(200), ErrorKind.CONTENT_TYPE),
        (bytes(range(256)) * 8, ErrorKind.CONTENT_TYPE),  # binary without a signature
        (b"<html><body><p>a\x00b\x00c</p></body></html>", ErrorKind.CONTENT_TYPE),
    ],
    ids=["empty", "blank", "png", "zip", "gzip", "binary", "nul-bytes"],
)
def test_broken_or_binary_bodies(body: bytes, kind: ErrorKind) -> None:
    result = run(body)
    assert result.error_kind is kind
    assert result.outcome == ("skipped" if kind is ErrorKind.CONTENT_TYPE else "failed")


@pytest.mark.parametrize(
    "content_type",
    ["image/png", "application/json", "video/mp4", "text/css", "application/zip", "font/woff2"],
)
def test_non_html_types_are_skipped_unread(content_type: str, page: Page) -> None:
    result = run(page("news_article.html"), content_type=content_type)
    assert result.outcome == "skipped"
    assert result.error_kind is ErrorKind.CONTENT_TYPE
    assert result.reason is not None and content_type in result.reason


def test_control_characters_are_removed() -> None:
    text = " ".join(
        f"Sentence {i} of a page\x01 with\x1b stray control characters." for i in range(30)
    )
    result = run(f"<html><body><article><p>{text}</p></article></body></html>")
    assert result.outcome == "ok", result.reason
    assert result.text is not None
    assert not any(ord(c) < 32 and c not in "\n\t" for c in result.text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    run(body)


_TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div class='x'>",
        "</div>",
        "<br>",
        "<a href='/'>",
        "</a>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<pre>",
        "<code>",
        "<table><tr><td>",
        "<title>",
        "<h1>",
        '<meta property="og:title" content="',
        '">',
        "<time datetime='2024-01-01'>",
        "&amp;",
        "&#0;",
        "<![CDATA[",
        "<?xml version='1.0' encoding='utf-8'?>",
        "<noscript>",
        "\x00",
        '<script type="application/ld+json">{"@type":"Article","datePublished":"9999-01-01"}',
    ],
)
_WORDS = st.text(min_size=0, max_size=40)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(_TAGS, _WORDS), max_size=60),
    st.sampled_from(["text/html", None, "text/plain"]),
)
def test_arbitrary_markup_never_raises(parts: list[str], content_type: str | None) -> None:
    run("".join(parts).encode("utf-8", "surrogatepass"), content_type=content_type)
