"""What the feed extractors hand to `sources.rss`: entry fields as published.

Extractors (XML, JSON Feed, the feedparser fallback) only locate fields; every cleaning rule
(caps, dates, text, URL checks) lives in one place, `sources.rss`, so all paths agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from riverbed.core.models import ItemProblem


@dataclass(slots=True)
class RawEntry:
    """One entry's fields as published; links already resolved against their base."""

    title: str | None = None
    title_html: bool | None = None  # True: HTML, False: plain text, None: guess
    link: str | None = None
    guid: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    summary: str | None = None
    summary_html: bool = True
    content: str | None = None
    content_html: bool = True
    tags: list[str] = field(default_factory=list)
    comments_url: str | None = None
    comments: str | None = None  # the count as published


@dataclass(slots=True)
class RawFeed:
    format: str
    title: str | None
    entries: list[RawEntry]
    problems: list[ItemProblem] = field(default_factory=list)
    title_html: bool | None = None  # as `RawEntry.title_html`


def resolve(href: str | None, base: str | None) -> str | None:
    """`href` made absolute against `base` (unchanged if already absolute or no base)."""
    if not href:
        return None
    href = href.strip()
    if not href:
        return None
    if base and not href.startswith(("http://", "https://")):
        try:
            return urljoin(base, href)
        except ValueError:
            return None
    return href
