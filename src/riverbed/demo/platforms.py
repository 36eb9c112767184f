"""The demo's platform sources: Hacker News, Reddit and Lobsters, served at their real hosts
on the real API paths, in the real JSON shapes.

- `hackernews` (listing top): the Firebase API v0 at `hacker-news.firebaseio.com` —
  `/v0/{top,new,best,ask}stories.json` (arrays of ids) and `/v0/item/{id}.json` (one item
  object; keys sorted, compact, as Firebase answers). Ask HN posts carry HTML `text` and no
  `url`; a dead (flagged) and a deleted item sit in the top list as moderation leaves them.
- `reddit-programming` (r/programming, listing hot): `/r/programming/{hot,new}.json`, a
  `Listing` of `t3` posts with Reddit's ~100 fields per post, `&`, `<`, `>` HTML-escaped in
  titles, URLs and `selftext` (no `raw_json=1`), `selftext_html` escaped twice, a stickied
  AutoModerator thread, an over_18 link post, self posts, and Reddit's `x-ratelimit-*`
  headers. The listing is shorter than any page the collector asks for (`?limit=N`, which
  the server answers with the whole listing), so `after` is null, as Reddit sends at the
  end of a listing.
- `lobsters` (hottest): `/hottest.json` and `/newest.json`, arrays of stories with
  `short_id`, `short_id_url`, `comments_url`, `created_at` in the site's local time
  (US Central, with its offset), `tags`, `comment_count`; text posts have `url: ""`. Each
  listing is one page: `?page=2` answers `[]`, as the site does after its last page.

What is posted is a function of (seed, date) only, like the feeds: each date's posts link to
that date's articles of the corpus (blog posts and news stories, at the URL their origin
published, spelled as each platform's submitters write it), so a platform post and the
feeds that carry the same article merge into one story by canonical URL. Each date, two
articles — the news story that the most feeds picked up, and a blog post an aggregator
shared — are posted on all three platforms, so their stories list a discussion on each.
The links use `http://` like every corpus URL (the replay server speaks plain HTTP, and an
`https://` spelling would canonicalise to another story).
"""

from __future__ import annotations

import html
import json
import math
import random
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from riverbed.demo.model import Article, DateContent, Doc, PlatformPost
from riverbed.demo.plan import NEWS_SITES, Plan
from riverbed.demo.text import brand_title, make_slots, sentences
from riverbed.demo.words import FIRST_NAMES, LAST_NAMES, TOPIC_BY_TAG

HN_HOST = "hacker-news.firebaseio.com"
REDDIT_HOST = "www.reddit.com"
LOBSTERS_HOST = "lobste.rs"
HN_LIMIT = 30  # the HN source's `limit`: every id of the demo's top list is fetched
REDDIT_LIMIT = 25  # the Reddit source's `limit` (the collector sends ?limit=25)
SUBREDDIT = "programming"
HN_ITEM_PAGE = "https://news.ycombinator.com/item?id={id}"
REDDIT_SITE = "https://www.reddit.com"
LOBSTERS_SITE = "https://lobste.rs"
JSON_UTF8 = "application/json; charset=utf-8"
# what Reddit sends with every answer: a fresh window (the demo never runs out of requests)
REDDIT_RATE_LIMIT = {
    "x-ratelimit-used": "1",
    "x-ratelimit-remaining": "99.0",
    "x-ratelimit-reset": "412",
}

HN_LINKS_PER_DATE = 7  # + one Ask HN + one dead or deleted item: 27 ids per window
REDDIT_LINKS_PER_DATE = 6  # + one self post (+ the stickied thread once per window)
LOBSTERS_LINKS_PER_DATE = 6  # + one text post

# HN item ids and Reddit post ids grow with time, anchored on real posts
HN_ANCHOR = (40_178_020, datetime(2024, 4, 29, 11, 26, 40, tzinfo=UTC))
HN_IDS_PER_DAY = 9_700
REDDIT_ANCHOR = (int("1cfq0aa", 36), datetime(2024, 4, 29, 7, 0, 5, tzinfo=UTC))
REDDIT_IDS_PER_DAY = 1_300_000
HN_FIRST_ITEM = datetime(2006, 10, 9, 18, 21, 51, tzinfo=UTC)
REDDIT_EPOCH = 1_134_028_003  # the epoch of Reddit's "hot" ranking

