"""Shared helpers of the platform parsers: safe XML/HTML parsing of untrusted bytes, element
text, lenient dates, and the value checks every item goes through.

Everything here is pure (no I/O, no network).

Markup safety
- XML (`parse_xml`): a document with DOCTYPE or ENTITY markup anywhere is refused
  (`parse_error`): the platform APIs read here (arXiv, YouTube) never send one, and nothing may
  expand entities on our behalf. Then lxml parses with `core.safexml.safe_parser` (no DTD, no
  entity resolution, no network, default depth/text limits).
- HTML (`parse_html_document`): at most `HTML_MAX_BYTES` (5 MB, else `too_large`). lxml's HTML
  parser is quadratic in the number of attributes of one element (HAZARDS), so a start tag
  with more than `MAX_ATTRIBUTES_PER_TAG` attributes loses its attributes before parsing, and a
  document with more than `MAX_ELEMENTS` start tags is refused (`too_large`). The parser loads
  nothing (`no_network`), drops comments and processing instructions.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import lxml.html
from dateutil import parser as dateutil_parser
from lxml import etree
from lxml.cssselect import CSSSelector

from riverbed.core.dates import EARLIEST, FUTURE_SLACK, MAX_DATE_CHARS, parse_date
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.safexml import safe_parser
from riverbed.core.text import clean_title, html_to_text, plain_text, shorten
from riverbed.core.urls import MAX_URL_CHARS, http_url_or_none
from riverbed.fetch.text import decode_text
from riverbed.sources.feed_bytes import (
    closes_root,
    has_dtd_markup,
    read_prolog,
    strip_bom,
    to_declared_utf8,
)

TITLE_MAX_CHARS = 1000
TEXT_MAX_CHARS = 20_000
SUMMARY_HTML_MAX_CHARS = 100_000
AUTHOR_MAX_CHARS = 1000
TAG_MAX_CHARS = 100
TAGS_MAX = 50
HTML_MAX_BYTES = 5 * 1024 * 1024
MAX_ELEMENTS = 200_000
MAX_ATTRIBUTES_PER_TAG = 256

_SURROGATES = re.compile("[\ud800-\udfff]")
_START_TAG = re.compile(rb"<[A-Za-z]")
# A start tag with at least 2 KB of attributes (only such tags are counted).
_LONG_TAG = re.compile(rb"<([A-Za-z][A-Za-z0-9:-]{0,64})([^<>]{2048,})>")
_ATTRIBUTE = re.compile(rb"=")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_RELATIVE = re.compile(
    r"\b(\d{1,6}|an?|one)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?"
    r"|weeks?|mo|mos|months?|y|yrs?|years?)\s+ago\b",
    re.IGNORECASE,
)
_UNIT_SECONDS = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "mo": 30 * 86400,
    "y": 365 * 86400,
}
_DEFAULT_A = datetime(2001, 1, 1)
_DEFAULT_B = datetime(2002, 2, 2)


# --- values -----------------------------------------------------------------------------------


def scrub(value: str) -> str:
    """`value` without lone surrogates (they pass JSON parsing and crash at encode time)."""
    return value if value.isascii() else _SURROGATES.sub("", value)


def http_url(url: str | None) -> str | None:
    """A stripped http(s) URL of at most `MAX_URL_CHARS`, else None."""
    if not url:
        return None
    url = scrub(url.strip())
    return http_url_or_none(url) if len(url) <= MAX_URL_CHARS else None


def title_text(value: str | None) -> str:
    """A title as one line of plain text, at most 1,000 characters ("" if none)."""
    return clean_title(scrub(value), html_markup=False) if value else ""


def body_text(value: str | None, max_chars: int = TEXT_MAX_CHARS) -> str | None:
    return plain_text(scrub(value), max_chars) if value else None


def join_names(names: list[str], max_chars: int = AUTHOR_MAX_CHARS) -> str | None:
    """Names joined with ", " (duplicates dropped); if that is longer than `max_chars`, the
    names that fit followed by "et al."."""
    cleaned = list(dict.fromkeys(n for n in (title_text(n) for n in names) if n))
    if not cleaned:
        return None
    joined = ", ".join(cleaned)
    if len(joined) <= max_chars:
        return joined
    kept: list[str] = []
    size = len(", et al.")
    for name in cleaned:
        size += len(name) + 2
        if size > max_chars:
            break
        kept.append(name)
    if not kept:
        return shorten(cleaned[0], max_chars)
    return ", ".join(kept) + ", et al."


def clean_tags(values: list[str]) -> list[str]:
    """Cleaned tags, first spelling kept among case variants, at most `TAGS_MAX`."""
    tags: dict[str, str] = {}
    for value in values:
        tag = shorten(title_text(value), TAG_MAX_CHARS)
        if tag:
            tags.setdefault(tag.casefold(), tag)
            if len(tags) >= TAGS_MAX:
                break
    return list(tags.values())


def parse_count(value: str | None) -> int | None:
    """ "12,345" / "1 234" / " 42 " -> int; None when there is no plain count."""
    if value is None:
        return None
    digits = re.sub(r"[\s,._']", "", value)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 15:
        return None
    return int(digits)


# --- dates ------------------------------------------------------------------------------------


def lenient_date(value: str | None, *, now: datetime) -> datetime | None:
    """A date as listing pages write it, UTC; None if unreadable or implausible.

    `core.dates.parse_date` first (RFC 822, ISO 8601, ...), then relative dates ("2 hours ago",
    "a day ago", "yesterday", "today", "just now") counted back from `now`, then dateutil's
    fuzzy reading ("Posted November 3, 2025 by Ann", "3 Nov 2025"), accepted only when the
    text names a year, a month and a day. Dates before 1995 or more than two days after `now`
    are rejected. A date without a time is midnight UTC.
    """
    if not value:
        return None
    text = " ".join(scrub(value).split())[: MAX_DATE_CHARS * 2]
    if not text:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    found = parse_date(text[:MAX_DATE_CHARS], now=now)
    if found is not None:
        return found
    lowered = text.lower()
    m = _RELATIVE.search(lowered)
    if m is not None:
        count = 1 if m.group(1) in ("a", "an", "one") else int(m.group(1))
        return _plausible(now - timedelta(seconds=count * _unit_seconds(m.group(2))), now)
    if lowered in ("just now", "now", "today"):
        return now
    if lowered == "yesterday":
        return now - timedelta(days=1)
    return _plausible(_fuzzy(text), now)


def _unit_seconds(unit: str) -> int:
    if unit.startswith("mo"):
        return _UNIT_SECONDS["mo"]
    if unit in ("m", "min", "mins", "minute", "minutes"):
        return _UNIT_SECONDS["m"]
    return _UNIT_SECONDS[unit[0]]


def _fuzzy(text: str) -> datetime | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = dateutil_parser.parse(text, default=_DEFAULT_A, fuzzy=True)
            b = dateutil_parser.parse(text, default=_DEFAULT_B, fuzzy=True)
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None  # a year, month or day came from the default
    if a.tzinfo is not None:
        return a.astimezone(UTC)
    return a.replace(tzinfo=UTC)


def _plausible(value: datetime | None, now: datetime) -> datetime | None:
    if value is None or value < EARLIEST or value > now + FUTURE_SLACK:
        return None
    return value


def unix_time(value: float, *, now: datetime) -> datetime | None:
    """Unix seconds, or milliseconds when the number is too large to be seconds."""
    if not math.isfinite(value):
        return None
    if abs(value) >= 1e11:  # seconds would be after the year 5138: milliseconds
        value = value / 1000
    try:
        found = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return _plausible(found, now)


# --- XML --------------------------------------------------------------------------------------


def parse_xml(body: bytes, *, content_type: str | None, roots: frozenset[str]) -> etree._Element:
    """The root element of an untrusted XML document whose root's local name is in `roots`.

    Raises `not_a_feed` for an empty body, an HTML page or another root, `parse_error` for DTD
    or entity markup, a malformed or a truncated document.
    """
    data, forced = strip_bom(bytes(body))
    if not data.strip():
        raise RiverbedError(ErrorKind.NOT_A_FEED, "empty document")
    if not data.lstrip().startswith(b"<"):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "document is not XML")
    if forced is None:
        data, forced = to_declared_utf8(data, content_type)
    root_name, _ = read_prolog(data)
    local = root_name.rpartition(":")[2].lower()
    if local not in roots:
        if local in ("html", "head", "body"):
            raise RiverbedError(ErrorKind.NOT_A_FEED, "HTML page, not the expected XML")
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"XML document <{root_name}> is not expected")
    if has_dtd_markup(data):
        raise RiverbedError(ErrorKind.PARSE_ERROR, "DTD/entity declarations are not allowed")
    try:
        return etree.fromstring(data, safe_parser(forced))
    except etree.LxmlError as error:
        if not closes_root(data, root_name):
            raise RiverbedError(
                ErrorKind.PARSE_ERROR, f"truncated document: </{root_name}> never comes"
            ) from None
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed XML: {str(error)[:300]}") from None


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def child_text(element: etree._Element, path: str, ns: dict[str, str]) -> str | None:
    found = element.find(path, ns)
    if found is None:
        return None
    return "".join(t for t in found.itertext() if isinstance(t, str))


# --- HTML -------------------------------------------------------------------------------------


def parse_html_document(
    body: bytes, *, content_type: str | None, base_url: str | None
) -> lxml.html.HtmlElement:
    """The root of an untrusted HTML page, decoded with `fetch.text.decode_text` (see the
    module docstring for the limits). Raises `too_large` or `not_a_feed` (empty page)."""
    if len(body) > HTML_MAX_BYTES:
        raise RiverbedError(
            ErrorKind.TOO_LARGE,
            f"HTML page is {len(body)} bytes (limit {HTML_MAX_BYTES} for scraping)",
        )
    elements = len(_START_TAG.findall(body))
    if elements > MAX_ELEMENTS:
        raise RiverbedError(
            ErrorKind.TOO_LARGE, f"HTML page has {elements} tags (limit {MAX_ELEMENTS})"
        )
    body = _LONG_TAG.sub(_strip_attribute_flood, body)
    text = _XML_DECLARATION.sub("", scrub(decode_text(body, content_type)), count=1)
    if not text.strip():
        raise RiverbedError(ErrorKind.NOT_A_FEED, "empty page")
    parser = lxml.html.HTMLParser(
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser, base_url=base_url)
    except (etree.LxmlError, ValueError) as error:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"unreadable HTML: {str(error)[:300]}") from None
    return root


def _strip_attribute_flood(m: re.Match[bytes]) -> bytes:
    if len(_ATTRIBUTE.findall(m.group(2))) <= MAX_ATTRIBUTES_PER_TAG:
        return m.group(0)
    return b"<" + m.group(1) + b">"


def element_text(element: etree._Element, max_chars: int = TEXT_MAX_CHARS) -> str:
    """The visible text of an element, whitespace collapsed (inline elements do not add
    spaces, blocks do; script/style dropped), <= `max_chars`."""
    if not isinstance(element.tag, str) or element.tag in ("script", "style", "template"):
        return ""
    markup = etree.tostring(element, encoding="unicode", method="html", with_tail=False)
    if not isinstance(markup, str):
        return ""
    return html_to_text(markup, max_chars) or ""


Select = Callable[[etree._Element], list[etree._Element]]


def css(selector: str) -> Select:
    """A compiled CSS selector returning only elements (cssselect's `html` translator).

    Raises `cssselect.SelectorError` / `cssselect.ExpressionError` for an invalid selector.
    """
    compiled = CSSSelector(selector, translator="html")

    def select(element: etree._Element) -> list[etree._Element]:
        found = compiled(element)
        if not isinstance(found, list):
            return []
        return [e for e in found if isinstance(e, etree._Element)]

    return select
