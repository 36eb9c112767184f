"""The digest as RSS 2.0 and JSON Feed 1.1 — one item per story, GUID/id = story_id.

An item's summary is the story's summary (else its excerpt); its categories (RSS) or tags
(JSON Feed) are the story's topic label followed by its tags.

Both are pure and deterministic: every date comes from the digest (`generated_at`, the
entries' times), never from the clock, so the same digest gives the same bytes. Every string
goes through the same cleaning as the HTML page (XML-invalid characters and lone surrogates
removed, long fields truncated), so the output stays well-formed whatever a source published.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from lxml import etree

from riverbed.core.models import Digest
from riverbed.core.render.html import render_entry_fragment
from riverbed.core.render.sanitize import plain_text, safe_url
from riverbed.core.render.view import TITLE_CHARS, EntryView, entry_views, iso8601, utc

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"
RSS_SPEC = "https://www.rssboard.org/rss-specification"
GENERATOR = "riverbed"


def _rfc822(dt: datetime) -> str:
    """'Wed, 15 Jan 2025 14:03:00 GMT' (RFC 822/1123; locale-independent)."""
    return format_datetime(utc(dt).replace(microsecond=0), usegmt=True)


def _feed_title(title: str, digest: Digest) -> str:
    return plain_text(title, TITLE_CHARS) or plain_text(digest.title, TITLE_CHARS) or "riverbed"


def _description(digest: Digest, n: int) -> str:
    date = plain_text(digest.digest_date, 32)
    return f"{n} {'story' if n == 1 else 'stories'} ranked by riverbed for {date}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> None:
    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text


def render_rss(digest: Digest, *, feed_url: str | None, title: str) -> bytes:
    """RSS 2.0 (UTF-8). `<link>` is the digest's `home_url` (else `feed_url`; left out when
    neither is known), `<atom:link rel="self">` is `feed_url` when given."""
    entries = entry_views(digest)
    self_url = safe_url(feed_url)
    home = safe_url(digest.home_url) or self_url
    rss = etree.Element("rss", {"version": "2.0"}, nsmap={"atom": ATOM_NS})
    channel = etree.SubElement(rss, "channel")
    _sub(channel, "title", _feed_title(title, digest))
    if home:
        _sub(channel, "link", home)
    _sub(channel, "description", _description(digest, len(entries)))
    _sub(channel, "pubDate", _rfc822(digest.generated_at))
    _sub(channel, "lastBuildDate", _rfc822(digest.generated_at))
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "docs", RSS_SPEC)
    if self_url:
        etree.SubElement(
            channel,
            f"{{{ATOM_NS}}}link",
            {"href": self_url, "rel": "self", "type": "application/rss+xml"},
        )
    for e in entries:
        item = etree.SubElement(channel, "item")
        _sub(item, "title", e.title)
        if e.link:
            _sub(item, "link", e.link)
        _sub(item, "description", render_entry_fragment(e))
        comments = next((d.comments_url for d in e.discussions if d.comments_url), None)
        if comments:
            _sub(item, "comments", comments)
        for category in e.categories:
            _sub(item, "category", category)
        _sub(item, "guid", e.story_id, isPermaLink="false")
        _sub(item, "pubDate", _rfc822(e.date))
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _json_item(e: EntryView) -> dict[str, Any]:
    item: dict[str, Any] = {"id": e.story_id}
    if e.link:
        item["url"] = e.link
    item["title"] = e.title
    item["content_html"] = render_entry_fragment(e)
    if e.text:
        item["summary"] = e.text
    item["date_published"] = iso8601(e.date)
    if e.categories:
        item["tags"] = e.categories
    item["_riverbed"] = {
        "rank": e.rank,
        "score": e.score,
        "why": e.why,
        "source_ids": list(e.source_ids),
        "topic_id": e.topic_id,
        "topic_label": e.topic_label,
        "summary_method": e.summary_method,
        "keywords": list(e.keywords),
        "interest": e.interest,
        "interest_score": e.interest_score,
        "published_at": iso8601(e.published_at) if e.published_at is not None else None,
        "first_seen_at": iso8601(e.first_seen_at),
        "discussions": [
            {
                "source_id": d.source_id,
                "url": d.url,
                "comments_url": d.comments_url,
                "score": d.score,
                "comments": d.comments,
            }
            for d in e.discussions
        ],
    }
    return item


def render_json_feed(digest: Digest, *, feed_url: str | None, title: str) -> bytes:
    """JSON Feed 1.1 (UTF-8). Items carry riverbed's own fields under `_riverbed`
    (rank, score, why, source_ids, topic, summary method, keywords, interest, times,
    discussions)."""
    entries = entry_views(digest)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(title, digest),
    }
    home = safe_url(digest.home_url)
    if home:
        feed["home_page_url"] = home
    self_url = safe_url(feed_url)
    if self_url:
        feed["feed_url"] = self_url
    feed["description"] = _description(digest, len(entries))
    feed["items"] = [_json_item(e) for e in entries]
    text = json.dumps(feed, ensure_ascii=False, allow_nan=False, indent=2)
    return (text + "\n").encode("utf-8")
