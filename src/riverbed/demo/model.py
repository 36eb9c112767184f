"""Records of the demo corpus: what the replay server serves (`Doc`), what the generator
knows about feeds, platform posts, shared stories and the events behind them (for tests and
the demo summary), and what one calendar date publishes (`Article`, `DateContent`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from riverbed.demo.feeds import ItemSpec

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


# How an article relates to the event it reports (`Article.relation`, `EventMember.relation`)
ORIGIN = "origin"  # the event's first article (a news story, a blog post, anything else)
COVERAGE = "coverage"  # another outlet's own story on the event: own URL, headline and text
SYNDICATED = "syndicated"  # a news story republished by a partner: same text, another URL
CROSSPOST = "crosspost"  # a blog post republished on a blogging platform by its author
PRESS_RELEASE = "press_release"  # the company's own announcement of the event, on its blog
HTTPS = "https"  # an aggregator's https:// spelling of a member (canonicalisation keeps it)
SIBLING = "sibling"  # its own event, but a hard negative: same kind and product, other facts


@dataclass(slots=True)
class Article:
    """One page a publisher put out on a date: a blog post, a news story, or another URL of
    an event (`relation`)."""

    host: str
    path: str
    url: str
    site_name: str
    title: str
    author: str
    published: datetime
    slots: dict[str, str]
    image_url: str | None
    thin: bool = False
    story_kind: str = ""  # a news story's kind (STORY_TITLES), "" for a blog post
    event: str = ""  # the URL of the event's origin article; "" = this article's own URL
    relation: str = ORIGIN
    copy_of: str = ""  # syndicated and cross-posted copies: the URL whose text they republish
    credit: str = ""  # a copy's credit line: the last paragraph of its body
    like: str = ""  # a sibling: the URL of the event it is easily mistaken for

    @property
    def event_key(self) -> str:
        """The event this article reports: the URL of the event's origin article."""
        return self.event or self.url


@dataclass(slots=True)
class PendingShare:
    url: str
    title: str
    kind: str
    occurrences: list[tuple[Occurrence, str]]  # (occurrence, guid of that entry)


@dataclass(slots=True)
class DateContent:
    """Everything published on one calendar date (`riverbed.demo.timeline.generate_date`)."""

    items: dict[str, list[ItemSpec]] = field(default_factory=dict)
    articles: list[Article] = field(default_factory=list)
    discussions: dict[tuple[str, str], bytes] = field(default_factory=dict)
    images: set[tuple[str, str]] = field(default_factory=set)
    shares: list[PendingShare] = field(default_factory=list)
    dead_links: list[str] = field(default_factory=list)  # linked, never published: 404
    self_posts: list[str] = field(default_factory=list)  # items linking their own thread


@dataclass(frozen=True, slots=True)
class EventMember:
    """One URL of an event, as its publisher wrote it (an https spelling: as the aggregator
    wrote it), with the headline it carried."""

    url: str
    title: str
    relation: str  # ORIGIN | COVERAGE | SYNDICATED | CROSSPOST | PRESS_RELEASE | HTTPS
    site_name: str = ""


@dataclass(frozen=True, slots=True)
class DupEvent:
    """A labelled near-duplicate group: one real-world event under two URLs or more, which
    exact-URL merging cannot join (reworded titles, syndicated copies, press releases,
    https spellings)."""

    key: str  # the origin article's URL (`Article.event_key`)
    kind: str  # a STORY_TITLES kind, or "blog"
    members: tuple[EventMember, ...]  # the origin first, then in order of publication

    @property
    def relations(self) -> set[str]:
        return {m.relation for m in self.members}


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
