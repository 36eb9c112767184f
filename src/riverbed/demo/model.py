"""Records of the demo corpus: what the replay server serves (`Doc`) and what the
generator knows about feeds, platform posts and shared stories (for tests and the demo
summary)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

DEMO_TIMEOUT_S = 2.0  # the demo catalogue's settings.timeout_s
SLOW_DELAY_S = 30.0  # how long the slow sources stall: far past any sane demo timeout

# 1x1 transparent PNG: every image the corpus references
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
)
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Doc:
    """One response the replay server gives for (host, path)."""

    body: bytes
    content_type: str
    status: int = 200
    delay_s: float = 0.0  # stall this long before sending anything
    headers: Mapping[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    drip_s: float = 0.0  # send headers at once, then trickle the body over this long


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One feed's entry for a shared story, as that feed wrote it."""

    source_id: str
    url: str
    title: str
    variant: str  # plain | utm | host_case | trailing_slash | https | fragment | utm_fragment


@dataclass(frozen=True, slots=True)
class SharedStory:
    url: str  # as the origin published it (http, lower-case host, no query or fragment)
    title: str  # the origin's headline
    kind: str  # release | incident | security | acquisition | research | funding | blog
    occurrences: tuple[Occurrence, ...]

    @property
    def source_ids(self) -> list[str]:
        return sorted({o.source_id for o in self.occurrences})


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What the generator knows about one catalogue source."""

    source_id: str
    url: str
    format: str  # a FeedFormat value, a platform kind (hackernews|reddit|lobsters), or "broken"
    role: str  # blog | news | aggregator | platform | broken
    title: str
    n_items: int  # entries in the document (platforms: posts the collector keeps)
    n_distinct: int = 0  # distinct entries (a feed may repeat an entry: same GUID and link)


@dataclass(frozen=True, slots=True)
class PlatformPost:
    """One post of a platform source (hackernews, reddit, lobsters), and what riverbed's
    collector should read from it: the expectations the demo tests check the lake against."""

    source_id: str
    kind: str  # hackernews | reddit | lobsters
    external_id: str  # HN item id, Reddit fullname (t3_…), Lobsters short_id
    title: str | None  # as readers see it (entities undone); None for a deleted HN item
    url: str | None  # the link as the collector reads it; None for a self/text post
    article_url: str | None  # the corpus article linked, as its origin published it
    published: datetime  # UTC, to the second
    score: int | None
    comments: int | None
    comments_url: str  # the discussion page on the real site
    state: str = "live"  # live | dead | deleted (HN moderation: the collector skips them)
    labels: tuple[str, ...] = ()  # ask | self | stickied | nsfw | author

    @property
    def is_item(self) -> bool:
        """Whether the collector should turn this post into an item."""
        return self.state == "live"


def etag(body: bytes) -> str:
    """The strong ETag the replay server sends for `body` (a SHA-256 prefix)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def http_date(when: datetime) -> str:
    """An HTTP-date (RFC 9110) for Last-Modified."""
    return format_datetime(when.astimezone(UTC), usegmt=True)
