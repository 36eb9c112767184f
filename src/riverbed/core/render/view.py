"""What every renderer shows, computed once: cleaned, capped, ordered, URLs made safe.

Renderers format these views; they never read a raw `DigestEntry` field themselves, so a
hostile title or URL is neutralised in one place for HTML, Markdown, RSS and JSON Feed alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from riverbed.core.models import Digest, DigestEntry, Discussion
from riverbed.core.render.sanitize import plain_text, safe_url

TITLE_CHARS = 300
EXCERPT_CHARS = 600
SUMMARY_CHARS = 600
WHY_CHARS = 400
LABEL_CHARS = 80  # source ids, tags, topic labels
ID_CHARS = 200
MAX_DISCUSSIONS = 40
MAX_TAGS = 20
MAX_KEYWORDS = 12
MAX_SOURCES = 40
UNTITLED = "(untitled)"
OTHER_TOPIC = "Other stories"

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class DiscussionView:
    source_id: str
    url: str | None
    comments_url: str | None
    score: int | None
    comments: int | None

    @property
    def engagement(self) -> str:
        """'120 points · 45 comments', or '' when the source reports neither."""
        bits = []
        if self.score is not None:
            bits.append(_count(self.score, "point"))
        if self.comments is not None:
            bits.append(_count(self.comments, "comment"))
        return " · ".join(bits)


@dataclass(frozen=True, slots=True)
class EntryView:
    rank: int
    story_id: str
    dom_id: str  # story_id as the page names it: [A-Za-z0-9_-] only (real ids are hex)
    anchor: str  # the card's HTML id: 'story-<dom_id>'
    title: str
    url: str | None  # the story's own link, when safe
    link: str | None  # url, else the first safe discussion link (what a feed item points to)
    host: str | None
    score: float | None
    why: str
    published_at: datetime | None
    first_seen_at: datetime
    date: datetime  # the item date feeds publish
    source_ids: list[str]
    discussions: list[DiscussionView]
    excerpt: str
    topic_id: str | None
    topic_label: str | None
    tags: list[str]
    summary: str  # '' when the story was not summarised
    summary_method: str | None
    keywords: list[str]
    interest: str | None
    interest_score: float | None

    @property
    def text(self) -> str:
        """What a card shows of the story's content: its summary, else its excerpt."""
        return self.summary or self.excerpt

    @property
    def categories(self) -> list[str]:
        """Feed categories: the topic label, then the tags (each once)."""
        labels = [self.topic_label] if self.topic_label else []
        return list(dict.fromkeys([*labels, *self.tags]))


@dataclass(frozen=True, slots=True)
class TopicGroup:
    label: str | None  # None: the single list of a digest without topics
    anchor: str
    entries: list[EntryView]

    @property
    def count(self) -> str:
        """'4 stories'."""
        n = len(self.entries)
        return f"{n} {'story' if n == 1 else 'stories'}"


def utc(dt: datetime) -> datetime:
    """`dt` in UTC; naive datetimes are taken to be UTC already."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso8601(dt: datetime) -> str:
    """RFC 3339 / ISO 8601 in UTC to the second: '2025-01-15T14:03:00Z'."""
    return utc(dt).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def human_time(dt: datetime) -> str:
    """'2025-01-15 14:03 UTC'."""
    return utc(dt).strftime("%Y-%m-%d %H:%M UTC")


def label(s: str | None) -> str:
    return plain_text(s, LABEL_CHARS)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _int(x: int | None) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _dedupe(values: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        cleaned = label(v)
        if cleaned:
            seen.setdefault(cleaned, None)
        if len(seen) >= limit:
            break
    return list(seen)


def _discussion(d: Discussion) -> DiscussionView:
    return DiscussionView(
        source_id=label(d.source_id) or "source",
        url=safe_url(d.url),
        comments_url=safe_url(d.comments_url),
        score=_int(d.score),
        comments=_int(d.comments),
    )


def _host(url: str | None) -> str | None:
    if url is None:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def entry_view(e: DigestEntry) -> EntryView:
    url = safe_url(e.url)
    discussions = [_discussion(d) for d in e.discussions[:MAX_DISCUSSIONS]]
    link = url or next(
        (u for d in discussions for u in (d.comments_url, d.url) if u is not None), None
    )
    story_id = plain_text(e.story_id, ID_CHARS)
    dom_id = _ANCHOR_UNSAFE.sub("-", story_id)[:64] or str(e.rank)
    published = utc(e.published_at) if e.published_at is not None else None
    first_seen = utc(e.first_seen_at)
    # A feed dating its item after we first saw it is wrong (or lying): never publish a future date.
    date = min(published, first_seen) if published is not None else first_seen
    return EntryView(
        rank=e.rank,
        story_id=story_id,
        dom_id=dom_id,
        anchor=f"story-{dom_id}",
        title=plain_text(e.title, TITLE_CHARS) or UNTITLED,
        url=url,
        link=link,
        host=_host(url),
        score=_finite(e.score),
        why=plain_text(e.why, WHY_CHARS),
        published_at=published,
        first_seen_at=first_seen,
        date=date,
        source_ids=_dedupe(list(e.source_ids), MAX_SOURCES),
        discussions=discussions,
        excerpt=plain_text(e.excerpt, EXCERPT_CHARS),
        topic_id=plain_text(e.topic_id, ID_CHARS) or None,
        topic_label=label(e.topic_label) or None,
        tags=_dedupe(list(e.tags), MAX_TAGS),
        summary=plain_text(e.summary, SUMMARY_CHARS),
        summary_method=label(e.summary_method) or None,
        keywords=_dedupe(list(e.keywords), MAX_KEYWORDS),
        interest=label(e.interest) or None,
        interest_score=_finite(e.interest_score),
    )


def entry_views(digest: Digest) -> list[EntryView]:
    """The digest's entries as views, best rank first (ties broken by story_id)."""
    ordered = sorted(digest.entries, key=lambda e: (e.rank, e.story_id))
    return [entry_view(e) for e in ordered]


def topic_order(labels: list[str | None]) -> list[int]:
    """The group position of each story, for stories given best rank first: one group per
    topic label, groups ordered by their best story; stories without a label form one group
    after every labelled one."""
    order: dict[str, int] = {}
    for name in labels:
        if name and name not in order:
            order[name] = len(order) + 1
    return [order[name] if name else len(order) + 1 for name in labels]


def topic_groups(entries: list[EntryView]) -> list[TopicGroup]:
    """One group per topic label, ordered by each group's best rank (`topic_order`), stories
    without a label last under 'Other stories'; a single unlabelled group when no entry has a
    topic. `entries` best rank first, as `entry_views` gives them."""
    if not any(e.topic_label for e in entries):
        return [TopicGroup(label=None, anchor="stories", entries=entries)]
    groups: dict[int, list[EntryView]] = {}
    for e, n in zip(entries, topic_order([e.topic_label for e in entries]), strict=True):
        groups.setdefault(n, []).append(e)
    return [
        TopicGroup(
            label=members[0].topic_label or OTHER_TOPIC,
            anchor=f"t-{n}" if members[0].topic_label else "t-other",
            entries=members,
        )
        for n, members in sorted(groups.items())
    ]