LOBSTERS_TAGS = {
    "databases": "databases",
    "rust": "rust",
    "python": "python",
    "go": "go",
    "devops": "devops",
    "security": "security",
    "machine-learning": "ml",
    "web": "web",
    "linux": "linux",
    "distributed-systems": "distributed",
    "observability": "devops",
    "programming-languages": "plt",
}


@dataclass(frozen=True, slots=True)
class PlatformSource:
    """A catalogue source of a platform kind, with the options the demo catalogue gives it."""

    source_id: str
    kind: str
    host: str
    title: str
    format_name: str
    every: str
    tags: tuple[str, ...]
    options: tuple[tuple[str, str | int], ...]

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def listing_path(self) -> str:
        """The path of the listing the catalogue's options select (what the collector
        fetches first; the server ignores the query string the collector may add)."""
        opts = dict(self.options)
        if self.kind == "hackernews":
            return f"/v0/{opts['listing']}stories.json"
        if self.kind == "reddit":
            return f"/r/{opts['subreddit']}/{opts['listing']}.json"
        return f"/{opts['listing']}.json"


PLATFORM_SOURCES: tuple[PlatformSource, ...] = (
    PlatformSource(
        "hackernews",
        "hackernews",
        HN_HOST,
        "Hacker News: top stories",
        "Hacker News API v0",
        "15m",
        ("hn",),
        (("listing", "top"), ("limit", HN_LIMIT)),
    ),
    PlatformSource(
        "reddit-programming",
        "reddit",
        REDDIT_HOST,
        f"r/{SUBREDDIT}: hot",
        "Reddit listing JSON",
        "30m",
        ("reddit",),
        (("subreddit", SUBREDDIT), ("listing", "hot"), ("limit", REDDIT_LIMIT)),
    ),
    PlatformSource(
        "lobsters",
        "lobsters",
        LOBSTERS_HOST,
        "Lobsters: hottest",
        "Lobsters JSON",
        "30m",
        ("lobsters",),
        (("listing", "hottest"),),
    ),
)
_BY_KIND = {p.kind: p for p in PLATFORM_SOURCES}


@dataclass(slots=True)
class Post:
    """One platform post: the JSON object the platform serves and what the collector reads."""

    record: PlatformPost
    doc: dict[str, Any]  # HN item object, Reddit t3 `data`, Lobsters story object


@dataclass(slots=True)
class _Draft:
    when: datetime
    title: str | None
    url: str | None  # as the submitter wrote it (unescaped)
    article: Article | None
    score: int | None
    comments: int | None
    author: str
    paragraphs: list[str] = field(default_factory=list)  # a self post's text
    state: str = "live"
    labels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


# -- one date ------------------------------------------------------------------------------


def generate_platform_date(plan: Plan, seed: int, d: date, content: DateContent) -> list[Post]:
    """The posts of calendar date `d` on every platform; depends on (seed, d) only.

    Uses its own random stream, so the feeds of the date are the same with or without it.
    """
    rng = random.Random(f"{seed}:platforms:{d.isoformat()}")
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    end = start + timedelta(days=1, seconds=-1)
    news_hosts = {host for host, _, _ in NEWS_SITES}
    by_url = {a.url: a for a in content.articles}

    news_shares = sorted(
        (s for s in content.shares if s.kind != "blog"),
        key=lambda s: (-len(s.occurrences), s.url),
    )
    blog_shares = [s for s in content.shares if s.kind == "blog" and not by_url[s.url].thin]
    everywhere: list[Article] = []
    if news_shares:
        everywhere.append(by_url[news_shares[0].url])
    if blog_shares:
        everywhere.append(by_url[rng.choice(blog_shares).url])
    chosen = {a.url for a in everywhere}
    others = [a for a in content.articles if a.url not in chosen and not a.thin]
    news = [a for a in others if a.host in news_hosts]
    blogs = [a for a in others if a.host not in news_hosts]
    pool = rng.sample(news, min(6, len(news))) + rng.sample(blogs, min(10, len(blogs)))
    rng.shuffle(pool)

    def at() -> datetime:
        return start + timedelta(seconds=rng.randint(0, 86399))

    def posted(art: Article) -> datetime:
        room = int((end - art.published).total_seconds())
        lo = min(300, room)
        return art.published + timedelta(seconds=rng.randint(lo, max(lo, min(10 * 3600, room))))

    posts: list[Post] = []
    posts += _hackernews(rng, plan, d, everywhere, pool, posted, at)
    posts += _reddit(rng, d, everywhere, pool, posted, at)
    posts += _lobsters(rng, d, everywhere, pool, posted, at)
    return posts


