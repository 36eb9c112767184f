"""Tolerant fallback: feedparser reads what strict XML parsing refused.

Only `sources.rss` calls this, with bytes (never a str: feedparser would treat it as a path
or URL), after it has refused DTD markup and oversized documents.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import feedparser

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.sources.feed_entry import RawEntry, RawFeed, resolve
from riverbed.sources.feed_xml import XMLNS_ATTRIBUTE

_FORMATS = {
    "rss10": "rdf",
    "rss090": "rss090",
    "rss091n": "rss091",
    "rss091u": "rss091",
    "atom01": "atom03",
    "atom02": "atom03",
}


def extract_with_feedparser(data: bytes, base_url: str | None, strict_error: str) -> RawFeed:
    """The entries feedparser finds in UTF-8 `data`; PARSE_ERROR (with `strict_error`) if it
    finds no feed. Links are resolved here against `base_url`: feedparser would also resolve
    ids that merely look relative."""
    try:
        parsed = feedparser.parse(
            bytes(data),
            response_headers={"content-type": "application/xml; charset=utf-8"},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    # Third-party code on hostile input: whatever it raises means "could not parse".
    except Exception:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed XML: {strict_error}") from None
    version = parsed.get("version") or ""
    if not version:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed XML: {strict_error}")
    feed = _mapping(parsed.get("feed"))
    # Atom entries inherit the feed's authors (RFC 4287 4.2.1); feedparser leaves that to us.
    inherited = _authors(feed) if version.startswith("atom") else []
    return RawFeed(
        _FORMATS.get(version, version),
        _text(feed.get("title")),
        [_entry(e, base_url, inherited) for e in _dicts(parsed.get("entries"))],
        title_html=_is_html(feed.get("title_detail"), ""),
    )


def _dicts(value: Any) -> list[Any]:
    """The mappings of a feedparser list field. Loose parsing of hostile markup can leave a
    string where a mapping belongs (found by fuzzing: a `links` entry that was a `str`)."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def _mapping(value: Any) -> Any:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    """A feedparser scalar field, when it is text: loose parsing of hostile markup can leave
    a mapping where a string belongs (found by fuzzing: an entry `link` that was a dict)."""
    return value if isinstance(value, str) else None


def _is_html(detail: Any, default: str) -> bool:
    return "html" in (_text(_mapping(detail).get("type")) or default)


def _authors(obj: Any) -> list[str]:
    """Author names; loose parsing leaves them HTML-escaped, so they are unescaped here."""
    names = [a.get("name") or a.get("email") for a in _dicts(obj.get("authors")) if a]
    if not any(names) and _text(obj.get("author")):
        names = [obj.get("author")]
    return [html.unescape(n) for n in names if isinstance(n, str) and n]


def _replies(links: list[Any]) -> tuple[str | None, str | None]:
    """(comments URL, count) from an Atom `link rel="replies"` (RFC 4685)."""
    for link in links:
        if link.get("rel") == "replies" and _is_html(link, "text/html"):
            return _text(link.get("href")), _text(link.get("thr:count"))
    return None, None


def _without_xmlns(markup: str | None) -> str | None:
    return XMLNS_ATTRIBUTE.sub("", markup) if markup and "xmlns" in markup else markup


def _entry(e: Any, base_url: str | None, inherited: list[str]) -> RawEntry:
    contents = _dicts(e.get("content"))
    content = contents[0] if contents else {}
    replies_url, replies_count = _replies(_dicts(e.get("links")))
    return RawEntry(
        title=_text(e.get("title")),
        title_html=_is_html(e.get("title_detail"), ""),
        link=resolve(_text(e.get("link")), base_url),
        guid=_text(e.get("id")) or None,
        authors=_authors(e) or inherited,
        published=_text(e.get("published")),
        # dict.get: FeedParserDict.get("updated") falls back to `published`, with a warning.
        updated=_text(dict.get(e, "updated")),
        summary=_without_xmlns(_text(e.get("summary"))),
        summary_html=_is_html(e.get("summary_detail"), "text/html"),
        content=_without_xmlns(_text(content.get("value"))),
        content_html=_is_html(content, "text/html"),
        tags=[term for term in (_text(t.get("term")) for t in _dicts(e.get("tags"))) if term],
        comments_url=resolve(_text(e.get("comments")) or replies_url, base_url),
        comments=_text(e.get("slash_comments")) or _text(e.get("thr_total")) or replies_count,
    )
