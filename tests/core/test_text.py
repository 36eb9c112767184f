"""Plain text from feed HTML and titles: right on real markup, fast on hostile markup."""

from __future__ import annotations

import pytest

from riverbed.core.text import TITLE_MAX_CHARS, clean_title, html_to_text, plain_text

HTML_CASES = [
    ("<p>Hello <b>wor</b>ld</p>", "Hello world"),
    ("<p>one</p><p>two</p>", "one two"),
    ("line<br>break<BR/>again", "line break again"),
    ("<ul><li>a</li><li>b</li></ul>", "a b"),
    ("See <a href='https://x.org'>the docs</a>.", "See the docs."),
    ("Tom &amp; Jerry &#8211; &eacute;t&eacute;&nbsp;!", "Tom & Jerry – été !"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
    ("a<script>alert('x')</script>b", "a b"),
    ("a<SCRIPT type=module>x</SCRIPT >b", "a b"),
    ("a<style>p { color: red }</style>b", "a b"),
    ("a<!-- hidden -->b", "a b"),
    ("a<script>never closed <p>secret</p>", "a"),
    ("a<!-- never closed", "a"),
    ("a <noscript><img src=x></noscript> b", "a b"),
    ("x < y and y > z", "x < y and y > z"),
    ('cut here <img src="https://x.org/a.png', "cut here"),
    ("  lots \n\n of \t whitespace  ", "lots of whitespace"),
    ("ctrl\x00chars\x07removed\x1b", "ctrlcharsremoved"),
    ("lone \ud800surrogate", "lone surrogate"),
    ("<p></p><br/>", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("markup", "expected"), HTML_CASES)
def test_html_to_text(markup: str | None, expected: str | None) -> None:
    assert html_to_text(markup) == expected


def test_html_to_text_caps_output_at_a_word_boundary() -> None:
    text = html_to_text("<p>" + "word " * 3000 + "</p>", max_chars=100)
    assert text is not None
    assert len(text) <= 100
    assert text.endswith("word…")


def test_html_to_text_reads_only_a_bounded_prefix() -> None:
    text = html_to_text("x" * 10 + " tail" + "<p>" + "y" * 1_000_000, max_chars=10)
    assert text == "xxxxxxxxx…"


@pytest.mark.parametrize(
    "hostile",
    [
        "<div " + 'a="1" ' * 200_000,
        "<" * 1_000_000,
        "<script>" * 200_000,
        "<!--" * 250_000,
        "&amp;" * 200_000,
        "<a " * 300_000 + ">",
    ],
    ids=["attributes", "angles", "scripts", "comments", "entities", "unclosed-tags"],
)
@pytest.mark.timeout(20)  # linear work takes well under a second; quadratic would take hours
def test_hostile_markup_is_handled_without_blowing_up(hostile: str) -> None:
    assert len(html_to_text(hostile, max_chars=20_000) or "") <= 20_001
    assert len(clean_title(hostile)) <= len(hostile)


TITLE_CASES = [
    ("  Hello   world \n", None, "Hello world"),
    ("Hello <b>world</b>", None, "Hello world"),
    ("AT&amp;T &#8211; news", None, "AT&T – news"),
    ("Why <div> soup?", None, "Why <div> soup?"),
    ("Line<br/>break", None, "Line break"),
    ("Why <div> soup?", True, "Why soup?"),
    ("Keep <b>tags</b> &amp;", False, "Keep <b>tags</b> &amp;"),
    ("", None, ""),
    (None, None, ""),
]


@pytest.mark.parametrize(("title", "html_markup", "expected"), TITLE_CASES)
def test_clean_title(title: str | None, html_markup: bool | None, expected: str) -> None:
    assert clean_title(title, html_markup=html_markup) == expected


def test_clean_title_caps_length() -> None:
    title = clean_title("word " * 2_000_000)
    assert len(title) <= TITLE_MAX_CHARS
    assert title.endswith("…")


def test_plain_text_collapses_and_caps() -> None:
    assert plain_text("  a\n b  <c>  ") == "a b <c>"
    assert plain_text("   ") is None
    assert plain_text("abcdef", max_chars=4) == "abc…"