def _handle(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES).lower()
    last = rng.choice(LAST_NAMES).lower()
    style = rng.randrange(5)
    if style == 0:
        return f"{first}{last[:1]}"
    if style == 1:
        return f"{first}_{last}"
    if style == 2:
        return f"{first}{rng.randint(2, 99)}"
    if style == 3:
        return f"{first[:1]}{last}"
    return f"{last}{first[:2]}"


def _topic(art: Article) -> str:
    return art.slots["tag"]


def _hackernews(
    rng: random.Random,
    plan: Plan,
    d: date,
    everywhere: list[Article],
    pool: list[Article],
    posted: Callable[[Article], datetime],
    at: Callable[[], datetime],
) -> list[Post]:
    drafts: list[_Draft] = []
    for i, art in enumerate(everywhere + pool[: HN_LINKS_PER_DATE - len(everywhere)]):
        big = i < len(everywhere)
        score = rng.randint(250, 900) if big else rng.randint(8, 400)
        url = art.url
        if rng.random() < 0.2:  # a toggled trailing slash: canonicalisation undoes it
            url = url[:-1] if url.endswith("/") else url + "/"
        drafts.append(
            _Draft(
                when=posted(art),
                title=art.title,
                url=url,
                article=art,
                score=score,
                comments=rng.randint(score // 4, score // 2 + 40)
                if big
                else rng.randint(0, score // 2 + 5),
                author=_handle(rng),
            )
        )
    slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(sorted(TOPIC_BY_TAG))], d.year)
    ask = rng.randint(40, 260)
    drafts.append(
        _Draft(
            when=at(),
            title=f"Ask HN: How do you handle {slots['thing']} in production?",
            url=None,
            article=None,
            score=ask,
            comments=rng.randint(30, 220),
            author=_handle(rng),
            paragraphs=[
                f"We run {slots['product']} for about {slots['n']} services and keep going "
                f"back and forth on {slots['thing']}. Everything we read is either a vendor's "
                "blog post or a ten-year-old answer.",
                *sentences(rng, slots, 2),
                "What has worked for you, and what would you never do again?",
            ],
            labels=("ask", "self"),
        )
    )
    if d.toordinal() % 2 == 0:  # every window of 3 dates has both a dead and a deleted item
        sponsor = rng.choice(plan.by_kind("company"))
        drafts.append(
            _Draft(
                when=at(),
                title=f"{brand_title(sponsor.brand)} Cloud: 50% off every plan, this week only",
                url=f"http://{sponsor.spec.host}/pricing?ref=hn",
                article=None,
                score=1,
                comments=None,
                author=f"{sponsor.brand}_growth",
                state="dead",
            )
        )
    else:
        drafts.append(
            _Draft(
                when=at(),
                title=None,
                url=None,
                article=None,
                score=None,
                comments=None,
                author="",
                state="deleted",
            )
        )
    drafts.sort(key=lambda x: x.when)
    ids = _increasing([_hn_id(x.when) for x in drafts])
    taken = set(ids)
    ceiling = _hn_id(datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1))
    source = _BY_KIND["hackernews"]
    posts: list[Post] = []
    for draft, item_id in zip(drafts, ids, strict=True):
        ts = int(draft.when.timestamp())
        if draft.state == "deleted":
            doc: dict[str, Any] = {"deleted": True, "id": item_id, "time": ts, "type": "story"}
        elif draft.state == "dead":
            doc = {
                "by": draft.author,
                "dead": True,
                "id": item_id,
                "score": draft.score,
                "time": ts,
                "title": draft.title,
                "type": "story",
                "url": draft.url,
            }
        else:
            doc = {
                "by": draft.author,
                "descendants": draft.comments,
                "id": item_id,
                "score": draft.score,
                "time": ts,
                "title": draft.title,
                "type": "story",
            }
            kids = _kids(rng, item_id, ceiling, draft.comments or 0, taken)
            if kids:
                doc["kids"] = kids
            if draft.url is not None:
                doc["url"] = draft.url
            else:
                doc["text"] = "<p>".join(_hn_html(p) for p in draft.paragraphs)
        posts.append(
            Post(
                PlatformPost(
                    source_id=source.source_id,
                    kind=source.kind,
                    external_id=str(item_id),
                    title=draft.title,
                    url=draft.url,
                    article_url=draft.article.url if draft.article else None,
                    published=datetime.fromtimestamp(ts, UTC),
                    score=draft.score,
                    comments=draft.comments,
                    comments_url=HN_ITEM_PAGE.format(id=item_id),
                    state=draft.state,
                    labels=draft.labels,
                ),
                doc,
            )
        )
    return posts


