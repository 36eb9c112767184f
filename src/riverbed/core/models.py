"""Domain records shared by every layer.

Parsers return `ParsedItem`s (fields as the source published them); `core.items.build_item`
turns them into `Item`s with identity, canonical URL and observation times. Rows written to
the lake are `dataclasses.asdict` of these records (see `lake.schemas`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from riverbed.core.errors import ErrorKind


@dataclass(slots=True)
class ParsedItem:
    """One entry of a source document, as published (before identity and canonicalisation)."""

    title: str
    url: str | None = None
    external_id: str | None = None
    author: str | None = None
    published_at: datetime | None = None  # timezone-aware UTC, clamped to a plausible range
    text: str | None = None  # plain text of the summary/content (HTML stripped)
    summary_html: str | None = None  # the published HTML summary, unsanitised (render sanitises)
    score: int | None = None
    comments: int | None = None
    comments_url: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ItemProblem:
    """One unusable entry of an otherwise good document (becomes an `errors` row)."""

    error_kind: ErrorKind
    message: str
    external_id: str | None = None
    url: str | None = None
    omitted: int = 0  # a summary (see `capped`): how many further problems it stands for


# problems one parse records: each is an `errors` row, and a hostile or broken document
# (a JSON Feed of 100,000 `1`s) must not turn into as many rows
MAX_PROBLEMS = 50


def capped(problems: list[ItemProblem], limit: int = MAX_PROBLEMS) -> list[ItemProblem]:
    """The first `limit` problems, then one summary problem (of the first left out's kind)
    counting the rest. Summaries already in `problems` (a multi-page collector merging its
    capped pages) are folded into the new one, so the count stays exact."""
    real = [p for p in problems if not p.omitted]
    summaries = [p for p in problems if p.omitted]
    rest = real[limit:]
    total = len(rest) + sum(p.omitted for p in summaries)
    if not total:
        return real
    kind = (rest or summaries)[0].error_kind
    summary = ItemProblem(kind, f"{total} more problems not recorded", omitted=total)
    return [*real[:limit], summary]


@dataclass(slots=True)
class ParseResult:
    """What a parser made of a document. Its problems are `capped` on construction, the one
    place every parser's result passes: build a new one rather than assign `problems`."""

    items: list[ParsedItem]
    problems: list[ItemProblem] = field(default_factory=list)
    feed_title: str | None = None
    format: str | None = None  # e.g. "rss20", "atom10", "jsonfeed11", "rdf"

    def __post_init__(self) -> None:
        self.problems = capped(self.problems)


@dataclass(slots=True)
class Item:
    """A row of the `items` table: one item as seen in one source (latest values)."""

    item_id: str
    source_id: str
    kind: str
    external_id: str | None
    url: str | None
    canonical_url: str | None
    title: str
    author: str | None
    published_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    text: str | None
    summary_html: str | None
    score: int | None
    comments: int | None
    comments_url: str | None
    tags: list[str]
    hidden_by: str | None = None
    run_id: str | None = None  # run of the latest observation
    fetch_id: str | None = None  # fetch that produced the latest observation


@dataclass(slots=True)
class Discussion:
    """Where a story is discussed or published: one member item of the story."""

    source_id: str
    url: str | None
    comments_url: str | None = None
    score: int | None = None
    comments: int | None = None


@dataclass(slots=True)
class DigestEntry:
    """One ranked story of a day's digest, ready to render."""

    rank: int
    story_id: str
    title: str
    url: str | None
    score: float
    why: str  # human-readable reason it is in the digest
    published_at: datetime | None
    first_seen_at: datetime
    source_ids: list[str]
    discussions: list[Discussion]
    excerpt: str | None = None  # plain text: the article's or the feed's opening
    topic_id: str | None = None
    topic_label: str | None = None
    tags: list[str] = field(default_factory=list)
    # Display order of the story's topic group (1 = the group holding the best-ranked story).
    topic_rank: int | None = None
    summary: str | None = None  # plain text; renderers show it instead of the excerpt
    summary_method: str | None = None  # extractive | llm:<model>:<prompt version>
    keywords: list[str] = field(default_factory=list)
    interest: str | None = None  # the settings.interests phrase the story matches
    interest_score: float | None = None


@dataclass(slots=True)
class Digest:
    """A day's digest: what every renderer (HTML, Markdown, RSS, JSON Feed) receives."""

    digest_date: str  # YYYY-MM-DD (UTC)
    generated_at: datetime
    entries: list[DigestEntry]
    title: str = "riverbed digest"
    home_url: str | None = None  # public base URL of `published/`, when the operator sets one
