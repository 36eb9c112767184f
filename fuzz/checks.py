"""The properties every fuzz target checks, one function per target, shared by two drivers:
atheris (`fuzz/fuzz_<name>.py`, coverage-guided) and hypothesis
(`tests/property/test_parser_properties.py`).

A `check_<name>(data)` returns normally for every input and raises (a finding) when the code
under test raises anything but its documented error or breaks a stated property:

- output bound: what a parser produces from `n` input bytes (every string field of every
  item and problem together) is at most `GROWTH * n + SLACK` characters. The worst inputs
  known: a 300-character feed author copied into every `{"title":"a"}` item (18.7x; a JSON
  Feed whose items are all `1` was 23.5x, one `invalid_item` problem per 2 bytes, until a
  parse kept at most 50 problems and a count: `core.models.capped`); the uncut `safe_html`
  of `<a><a>…` gains `rel="…"` and a closing tag (14x).
  SLACK covers the fixed base URL and one-off error messages;
- `safe_html(s, m)` is at most `HTML_CUT_FACTOR * m + 64` characters;
- `safe_url` and `canonical_url` results are http(s) URLs that are accepted again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParseResult

# What each check imports, so a target loads (and atheris instruments) only its own code:
# `load(name)` inside `atheris.instrument_imports()`, then the check's own imports are
# already done.
MODULES: dict[str, tuple[str, ...]] = {
    "feed": ("riverbed.sources.rss",),
    "platforms": (
        "riverbed.sources.arxiv",
        "riverbed.sources.github_trending",
        "riverbed.sources.hackernews",
        "riverbed.sources.html",
        "riverbed.sources.json_api",
        "riverbed.sources.lobsters",
        "riverbed.sources.reddit",
        "riverbed.sources.youtube",
    ),
    "extract": ("riverbed.core.extract",),
    "sanitize": ("riverbed.core.render.sanitize",),
    "canonical": ("riverbed.core.urls",),
    "opml": ("riverbed.core.opml", "riverbed.core.catalogue.loader"),
    "catalogue": ("riverbed.core.catalogue.loader",),
}


def load(name: str) -> Callable[[bytes], None]:
    """Import the modules check `name` exercises; its check function."""
    for module in MODULES[name]:
        importlib.import_module(module)
    return CHECKS[name]


NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BASE = "https://e.com/f"
GROWTH = 32
SLACK = 64 * 1024
# The cut keeps `max_chars` of cleaned markup, then closes the tags left open (one closing
# tag per opening tag kept, never longer than it but for `<a>`).
HTML_CUT_FACTOR = 3

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The href attributes of <a> tags: not text that says href="…", nor "href=" inside a URL
# (`https://m/href=`): an attribute name follows whitespace, a URL has none.
_HREF = re.compile(r'<a\s[^>]*?(?<=\s)href="([^"]*)"')


def run(check: Callable[[bytes], None]) -> None:
    """Hand `check` to libFuzzer with `sys.argv` as its flags (exits the process).

    A failing input is also saved as `<artifact_prefix>crash-<sha1>` by this wrapper: libFuzzer
    does not always write it when a Python exception ends the run.
    """
    import atheris

    prefix = next((a.partition("=")[2] for a in sys.argv if a.startswith("-artifact_prefix=")), "")

    def guarded(data: bytes) -> None:
        try:
            check(data)
        except BaseException:
            if prefix:
                Path(f"{prefix}crash-{hashlib.sha1(data).hexdigest()}").write_bytes(data)
            raise

    atheris.Setup(sys.argv, guarded)
    atheris.Fuzz()


def text_of(data: bytes) -> str:
    """Arbitrary text, lone surrogates included (invalid UTF-8 bytes become surrogates)."""
    return data.decode("utf-8", "surrogateescape")


def chars(values: Iterable[Any]) -> int:
    """Characters in every string (and in every string of every list) of `values`."""
    total = 0
    for value in values:
        if isinstance(value, str):
            total += len(value)
        elif isinstance(value, list | tuple):
            total += chars(value)
    return total


def result_chars(result: ParseResult) -> int:
    """Output size of a `ParseResult`: its items' and problems' string fields."""
    total = len(result.feed_title or "")
    for entry in [*result.items, *result.problems]:
        total += chars(getattr(entry, name) for name in entry.__dataclass_fields__)
    return total


def within_bound(produced: int, consumed: int, what: str) -> None:
    limit = GROWTH * consumed + SLACK
    if produced > limit:
        raise AssertionError(f"{what}: {produced} characters out of {consumed} bytes in")


def check_result(result: ParseResult, consumed: int, what: str) -> None:
    """Well-formed items (titles, http(s) links, aware dates, encodable text), within bound."""
    for item in result.items:
        assert item.title, f"{what}: an item without a title"
        assert item.url is None or item.url.startswith(("http://", "https://")), item.url
        assert item.published_at is None or item.published_at.utcoffset() is not None
        for value in (item.title, item.text, item.author, item.summary_html, item.external_id):
            if value is not None:
                value.encode("utf-8")  # a lone surrogate would fail at Parquet write time
    within_bound(result_chars(result), consumed, what)


# --- feeds -----------------------------------------------------------------------------------

FEED_ERRORS = {ErrorKind.PARSE_ERROR, ErrorKind.NOT_A_FEED}
FEED_CONTENT_TYPES = (None, "application/rss+xml; charset=iso-8859-1", "text/xml; charset=utf-16")


def check_feed(data: bytes) -> None:
    """`parse_feed`: a well-formed result, or `RiverbedError` parse_error / not_a_feed."""
    from riverbed.sources.rss import parse_feed

    content_type = FEED_CONTENT_TYPES[data[0] % len(FEED_CONTENT_TYPES)] if data else None
    try:
        result = parse_feed(data, content_type=content_type, base_url=BASE, now=NOW)
    except RiverbedError as error:
        if error.kind not in FEED_ERRORS:
            raise
        return
    check_result(result, len(data), "parse_feed")


# --- platform parsers ------------------------------------------------------------------------

SELECTORS: dict[str, str | None] = {
    "item": "article, li",
    "title": "h2, a",
    "link": "a",
    "date": "time",
    "summary": "p",
    "author": ".author",
}
FIELDS: dict[str, str | None] = {
    "title": "title",
    "url": "url",
    "published_at": "created_at",
    "author": "author",
    "score": "points",
    "comments": "num_comments",
    "text": "story_text",
}


def _hn_item(body: bytes) -> ParseResult:
    from riverbed.sources.hackernews import parse_hn_item

    item = parse_hn_item(body, now=NOW)
    return ParseResult(items=[item] if item is not None else [])


def _hn_list(body: bytes) -> ParseResult:
    from riverbed.sources.hackernews import parse_hn_list

    ids = parse_hn_list(body)
    within_bound(len(ids), len(body), "parse_hn_list")
    return ParseResult(items=[])


@functools.cache
def _platform_parsers() -> list[Callable[[bytes], ParseResult]]:
    from riverbed.sources.arxiv import parse_arxiv
    from riverbed.sources.github_trending import parse_github_trending
    from riverbed.sources.html import parse_html_listing
    from riverbed.sources.json_api import parse_json_api
    from riverbed.sources.lobsters import parse_lobsters_listing
    from riverbed.sources.reddit import parse_reddit_listing
    from riverbed.sources.youtube import parse_youtube

    return [
        _hn_list,
        _hn_item,
        lambda b: parse_reddit_listing(b, now=NOW),
        lambda b: parse_lobsters_listing(b, now=NOW),
        lambda b: parse_arxiv(b, base_url=BASE, now=NOW),
        lambda b: parse_youtube(b, base_url=BASE, now=NOW),
        lambda b: parse_github_trending(b, base_url=BASE, now=NOW),
        lambda b: parse_html_listing(b, selectors=SELECTORS, base_url=BASE, now=NOW),
        lambda b: parse_json_api(b, items_path="hits", fields=FIELDS, base_url=BASE, now=NOW),
    ]


def check_platforms(data: bytes) -> None:
    """The platform parsers (the first byte picks one): a well-formed result or
    `RiverbedError`."""
    if not data:
        return
    parsers = _platform_parsers()
    pick = data[0] % len(parsers)
    try:
        result = parsers[pick](data[1:])
    except RiverbedError:
        return
    check_result(result, len(data), f"platform parser {pick}")


# --- article extraction ----------------------------------------------------------------------

ARTICLE_CONTENT_TYPES = (
    "text/html",
    None,
    "text/html; charset=iso-8859-1",
    "application/xhtml+xml",
    "application/octet-stream",
)


def check_extract(data: bytes) -> None:
    """`extract_article` never raises (documented) and never reaches its catch-all for
    unexpected exceptions (a bug reported as `parse_error`)."""
    from riverbed.core.extract import OUTCOMES, extract_article

    content_type = ARTICLE_CONTENT_TYPES[data[0] % len(ARTICLE_CONTENT_TYPES)] if data else None
    feed_text = "A short feed summary of the article." if len(data) % 2 else None
    got = extract_article(
        data, url="https://news.example.com/a/1", content_type=content_type, feed_text=feed_text
    )
    assert got.outcome in OUTCOMES, got.outcome
    if got.reason and got.reason.startswith("unexpected extraction error"):
        raise AssertionError(got.reason)
    assert got.published_at is None or got.published_at.utcoffset() is not None
    within_bound(chars([got.text, got.title, got.author, got.reason]), len(data), "extract")


# --- render-time sanitiser -------------------------------------------------------------------


def check_sanitize(data: bytes) -> None:
    """`safe_html`, `safe_url`, `plain_text`, `xml_text`: never raise, XML-safe output,
    http(s) links only, bounded output; a URL `safe_url` made is accepted again."""
    from riverbed.core.render.sanitize import MAX_URL_CHARS as SAFE_URL_CHARS
    from riverbed.core.render.sanitize import plain_text, safe_html, safe_url, xml_text

    text = text_of(data)
    cut = 40 + (data[0] if data else 0) * 16
    for max_chars in (cut, None):
        cleaned = safe_html(text, max_chars)
        assert not _XML_INVALID.search(cleaned), "safe_html left an XML-invalid character"
        for href in _HREF.findall(cleaned):
            assert href.startswith(("http://", "https://")), href
        if max_chars is None:
            within_bound(len(cleaned), len(text), "safe_html")
        else:
            assert len(cleaned) <= HTML_CUT_FACTOR * max_chars + 64, (len(cleaned), max_chars)
    url = safe_url(text)
    if url is not None:
        assert url.startswith(("http://", "https://")), url
        assert len(url) <= 12 * SAFE_URL_CHARS, len(url)  # one 4-byte character -> 12
        assert safe_url(url) is not None, f"safe_url refused its own output {url!r}"
        assert not _XML_INVALID.search(url)
    line = plain_text(text, 200)
    assert len(line) <= 200 and not _XML_INVALID.search(line)
    assert len(xml_text(text)) <= len(text)


# --- URL canonicaliser -----------------------------------------------------------------------

URL_PREFIXES = ("", "http://", "https://", "https://www.youtube.com/", "https://github.com/")


def check_canonical(data: bytes) -> None:
    """`canonical_url`: never raises; a result is an http(s) URL of at most `MAX_URL_CHARS`
    characters without whitespace, and canonicalising it again gives it back."""
    from riverbed.core.urls import MAX_URL_CHARS, canonical_url

    prefix = URL_PREFIXES[data[0] % len(URL_PREFIXES)] if data else ""
    url = prefix + text_of(data[1:])
    once = canonical_url(url)
    if once is None:
        return
    assert once.startswith(("http://", "https://")), once
    assert len(once) <= MAX_URL_CHARS, len(once)
    assert not any(c.isspace() for c in once), once
    assert canonical_url(once) == once, (url, once, canonical_url(once))


# --- OPML and the catalogue ------------------------------------------------------------------


def check_opml(data: bytes) -> None:
    """`parse_opml` and `import_opml`: a result or `OpmlError`; no more feeds than `xmlUrl`
    attributes."""
    from riverbed.core.opml import OpmlError, import_opml, parse_opml

    try:
        document = parse_opml(data)
    except OpmlError:
        return
    assert len(document.feeds) <= data.lower().count(b"xmlurl"), len(document.feeds)
    try:
        import_opml(data)
    except OpmlError:
        return


def check_catalogue(data: bytes) -> None:
    """`parse_catalogue`: a catalogue or `CatalogueError` (`${ENV}` against an empty env)."""
    from riverbed.core.catalogue.loader import CatalogueError, parse_catalogue

    try:
        parse_catalogue(text_of(data), file="fuzz.yaml", env={})
    except CatalogueError:
        return


CHECKS: dict[str, Callable[[bytes], None]] = {
    "feed": check_feed,
    "platforms": check_platforms,
    "extract": check_extract,
    "sanitize": check_sanitize,
    "canonical": check_canonical,
    "opml": check_opml,
    "catalogue": check_catalogue,
}