def _hn_id(when: datetime) -> int:
    """A plausible HN item id for a post made at `when`: ids grow ~9,700 a day."""
    anchor_id, anchor_at = HN_ANCHOR
    linear = anchor_id + int((when - anchor_at).total_seconds() * HN_IDS_PER_DAY / 86400)
    # far from the anchor, fall back on a coarser clock that stays positive and increasing
    return max(linear, 1 + int((when - HN_FIRST_ITEM).total_seconds() // 60))


def _increasing(ids: list[int]) -> list[int]:
    out: list[int] = []
    for value in ids:
        out.append(max(value, out[-1] + 1) if out else value)
    return out


def _kids(
    rng: random.Random, item_id: int, ceiling: int, comments: int, taken: set[int]
) -> list[int]:
    """Ids of the top-level comments: later items of the same date, in ranked order."""
    n = min(comments, rng.randint(1, 12)) if comments else 0
    kids: list[int] = []
    hi = max(ceiling - 1, item_id + 2 * n + 2)
    while len(kids) < n:
        kid = rng.randint(item_id + 1, hi)
        if kid not in taken:
            taken.add(kid)
            kids.append(kid)
    return kids


def _hn_html(text: str) -> str:
    """Text as HN's API spells it: HTML-escaped, with `'` as &#x27; and `/` as &#x2F;."""
    return html.escape(text, quote=True).replace("/", "&#x2F;")


def _base36(n: int) -> str:
    digits = string.digits + string.ascii_lowercase
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _reddit_id(when: datetime) -> int:
    anchor_id, anchor_at = REDDIT_ANCHOR
    linear = anchor_id + int((when - anchor_at).total_seconds() * REDDIT_IDS_PER_DAY / 86400)
    return max(linear, 1 + int(when.timestamp() - REDDIT_EPOCH))


def _reddit_slug(title: str) -> str:
    """The slug of a Reddit permalink: lower-case words joined by `_`, about 50 chars."""
    words = re.sub(r"[^a-z0-9 ]+", "", title.lower().replace("-", " ")).split()
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > 50:
            break
        slug = f"{slug}_{w}" if slug else w
    return slug or "post"


def _reddit(
    rng: random.Random,
    d: date,
    everywhere: list[Article],
    pool: list[Article],
    posted: Callable[[Article], datetime],
    at: Callable[[], datetime],
) -> list[Post]:
    drafts: list[_Draft] = []
    links = everywhere + rng.sample(pool, REDDIT_LINKS_PER_DATE - len(everywhere))
    for i, art in enumerate(links):
        big = i < len(everywhere)
        score = rng.randint(600, 3200) if big else rng.randint(15, 1800)
        url = art.url
        if rng.random() < 0.4:  # shared from a mobile app: tracking parameters
            url += "?utm_source=reddit&utm_medium=social&utm_campaign=share"
        nsfw = i == len(links) - 1 and d.toordinal() % 3 == 0  # once per window
        drafts.append(
            _Draft(
                when=posted(art),
                title=art.title + (" (NSFW: strong language)" if nsfw else ""),
                url=url,
                article=art,
                score=score,
                comments=rng.randint(120, 900) if big else rng.randint(0, score // 3 + 10),
                author=_handle(rng),
                labels=("nsfw",) if nsfw else (),
            )
        )
    slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(sorted(TOPIC_BY_TAG))], d.year)
    score = rng.randint(20, 600)
    drafts.append(
        _Draft(
            when=at(),
            title=f"How are you handling {slots['thing']} these days?",
            url=None,
            article=None,
            score=score,
            comments=rng.randint(score // 5, score // 2 + 20),
            author=_handle(rng),
            paragraphs=[
                f"Context: we run {slots['product']} {slots['version']} across {slots['n']} "
                f"services & about {slots['bignum']} requests per second at peak.",
                *sentences(rng, slots, 2),
                "**What has worked for you?** Links to write-ups > opinions.",
            ],
            labels=("self",),
        )
    )
    if d.toordinal() % 3 == 1:  # the stickied thread: one in every window of 3 dates
        drafts.append(
            _Draft(
                when=datetime(d.year, d.month, d.day, 7, 0, 5, tzinfo=UTC),
                title=f"Ask Anything & off-topic thread \u2013 {d:%B} {d.day}, {d.year}",
                url=None,
                article=None,
                score=rng.randint(5, 40),
                comments=rng.randint(40, 160),
                author="AutoModerator",
                paragraphs=[
                    "Ask your programming questions here & help others.",
                    "**Rules:** be kind > be right.",
                ],
                labels=("self", "stickied"),
            )
        )
    drafts.sort(key=lambda x: x.when)
    ids = _increasing([_reddit_id(x.when) for x in drafts])
    source = _BY_KIND["reddit"]
    posts: list[Post] = []
    for draft, number in zip(drafts, ids, strict=True):
        post_id = _base36(number)
        assert draft.title is not None
        permalink = f"/r/{SUBREDDIT}/comments/{post_id}/{_reddit_slug(draft.title)}/"
        doc = _reddit_post(rng, draft, post_id, permalink)
        posts.append(
            Post(
                PlatformPost(
                    source_id=source.source_id,
                    kind=source.kind,
                    external_id=f"t3_{post_id}",
                    title=draft.title,
                    url=draft.url,
                    article_url=draft.article.url if draft.article else None,
                    published=datetime.fromtimestamp(int(draft.when.timestamp()), UTC),
                    score=draft.score,
                    comments=draft.comments,
                    comments_url=REDDIT_SITE + permalink,
                    labels=draft.labels,
                ),
                doc,
            )
        )
    return posts


def _esc(text: str) -> str:
    """What Reddit's JSON does to text without `raw_json=1`: `&`, `<`, `>` as entities."""
    return html.escape(text, quote=False)


def _markdown_html(paragraphs: list[str]) -> str:
    """Reddit's `selftext_html` for simple Markdown paragraphs (**bold** only)."""
    inner = "\n\n".join(
        "<p>" + re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", _esc(p)) + "</p>"
        for p in paragraphs
    )
    return _esc(f'<!-- SC_OFF --><div class="md">{inner}\n</div><!-- SC_ON -->')


def _reddit_post(rng: random.Random, draft: _Draft, post_id: str, permalink: str) -> dict[str, Any]:
    is_self = draft.url is None
    stickied = "stickied" in draft.labels
    nsfw = "nsfw" in draft.labels
    assert draft.title is not None and draft.score is not None
    created = float(int(draft.when.timestamp()))
    if is_self:
        domain, thumbnail = f"self.{SUBREDDIT}", "self"
        url = REDDIT_SITE + permalink
    else:
        assert draft.url is not None
        host = draft.url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
        domain, thumbnail = host.removeprefix("www."), "nsfw" if nsfw else "default"
        url = draft.url
    selftext = "\n\n".join(draft.paragraphs)
    doc: dict[str, Any] = {
        "approved_at_utc": None,
        "subreddit": SUBREDDIT,
        "selftext": _esc(selftext),
        "author_fullname": "t2_" + _base36(rng.randint(36**4, 36**8)),
        "saved": False,
        "mod_reason_title": None,
        "gilded": 0,
        "clicked": False,
        "title": _esc(draft.title),
        "link_flair_richtext": [],
        "subreddit_name_prefixed": f"r/{SUBREDDIT}",
        "hidden": False,
        "pwls": 0 if nsfw else 6,
        "link_flair_css_class": None,
        "downs": 0,
        "thumbnail_height": None,
        "top_awarded_type": None,
        "hide_score": False,
        "name": f"t3_{post_id}",
        "quarantine": False,
        "link_flair_text_color": "dark",
        "upvote_ratio": round(rng.uniform(0.82, 0.98), 2),
        "author_flair_background_color": None,
        "subreddit_type": "public",
        "ups": draft.score,
        "total_awards_received": 0,
        "media_embed": {},
        "thumbnail_width": None,
        "author_flair_template_id": None,
        "is_original_content": False,
        "user_reports": [],
        "secure_media": None,
        "is_reddit_media_domain": False,
        "is_meta": False,
        "category": None,
        "secure_media_embed": {},
        "link_flair_text": None,
        "can_mod_post": False,
        "score": draft.score,
        "approved_by": None,
        "is_created_from_ads_ui": False,
        "author_premium": False,
        "thumbnail": thumbnail,
        "edited": False,
        "author_flair_css_class": None,
        "author_flair_richtext": [],
        "gildings": {},
        "content_categories": None,
        "is_self": is_self,
        "mod_note": None,
        "created": created,
        "link_flair_type": "text",
        "wls": 0 if nsfw else 6,
        "removed_by_category": None,
        "banned_by": None,
        "author_flair_type": "text",
        "domain": domain,
        "allow_live_comments": False,
        "selftext_html": _markdown_html(draft.paragraphs) if draft.paragraphs else None,
        "likes": None,
        "suggested_sort": "new" if stickied else None,
        "banned_at_utc": None,
        "view_count": None,
        "archived": False,
        "no_follow": draft.score < 5,
        "is_crosspostable": not stickied,
        "pinned": False,
        "over_18": nsfw,
        "all_awardings": [],
        "awarders": [],
        "media_only": False,
        "can_gild": False,
        "spoiler": False,
        "locked": False,
        "author_flair_text": None,
        "treatment_tags": [],
        "visited": False,
        "removed_by": None,
        "num_reports": None,
        "distinguished": "moderator" if stickied else None,
        "subreddit_id": "t5_2fwo",
        "author_is_blocked": False,
        "mod_reason_by": None,
        "num_crossposts": 0 if is_self else rng.randint(0, 3),
        "removal_reason": None,
        "link_flair_background_color": "",
        "id": post_id,
        "is_robot_indexable": True,
        "report_reasons": None,
        "author": draft.author,
        "discussion_type": None,
        "num_comments": draft.comments,
        "send_replies": not stickied,
        "contest_mode": False,
        "mod_reports": [],
        "author_patreon_flair": False,
        "author_flair_text_color": None,
        "permalink": permalink,
        "stickied": stickied,
        "url": _esc(url),
        "subreddit_subscribers": 6_512_345,
        "created_utc": created,
        "num_duplicates": 0 if is_self else rng.randint(0, 2),
        "media": None,
        "is_video": False,
    }
    if not is_self:
        doc["url_overridden_by_dest"] = _esc(url)
    return doc


def _lobsters_slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60].rstrip("_") or "story"


def _central(when: datetime) -> timezone:
    """US Central time at `when` (Lobsters' own clock): CDT from the second Sunday of March
    to the first Sunday of November (switching at 2:00 local), CST otherwise."""

    def sunday(month: int, nth: int) -> datetime:
        first = datetime(when.year, month, 1, tzinfo=UTC)
        offset = (6 - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (nth - 1))

    dst_start = sunday(3, 2) + timedelta(hours=8)  # 2:00 CST
    dst_end = sunday(11, 1) + timedelta(hours=7)  # 2:00 CDT
    hours = -5 if dst_start <= when < dst_end else -6
    return timezone(timedelta(hours=hours))


def lobsters_time(when: datetime) -> str:
    """`created_at` as Lobsters writes it: local time, milliseconds, offset."""
    local = when.astimezone(_central(when))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%dT%H:%M:%S}.000{offset[:3]}:{offset[3:]}"


