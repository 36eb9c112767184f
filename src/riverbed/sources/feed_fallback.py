"""Tolerant fallback: feedparser reads what strict XML parsing refused.

Only `sources.rss` calls this, with bytes (never a str: feedparser would treat it as a path
or URL), after it has refused DTD markup and oversized documents.
"""

from __future__ import annotations

from typing import Any

import feedparser

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.sources.feed_entry import RawEntry, RawFeed, resolve

_FORMATS = {
    "rss10": "rdf",
    "rss090": "rss090",
    "rss091n": "rss091",
    "rss091u": "rss091",
    "atom01": "atom03",
    "atom02": "atom03",
}


def extract_with_feedparser(
    data: bytes, content_type: str | None, base_url: str | None, strict_error: str
) -> RawFeed:
    """The entries feedparser finds; PARSE_ERROR (with `strict_error`) if it finds no feed."""
    headers = {"content-type": content_type or "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    try:
        parsed = feedparser.parse(
            bytes(data), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    # Third-party code on hostile input: whatever it raises means "could not parse".
    except Exception:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed XML: {strict_error}") from None
    version = parsed.get("version") or ""
    if not version:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed XML: {strict_error}")
    feed = parsed.get("feed", {})
    title_detail = feed.get("title_detail") or {}
    return RawFeed(
        _FORMATS.get(version, version),
        feed.get("title"),
        [_entry(e, base_url) for e in parsed.get("entries", [])],
        title_html="html" in (title_detail.get("type") or ""),
    )


def _entry(e: Any, base_url: str | None) -> RawEntry:
    title_detail = e.get("title_detail") or {}
    summary_detail = e.get("summary_detail") or {}
    contents = e.get("content") or []
    content = contents[0] if contents else {}
    authors = [a.get("name") or a.get("email") for a in e.get("authors") or [] if a]
    if not any(authors) and e.get("author"):
        authors = [e.get("author")]
    return RawEntry(
        title=e.get("title"),
        title_html="html" in (title_detail.get("type") or ""),
        link=resolve(e.get("link"), base_url),
        guid=e.get("id") or None,
        authors=[a for a in authors if isinstance(a, str) and a],
        published=e.get("published"),
        # dict.get: FeedParserDict.get("updated") falls back to `published`, with a warning.
        updated=dict.get(e, "updated"),
        summary=e.get("summary"),
        summary_html="html" in (summary_detail.get("type") or "text/html"),
        content=content.get("value"),
        content_html="html" in (content.get("type") or "text/html"),
        tags=[t.get("term") for t in e.get("tags") or [] if t and t.get("term")],
        comments_url=resolve(e.get("comments"), base_url),
        comments=e.get("slash_comments") or e.get("thr_total"),
    )
