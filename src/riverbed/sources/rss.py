"""Feeds: RSS 0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1, bytes in, items out.

`parse_feed` is pure: no I/O, no network, deterministic for a given `now`.

How a document is read
- Format is sniffed from the bytes (a BOM is honoured; `{` starts JSON, `<` starts markup).
- Charset of XML: BOM, then the XML declaration, then the `charset` of `content_type`, then
  UTF-8. The declaration wins over HTTP because servers often add a default charset the feed
  generator never saw. `ISO-8859-1`/`US-ASCII` are read as windows-1252, as browsers do.
- Security: before any XML parser sees the document, a prolog with an internal DTD subset or
  an `<!ENTITY` declaration is rejected (`parse_error`); a plain `<!DOCTYPE rss PUBLIC ...>`
  is fine. lxml then parses without loading DTDs, resolving entities or touching the network,
  and with its default depth and text-size limits.
- Strict XML first (lxml). A document that is not well-formed is `parse_error` if it is
  truncated (its root element is never closed); otherwise it is repaired once outside CDATA
  sections (HTML named entities such as `&nbsp;` become character references, bare `&` and
  `<` are escaped, control characters dropped, bytes that are not the UTF-8 they claim are
  re-decoded) and, if still malformed, the repaired bytes go to feedparser (bytes only, at most
  `FALLBACK_MAX_BYTES`, never when DTD markup appears anywhere), whose reading is accepted
  only if it is complete: one entry per `<item>`/`<entry>` start tag, each with a title;
  otherwise the document is `parse_error` (mismatched tags). HTML entities in a document
  with an external DOCTYPE (RSS 0.91) are referenced before parsing: the DTD is never loaded.
- `not_a_feed`: empty body, HTML page, XML whose root is not rss/RDF/feed, JSON that is not a
  JSON Feed, or text that is neither markup nor JSON.

Items (every path goes through the same finishing rules)
- `external_id`: the RSS `guid` / RDF `rdf:about` / Atom `id` / JSON Feed `id`, else None.
- `url`: the entry link resolved against `xml:base` and `base_url`; only http(s), else None.
  RSS `<link>`, then `atom:link`; Atom `rel="alternate"` (an HTML one preferred); JSON `url`,
  then `external_url`.
- `title`: cleaned (tags/entities stripped when it is HTML, whitespace collapsed, <= 1,000
  chars); if missing, the start of the text; if both are missing the entry is an
  `invalid_item` problem.
- `text`: plain text of the full content (content:encoded, Atom content, JSON content) or,
  failing that, of the summary, <= `TEXT_MAX_CHARS`. `summary_html`: the summary (RSS
  description, Atom summary) or, failing that, the content, as published (plain text is
  HTML-escaped), <= `SUMMARY_HTML_MAX_CHARS`.
- `published_at`: published date (RSS pubDate/dc:date, Atom published/issued/created, JSON
  date_published), else the updated date, via `core.dates.parse_date`.
- `author`: dc:creator(s), else RSS author (`mail (Name)` gives `Name`), else itunes:author;
  Atom entry authors, else the feed's; JSON Feed authors/author, else the feed's.
- `tags`: RSS category/dc:subject, Atom category term, JSON tags (deduplicated ignoring
  case, first spelling kept, <= 50).
- `comments_url`: RSS `<comments>`, Atom `link rel="replies"`; `comments`: slash:comments,
  thr:total or thr:count.
- An entry whose title is over `TITLE_ABSURD_CHARS` or whose link or id is over 4,096 chars
  becomes an `invalid_item` problem; the other entries are unaffected. That holds for fields
  over libxml2's 10,000,000-byte text node limit too: character data is cut to
  `feed_bytes.TEXT_RUN_MAX_BYTES` before parsing (the cap is far above every field's own).
- Duplicate ids within one document: the first entry is kept and later ones are dropped
  without a problem (publishers repeat entries; an error row per run would only be noise).
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

from lxml import etree

from riverbed.core.dates import parse_date
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.core.safexml import safe_parser
from riverbed.core.text import clean_title, html_to_text, plain_text, shorten
from riverbed.core.urls import MAX_URL_CHARS, http_url_or_none
from riverbed.sources.feed_bytes import (
    cap_text_runs,
    closes_root,
    entities_to_refs,
    has_dtd_markup,
    read_prolog,
    repair,
    strip_bom,
    to_declared_utf8,
)
from riverbed.sources.feed_entry import RawEntry, RawFeed
from riverbed.sources.feed_json import extract_json_feed
from riverbed.sources.feed_xml import extract_xml

TEXT_MAX_CHARS = 20_000
SUMMARY_HTML_MAX_CHARS = 100_000
TITLE_ABSURD_CHARS = 64 * 1024
TITLE_FROM_TEXT_CHARS = 120
AUTHOR_MAX_CHARS = 300
TAG_MAX_CHARS = 100
TAGS_MAX = 50
FALLBACK_MAX_BYTES = 4 * 1024 * 1024

_ENTRY_START_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
_NOT_BLANK = re.compile(rb"[^ \t\r\n\x00]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_FEED_ROOTS = frozenset({"rss", "rdf", "feed"})
_HTML_ROOTS = frozenset({"html", "head", "body", "div", "p", "br", "meta", "title", "script"})


def parse_feed(
    body: bytes,
    *,
    content_type: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> ParseResult:
    """Parse a feed document of any supported format (see the module docstring).

    `content_type` is the HTTP Content-Type (only its charset is used), `base_url` the URL the
    document was fetched from (relative links resolve against it), `now` bounds plausible
    dates (default: the current time). Raises `RiverbedError` with kind `parse_error` for a
    malformed or truncated document and `not_a_feed` for anything that is not a feed; problems
    with single entries are returned in `ParseResult.problems`.
    """
    original = bytes(body)
    data, forced_encoding = strip_bom(original)
    m = _NOT_BLANK.search(data)
    if m is None:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "empty document")
    first = data[m.start()]
    if first in b"{[":
        raw = _parse_json(data, base_url)
    elif first == ord("<"):
        raw = _parse_xml(original, data, forced_encoding, content_type, base_url)
    else:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "document is neither markup nor JSON")
    return _finish_feed(raw, now if now is not None else datetime.now(UTC))


def _parse_json(data: bytes, base_url: str | None) -> RawFeed:
    try:
        doc = json.loads(data)
    except RecursionError:
        raise RiverbedError(ErrorKind.PARSE_ERROR, "JSON nested too deeply") from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed JSON: {_short(e)}") from None
    return extract_json_feed(doc, base_url)


def _parse_xml(
    original: bytes,
    data: bytes,
    forced: str | None,
    content_type: str | None,
    base_url: str | None,
) -> RawFeed:
    if forced is None:
        data, forced = to_declared_utf8(data, content_type)
    root_name, has_doctype = read_prolog(data)
    local = root_name.rpartition(":")[2].lower()
    if local not in _FEED_ROOTS:
        if local in _HTML_ROOTS:
            raise RiverbedError(ErrorKind.NOT_A_FEED, "HTML page, not a feed")
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"XML document <{root_name}> is not a feed")
    if has_doctype:
        data = entities_to_refs(data)
    data = cap_text_runs(data)
    try:
        root = _strict(data, forced, base_url)
    except etree.LxmlError as error:
        if not closes_root(data, root_name):
            raise RiverbedError(
                ErrorKind.PARSE_ERROR, f"truncated document: </{root_name}> never comes"
            ) from None
        repaired = repair(data, utf8_checked=forced is not None)
        try:
            root = _strict(repaired, "utf-8", base_url)
        except etree.LxmlError:
            if has_dtd_markup(original):
                raise RiverbedError(
                    ErrorKind.PARSE_ERROR, f"malformed XML: {_short(error)}"
                ) from None
            return _fallback(repaired, base_url, error)
    return extract_xml(root)


def _strict(data: bytes, encoding: str | None, base_url: str | None) -> etree._Element:
    parser = safe_parser(encoding)
    if base_url:
        return etree.fromstring(data, parser, base_url=base_url)
    return etree.fromstring(data, parser)


def _fallback(repaired: bytes, base_url: str | None, error: Exception) -> RawFeed:
    """Tolerant parse by feedparser of what strict XML refused (see the module docstring)."""
    if len(repaired) > FALLBACK_MAX_BYTES:
        message = f"malformed XML (too large to read tolerantly): {_short(error)}"
        raise RiverbedError(ErrorKind.PARSE_ERROR, message)
    from riverbed.sources.feed_fallback import extract_with_feedparser

    raw = extract_with_feedparser(repaired, base_url, _short(error))
    # A tolerant reading is only trusted when it is complete: one entry per entry start tag,
    # each with a title. Mismatched tags make it swallow or split entries; that is a
    # malformed document, not a feed to guess at.
    expected = len(_ENTRY_START_TAG.findall(repaired))
    if len(raw.entries) != expected or not all(e.title and e.title.strip() for e in raw.entries):
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed XML: {_short(error)}")
    return raw


def _short(error: Exception) -> str:
    return str(error)[:300]


# --- finishing ---------------------------------------------------------------------------


def _finish_feed(raw: RawFeed, now: datetime) -> ParseResult:
    if not raw.entries:
        # the contract's `not_a_feed` covers "well-formed but empty": an empty feed fails the
        # source, so it can never empty the day's partition
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"{raw.format} feed with no entries")
    items: list[ParsedItem] = []
    problems = list(raw.problems)
    seen: set[str] = set()
    for entry in raw.entries:
        done = _finish_entry(entry, now)
        if isinstance(done, ItemProblem):
            problems.append(done)
            continue
        if done.external_id is not None:
            if done.external_id in seen:
                continue
            seen.add(done.external_id)
        items.append(done)
    title = clean_title(raw.title, html_markup=raw.title_html) if raw.title else ""
    return ParseResult(items=items, problems=problems, feed_title=title or None, format=raw.format)


def _finish_entry(raw: RawEntry, now: datetime) -> ParsedItem | ItemProblem:
    guid = _scrub(raw.guid.strip()) if raw.guid else None
    link = _scrub(raw.link.strip()) if raw.link else None
    shown_id = guid[:200] if guid else None
    if link is not None and len(link) > MAX_URL_CHARS:
        return _invalid(f"link is {len(link)} characters (limit {MAX_URL_CHARS})", shown_id)
    if link is not None:
        link = http_url_or_none(link)
    if guid is not None and len(guid) > MAX_URL_CHARS:
        return _invalid(f"id is {len(guid)} characters (limit {MAX_URL_CHARS})", None, link)
    if raw.title is not None and len(raw.title) > TITLE_ABSURD_CHARS:
        return _invalid(
            f"title is {len(raw.title)} characters (limit {TITLE_ABSURD_CHARS})", shown_id, link
        )

    if raw.content:
        text = _text(raw.content, raw.content_html)
    else:
        text = _text(raw.summary, raw.summary_html)
    title = clean_title(raw.title, html_markup=raw.title_html)
    if not title:
        if not text:
            return _invalid("entry has neither title nor text", shown_id, link)
        title = shorten(text, TITLE_FROM_TEXT_CHARS)

    return ParsedItem(
        title=title,
        url=link,
        external_id=guid,
        author=_author(raw.authors),
        published_at=parse_date(raw.published, now=now) or parse_date(raw.updated, now=now),
        text=text,
        summary_html=_summary_html(raw),
        comments=_count(raw.comments),
        comments_url=_comments_url(raw.comments_url),
        tags=_tags(raw.tags),
    )


def _invalid(message: str, external_id: str | None, url: str | None = None) -> ItemProblem:
    return ItemProblem(ErrorKind.INVALID_ITEM, message, external_id=external_id, url=url)


def _scrub(value: str) -> str:
    return value if value.isascii() else _SURROGATES.sub("", value)


def _text(body: str | None, is_html: bool) -> str | None:
    if not body:
        return None
    return html_to_text(body, TEXT_MAX_CHARS) if is_html else plain_text(body, TEXT_MAX_CHARS)


def _summary_html(raw: RawEntry) -> str | None:
    body, is_html = (
        (raw.summary, raw.summary_html) if raw.summary else (raw.content, raw.content_html)
    )
    if not body or not body.strip():
        return None
    body = body.strip()[:SUMMARY_HTML_MAX_CHARS]
    if not is_html:
        body = html.escape(body, quote=False)
    return _scrub(body)


def _author(names: list[str]) -> str | None:
    cleaned = [name for name in (clean_title(n) for n in names) if name]
    if not cleaned:
        return None
    return shorten(", ".join(dict.fromkeys(cleaned)), AUTHOR_MAX_CHARS)


def _tags(values: list[str]) -> list[str]:
    """Cleaned tags, first spelling kept among case variants, at most `TAGS_MAX`."""
    tags: dict[str, str] = {}
    for value in values:
        tag = shorten(clean_title(value, html_markup=False), TAG_MAX_CHARS)
        if tag:
            tags.setdefault(tag.casefold(), tag)
            if len(tags) >= TAGS_MAX:
                break
    return list(tags.values())


def _comments_url(url: str | None) -> str | None:
    if not url:
        return None
    url = _scrub(url.strip())
    return http_url_or_none(url) if len(url) <= MAX_URL_CHARS else None


def _count(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)