def _lobsters(
    rng: random.Random,
    d: date,
    everywhere: list[Article],
    pool: list[Article],
    posted: Callable[[Article], datetime],
    at: Callable[[], datetime],
) -> list[Post]:
    drafts: list[_Draft] = []
    links = everywhere + rng.sample(pool, LOBSTERS_LINKS_PER_DATE - len(everywhere))
    for i, art in enumerate(links):
        big = i < len(everywhere)
        score = rng.randint(35, 95) if big else rng.randint(4, 60)
        topic_tags = {LOBSTERS_TAGS[_topic(art)]}
        if art.slots.get("version") and art.title.startswith(art.slots["product"] + " "):
            topic_tags.add("release")
        author_note = art.host not in {h for h, _, _ in NEWS_SITES} and rng.random() < 0.3
        drafts.append(
            _Draft(
                when=posted(art),
                title=art.title,
                url=art.url,
                article=art,
                score=score,
                comments=rng.randint(12, 60) if big else rng.randint(0, 40),
                author=_handle(rng),
                paragraphs=[f"Author here. Happy to answer questions about {art.slots['thing']}."]
                if author_note
                else [],
                labels=("author",) if author_note else (),
                tags=tuple(sorted(topic_tags)),
            )
        )
    if d.weekday() == 0:
        title = "What are you doing this week?"
        paragraphs = [
            "What are you doing this week? Feel free to share!",
            "Keep in mind it\u2019s OK to do nothing at all, too & that\u2019s fine.",
        ]
        tags: tuple[str, ...] = ("ask", "programming")
    else:
        slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(sorted(TOPIC_BY_TAG))], d.year)
        title = f"How do you approach {slots['thing']}?"
        paragraphs = [*sentences(rng, slots, 2), "Curious what other teams settled on."]
        tags = tuple(sorted({"ask", LOBSTERS_TAGS[slots["tag"]]}))
    score = rng.randint(10, 40)
    drafts.append(
        _Draft(
            when=at(),
            title=title,
            url=None,
            article=None,
            score=score,
            comments=rng.randint(10, 80),
            author=_handle(rng),
            paragraphs=paragraphs,
            labels=("self",),
            tags=tags,
        )
    )
    drafts.sort(key=lambda x: x.when)
    source = _BY_KIND["lobsters"]
    alphabet = string.ascii_lowercase + string.digits
    posts: list[Post] = []
    for draft in drafts:
        assert draft.title is not None
        short_id = "".join(rng.choice(alphabet) for _ in range(6))
        comments_url = f"{LOBSTERS_SITE}/s/{short_id}/{_lobsters_slug(draft.title)}"
        description = "".join(f"<p>{html.escape(p, quote=False)}</p>\n" for p in draft.paragraphs)
        doc = {
            "short_id": short_id,
            "short_id_url": f"{LOBSTERS_SITE}/s/{short_id}",
            "created_at": lobsters_time(draft.when),
            "title": draft.title,
            "url": draft.url or "",
            "score": draft.score,
            "flags": 0,
            "comment_count": draft.comments,
            "description": description,
            "description_plain": "\n\n".join(draft.paragraphs),
            "comments_url": comments_url,
            "submitter_user": draft.author,
            "user_is_author": "author" in draft.labels,
            "tags": list(draft.tags),
        }
        posts.append(
            Post(
                PlatformPost(
                    source_id=source.source_id,
                    kind=source.kind,
                    external_id=short_id,
                    title=draft.title,
                    url=draft.url,
                    article_url=draft.article.url if draft.article else None,
                    published=datetime.fromtimestamp(int(draft.when.timestamp()), UTC),
                    score=draft.score,
                    comments=draft.comments,
                    comments_url=comments_url,
                    labels=draft.labels,
                ),
                doc,
            )
        )
    return posts


# -- the window's documents ----------------------------------------------------------------


def _age_hours(post: PlatformPost, now: datetime) -> float:
    return max(0.0, (now - post.published).total_seconds() / 3600)


def _hn_rank(post: PlatformPost, now: datetime) -> float:
    """HN's front-page gravity; dead and deleted items sink to the bottom."""
    if post.state == "deleted":
        return -2.0
    if post.state == "dead":
        return -1.0
    return ((post.score or 1) - 1) / (_age_hours(post, now) + 2) ** 1.8


def _reddit_hot(post: PlatformPost) -> float:
    score = post.score or 0
    return math.log10(max(abs(score), 1)) + (post.published.timestamp() - REDDIT_EPOCH) / 45000


def _lobsters_hot(post: PlatformPost) -> float:
    engagement = (post.score or 0) + (post.comments or 0)
    return math.log10(max(engagement, 1)) + post.published.timestamp() / 60000


def _json(doc: Any, *, compact: bool = True, sort_keys: bool = False) -> bytes:
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(doc, separators=separators, sort_keys=sort_keys, ensure_ascii=False).encode()


def platform_documents(posts: Iterable[Post], now: datetime) -> dict[tuple[str, str], Doc]:
    """Every platform response of a window, ranked as of `now` (the end of the window)."""
    by_kind: dict[str, list[Post]] = {}
    for post in posts:
        by_kind.setdefault(post.record.kind, []).append(post)
    docs: dict[tuple[str, str], Doc] = {}

    def newest(group: Iterable[Post]) -> datetime | None:
        return max((p.record.published for p in group), default=None)

    hn = by_kind.get("hackernews", [])
    if hn:
        ids = {id(p): int(p.record.external_id) for p in hn}
        live = [p for p in hn if p.record.is_item]
        lists = {
            "top": sorted(hn, key=lambda p: (-_hn_rank(p.record, now), -ids[id(p)])),
            "new": sorted(live, key=lambda p: -ids[id(p)]),
            "best": sorted(live, key=lambda p: (-(p.record.score or 0), -ids[id(p)])),
            "ask": sorted(
                (p for p in live if "ask" in p.record.labels),
                key=lambda p: (-_hn_rank(p.record, now), -ids[id(p)]),
            ),
        }
        for name, ranked in lists.items():
            body = _json([ids[id(p)] for p in ranked])
            docs[(HN_HOST, f"/v0/{name}stories.json")] = Doc(
                body, JSON_UTF8, last_modified=newest(ranked) or newest(hn)
            )
        for p in hn:
            docs[(HN_HOST, f"/v0/item/{ids[id(p)]}.json")] = Doc(
                _json(p.doc, sort_keys=True), JSON_UTF8, last_modified=p.record.published
            )

    reddit = by_kind.get("reddit", [])
    if reddit:
        listings = {
            "hot": sorted(
                reddit,
                key=lambda p: (
                    "stickied" not in p.record.labels,
                    -_reddit_hot(p.record),
                    p.record.external_id,
                ),
            ),
            "new": sorted(reddit, key=lambda p: (-p.record.published.timestamp(), p.doc["id"])),
        }
        for name, ranked in listings.items():
            listing = {
                "kind": "Listing",
                "data": {
                    "after": None,
                    "dist": len(ranked),
                    "modhash": "",
                    "geo_filter": "",
                    "children": [{"kind": "t3", "data": p.doc} for p in ranked],
                    "before": None,
                },
            }
            docs[(REDDIT_HOST, f"/r/{SUBREDDIT}/{name}.json")] = Doc(
                _json(listing, compact=False),
                "application/json; charset=UTF-8",
                headers=REDDIT_RATE_LIMIT,
                last_modified=newest(reddit),
            )

    lobsters = by_kind.get("lobsters", [])
    if lobsters:
        listings = {
            "hottest": sorted(
                lobsters, key=lambda p: (-_lobsters_hot(p.record), p.record.external_id)
            ),
            "newest": sorted(
                lobsters, key=lambda p: (-p.record.published.timestamp(), p.record.external_id)
            ),
        }
        for name, ranked in listings.items():
            docs[(LOBSTERS_HOST, f"/{name}.json")] = Doc(
                _json([p.doc for p in ranked]), JSON_UTF8, last_modified=newest(lobsters)
            )
            # the listing is one page: the next one (`?page=2`, as the site pages) is empty
            docs[(LOBSTERS_HOST, f"/{name}.json?page=2")] = Doc(
                b"[]", JSON_UTF8, last_modified=newest(lobsters)
            )
    return docs
