"""One event, other URLs: what near-duplicate story merging has to find in the demo corpus.

Each date, from a random stream of its own (the rest of the date is the same with or
without it), some of the date's news stories and blog posts get more URLs:

- coverage (`COVERAGE`): about a third of the news stories are also covered by one or two
  other outlets, each under its own URL, with another headline form of the story
  (`STORY_TITLES` words each story 2-4 ways from the same facts) and its own text written
  from the same facts;
- syndicated copies (`SYNDICATED`): 4-6 news stories are republished by a partner — the
  DevNews Wire, or another news site — with the same text, the same byline and the same or
  a lightly edited headline ("… (via TechWire)", "… | TechWire", "TechWire: …");
- cross-posts (`CROSSPOST`): 4-6 blog posts are republished by their authors on the Codeleaf
  blogging platform, same text, the same or a lightly edited title;
- press releases (`PRESS_RELEASE`): half the incident, acquisition and funding stories are
  also announced on the company's own blog (an acquisition sometimes by both companies), in
  the company's voice (`PRESS_TITLES`, `PRESS_BY_KIND`), with the story's facts;
- siblings (`SIBLING`, hard negatives: separate events): two or three release, security or
  incident stories get a sibling story by another outlet — the same product or company and
  the same kind of news, other facts (another version, CVE, service).

`riverbed.demo.timeline` then lets aggregators link some of these URLs instead of the
origin's, and the platforms post them like any other article. Every page added here is an
`Article` whose `event` is the origin's URL (siblings: their own) and whose `relation` says
how it got there; `riverbed.demo.articles` renders it (a copy with its origin's body and a
credit line).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import TypeVar

from riverbed.demo.feeds import ItemSpec
from riverbed.demo.model import (
    COVERAGE,
    CROSSPOST,
    ORIGIN,
    PRESS_RELEASE,
    SIBLING,
    SYNDICATED,
    Article,
    DateContent,
)
from riverbed.demo.plan import NEWS_SITES, FeedPlan, Plan
from riverbed.demo.text import (
    Slots,
    capitalise,
    fill,
    news_content_html,
    news_summary_html,
    slugify,
    usable_templates,
)
from riverbed.demo.words import (
    PRESS_BY_KIND,
    PRESS_SENTENCES,
    PRESS_TITLES,
    SERVICES,
    STORY_TITLES,
    TOPIC_BY_TAG,
)

T = TypeVar("T")

# a news story of the date: (article, kind, the feeds that carried it, published, headline
# forms with the article's first, topic) — as `timeline.generate_date` builds them
NewsStory = tuple[Article, str, list[FeedPlan], datetime, tuple[str, ...], str]
BlogPost = tuple[FeedPlan, ItemSpec, Article]


@dataclass(frozen=True, slots=True)
class Copy:
    """Another URL of an event, which an aggregator may link instead of the origin's."""

    url: str
    title: str
    published: datetime


COVERAGE_RATE = 0.35  # news stories another outlet covers too
SECOND_OUTLET_RATE = 0.3  # ... and of those, covered by two other outlets
NEWS_COPIES = (4, 6)  # news stories republished by a partner, per date
PARTNER_SITE_RATE = 0.25  # ... by another news site rather than the wire
CROSSPOSTS = (4, 6)  # blog posts cross-posted to Codeleaf, per date
PRESS_KINDS = ("incident", "acquisition", "funding")  # news a company announces itself
PRESS_RATE = 0.5
ACQUIRED_POST_RATE = 0.5  # an acquisition announced by the acquired company too
SIBLING_KINDS = ("release", "security", "incident")
SIBLINGS = (2, 3)  # per date


# The facts that identify a news event of each kind: two stories stating them report one
# event, whoever wrote them and whichever day (other details, a release's highlighted
# feature, may differ).
EVENT_FACTS: dict[str, tuple[str, ...]] = {
    "release": ("product", "version"),
    "security": ("product", "cve"),
    "incident": ("brand", "service", "problem"),
    "acquisition": ("brand", "brand2"),
    "funding": ("brand", "round", "money"),
    "research": ("thing", "metric", "pct"),
}


def same_events(articles: Iterable[Article]) -> dict[str, str]:
    """Events that are one: the news stories of a window are drawn independently, so two
    outlets (or one, on two days) may report the same release, CVE, deal, round, outage or
    paper (`EVENT_FACTS`). Returns, for each event key that is another's, that other key:
    the event of the earliest such article (then the smallest URL). Blog posts are events
    of their own, whatever their titles share."""
    by_facts: dict[tuple[str, ...], list[Article]] = {}
    for art in articles:
        if art.story_kind in EVENT_FACTS:
            facts = tuple(art.slots[k] for k in EVENT_FACTS[art.story_kind])
            by_facts.setdefault((art.story_kind, *facts), []).append(art)
    same: dict[str, str] = {}
    for group in by_facts.values():
        first = min(group, key=lambda a: (a.published, a.url)).event_key
        same.update((a.event_key, first) for a in group if a.event_key != first)
    return same


def _weighted_sample(
    rng: random.Random, pool: Sequence[T], weights: Sequence[int], k: int
) -> list[T]:
    left, left_weights = list(pool), list(weights)
    picked: list[T] = []
    for _ in range(min(k, len(left))):
        i = rng.choices(range(len(left)), weights=left_weights)[0]
        picked.append(left.pop(i))
        left_weights.pop(i)
    return picked


class _Publisher:
    """Publishes the date's extra articles and their feed entries into `out`."""

    def __init__(
        self,
        plan: Plan,
        rng: random.Random,
        d: date,
        out: DateContent,
        unique_path: Callable[[str, str], str],
    ) -> None:
        self.plan, self.rng, self.d, self.out, self.unique_path = plan, rng, d, out, unique_path
        self.start = datetime(d.year, d.month, d.day, tzinfo=UTC)
        self.end = self.start + timedelta(days=1, seconds=-1)
        self.news_feeds = plan.by_kind("news")
        self.companies = {f.brand: f for f in plan.by_kind("company")}
        self.wire = plan.by_kind("wire")[0]
        self.crosspost = plan.by_kind("crosspost")[0]
        self.copies: dict[str, list[Copy]] = {}

    def later(self, when: datetime, lo_s: int, hi_s: int) -> datetime:
        return min(when + timedelta(seconds=self.rng.randint(lo_s, hi_s)), self.end)

    def earlier(self, when: datetime, lo_s: int, hi_s: int) -> datetime:
        return max(when - timedelta(seconds=self.rng.randint(lo_s, hi_s)), self.start)

    def keep(self, art: Article) -> Article:
        self.out.articles.append(art)
        if art.relation not in (ORIGIN, SIBLING):
            self.copies.setdefault(art.event_key, []).append(
                Copy(art.url, art.title, art.published)
            )
        return art

    def site_feeds(self, host: str, topic: str) -> list[FeedPlan]:
        """A news site's all-stories feed, and its section feed when `topic` is its section."""
        feeds = [f for f in self.news_feeds if f.spec.host == host]
        return [feeds[0]] + ([feeds[1]] if topic == feeds[1].topics[0] else [])

    def entry(
        self,
        fp: FeedPlan,
        art: Article,
        categories: list[str],
        summary: str,
        content: str | None,
    ) -> None:
        guid, perma = fp.entry_guid(self.rng, art.url, art.path, self.d)
        shown, is_html = fp.styled_title(art.title, art.slots["product"])
        self.out.items[fp.spec.source_id].append(
            ItemSpec(
                guid=guid,
                title=shown,
                link=art.path if fp.relative_links else art.url,
                published=art.published,
                author=art.author,
                categories=categories,
                guid_is_permalink=perma,
                summary_html=summary,
                content_html=content,
                image_url=art.image_url,
                title_is_html=is_html,
            )
        )

    def news_story(
        self, host: str, title: str, when: datetime, slots: Slots, kind: str, topic: str
    ) -> Article:
        """A story of news site `host`, in its feeds, with text of its own."""
        site = next(name for h, name, _ in NEWS_SITES if h == host)
        media = "media." + host.removeprefix("www.").removeprefix("news.")
        d = self.d
        path = self.unique_path(host, f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{slugify(title)}")
        image = f"http://{media}/img/{d.year:04d}/{slugify(title, 40)}.png"
        self.out.images.add((media, image.split(media, 1)[1]))
        feeds = self.site_feeds(host, topic)
        author = self.rng.choice(feeds[0].authors)[0]
        art = Article(
            host,
            path,
            f"http://{host}{path}",
            site,
            title,
            author,
            when,
            slots,
            image,
            thin=self.rng.random() < 0.03,
            story_kind=kind,
        )
        for fp in feeds:
            self.entry(
                fp,
                art,
                [topic, kind],
                news_summary_html(self.rng, slots, kind, art.url, image),
                news_content_html(self.rng, slots, kind, image) if fp.full_content else None,
            )
        return art

    def blog_post(self, fp: FeedPlan, title: str, when: datetime, slots: Slots) -> Article:
        """A company's announcement on its own blog, in its feed."""
        d = self.d
        path = self.unique_path(
            fp.spec.host,
            fp.post_path.format(
                yyyy=f"{d.year:04d}", mm=f"{d.month:02d}", dd=f"{d.day:02d}", slug=slugify(title)
            ),
        )
        url = f"http://{fp.spec.host}{path}"
        image = None
        if self.rng.random() < 0.5:
            image = f"http://{fp.spec.host}/images/{slugify(title, 40)}-{when:%H%M}.png"
            self.out.images.add((fp.spec.host, image.split(fp.spec.host, 1)[1]))
        author = self.rng.choice(fp.authors)[0]
        return Article(fp.spec.host, path, url, fp.site_name, title, author, when, slots, image)


def add_event_copies(
    plan: Plan,
    seed: int,
    d: date,
    out: DateContent,
    stories: Sequence[NewsStory],
    blog_posts: Sequence[BlogPost],
    unique_path: Callable[[str, str], str],
) -> dict[str, list[Copy]]:
    """Add the date's other URLs of its events to `out` (articles, feed entries, images).

    Returns, by origin URL, the other URLs of that event that aggregators may link instead.
    Depends on (seed, d) and what `out` already holds only.
    """
    p = _Publisher(plan, random.Random(f"{seed}:events:{d.isoformat()}"), d, out, unique_path)
    for story in stories:
        if p.rng.random() < COVERAGE_RATE:
            _coverage(p, story)
    candidates = [s for s in stories if s[1] in SIBLING_KINDS]
    for story in p.rng.sample(candidates, min(len(candidates), p.rng.randint(*SIBLINGS))):
        _sibling(p, story)
    for story in p.rng.sample(list(stories), min(len(stories), p.rng.randint(*NEWS_COPIES))):
        _syndicated(p, story)
    posts = [b for b in blog_posts if not b[2].thin]
    for post in p.rng.sample(list(posts), min(len(posts), p.rng.randint(*CROSSPOSTS))):
        _crosspost(p, post)
    for story in stories:
        if story[1] in PRESS_KINDS and p.rng.random() < PRESS_RATE:
            _press_releases(p, story)
    return p.copies


def _other_sites(p: _Publisher, host: str, topic: str, k: int) -> list[str]:
    sites = [(h, topics) for h, _, topics in NEWS_SITES if h != host]
    weights = [3 if topic in topics else 1 for _, topics in sites]
    return [h for h, _ in _weighted_sample(p.rng, sites, weights, k)]


def _coverage(p: _Publisher, story: NewsStory) -> None:
    art, kind, _, when, forms, topic = story
    reworded = [f for f in forms if f != art.title] or list(forms)
    p.rng.shuffle(reworded)
    k = 2 if p.rng.random() < SECOND_OUTLET_RATE else 1
    for i, host in enumerate(_other_sites(p, art.host, topic, k)):
        title = reworded[i % len(reworded)]
        cover = p.news_story(host, title, p.later(when, 20 * 60, 8 * 3600), art.slots, kind, topic)
        cover.event, cover.relation = art.url, COVERAGE
        p.keep(cover)


def _sibling_slots(rng: random.Random, slots: Slots, kind: str) -> Slots | None:
    """Facts of another event of the same kind about the same product or company: the
    generic details drawn again, and the identifying fact (version, CVE, service) changed."""
    topic = TOPIC_BY_TAG[slots["tag"]]
    product = next(p for p in topic.products if p.name == slots["product"])
    new = dict(slots)
    new.update(
        thing=rng.choice(topic.things),
        problem=rng.choice(topic.problems),
        metric=rng.choice(topic.metrics),
        pct=str(rng.choice((15, 20, 25, 33, 38, 42, 48, 55, 65, 75))),
        n=str(rng.randint(2, 14)),
        feature=rng.choice(product.features),
    )
    if kind == "release":  # another release line, or else a point release
        versions = [v for v in product.versions if v != slots["version"]]
        if not versions and not slots["version"][-1:].isdigit():
            return None
        new["version"] = rng.choice(versions) if versions else f"{slots['version']}.1"
        features = [f for f in product.features if f != slots["feature"]]
        new["feature"] = rng.choice(features or list(product.features))
    elif kind == "security":
        new["cve"] = f"CVE-{slots['year']}-{rng.randint(10000, 59999)}"
    else:  # incident: another outage of the same company
        new["service"] = rng.choice([s for s in SERVICES if s != slots["service"]])
        new["hours"] = str(rng.choice([h for h in (2, 3, 4, 6, 9) if str(h) != slots["hours"]]))
    return new


def _sibling(p: _Publisher, story: NewsStory) -> None:
    art, kind, _, when, _, topic = story
    slots = _sibling_slots(p.rng, art.slots, kind)
    if slots is None:
        return
    title = capitalise(p.rng.choice(STORY_TITLES[kind]).format_map(slots))
    [host] = _other_sites(p, art.host, topic, 1)
    sibling = p.news_story(host, title, p.later(when, 0, 12 * 3600), slots, kind, topic)
    sibling.relation, sibling.like = SIBLING, art.url
    p.keep(sibling)


def _syndicated(p: _Publisher, story: NewsStory) -> None:
    art, kind, origin, when, _, topic = story
    item = next(i for i in p.out.items[origin[0].spec.source_id] if i.link == art.url)
    site, d = art.site_name, p.d
    if p.rng.random() < PARTNER_SITE_RATE:
        [host] = _other_sites(p, art.host, topic, 1)
        feeds = p.site_feeds(host, topic)
        name = next(n for h, n, _ in NEWS_SITES if h == host)
        path = p.unique_path(host, f"/partners/{slugify(site)}/{slugify(art.title)}")
        title = p.rng.choice((f"{art.title} (via {site})", f"{site}: {art.title}"))
    else:
        host, feeds, name = p.wire.spec.host, [p.wire], p.wire.site_name
        path = p.unique_path(
            host, f"/stories/{d.year:04d}-{d.month:02d}-{d.day:02d}/{slugify(art.title)}"
        )
        title = p.rng.choice(
            (art.title, art.title, f"{art.title} (via {site})", f"{art.title} | {site}")
        )
    url = f"http://{host}{path}"
    copy = Article(
        host,
        path,
        url,
        name,
        title,
        art.author,
        p.later(when, 3600, 6 * 3600),
        art.slots,
        art.image_url,
        story_kind=kind,
        event=art.url,
        relation=SYNDICATED,
        copy_of=art.url,
        credit=f"This story originally appeared on {site} and is republished with permission.",
    )
    summary = item.summary_html.replace(art.url, url)
    content = item.content_html.replace(art.url, url) if item.content_html else None
    for fp in feeds:
        p.entry(fp, copy, [topic, kind], summary, content)
    p.keep(copy)


def _crosspost(p: _Publisher, post: BlogPost) -> None:
    blog, item, art = post
    host = p.crosspost.spec.host
    slug = f"{slugify(art.title, 50)}-{p.rng.getrandbits(24):06x}"
    path = p.unique_path(host, f"/@{blog.spec.source_id}/{slug}")
    url = f"http://{host}{path}"
    # most authors keep their title; some add where it first appeared
    site = blog.site_name
    title = p.rng.choice((art.title,) * 3 + (f"{art.title} | {site}", f"{art.title} (via {site})"))
    copy = Article(
        host,
        path,
        url,
        p.crosspost.site_name,
        title,
        art.author,
        p.later(art.published, 30 * 60, 12 * 3600),
        art.slots,
        art.image_url,
        event=art.url,
        relation=CROSSPOST,
        copy_of=art.url,
        credit=f"Originally published at {blog.site_name}.",
    )
    summary = item.summary_html.replace(art.url, url)
    content = item.content_html.replace(art.url, url) if item.content_html else None
    p.entry(p.crosspost, copy, [art.slots["tag"]], summary, content)
    p.keep(copy)


def _press_summary(rng: random.Random, slots: Slots, kind: str, link: str) -> str:
    lede = fill(rng.choice(usable_templates(PRESS_BY_KIND[kind], slots)), slots)
    rest = usable_templates(PRESS_BY_KIND[kind] + PRESS_SENTENCES, slots)
    more = [fill(t, slots) for t in rng.sample(rest, 2)]
    text = " ".join(dict.fromkeys([lede, *more]))
    return f'<p>{escape(text)}</p>\n<p><a href="{escape(link)}">Continue reading &#8594;</a></p>'


def _press_releases(p: _Publisher, story: NewsStory) -> None:
    art, kind, _, when, _, _ = story
    slots = art.slots
    posters = [(slots["brand"], kind)]
    if kind == "acquisition" and p.rng.random() < ACQUIRED_POST_RATE:
        posters.append((slots["brand2"], "acquired"))
    for brand, voice in posters:
        fp = p.companies.get(brand)
        if fp is None or (voice == "acquired" and brand == slots["brand"]):
            continue
        title = fill(p.rng.choice(PRESS_TITLES[voice]), slots)
        # a company announces a deal or a round before the press writes it up, and explains
        # an outage after it
        published = (
            p.later(when, 3600, 10 * 3600)
            if kind == "incident"
            else p.earlier(when, 5 * 60, 90 * 60)
        )
        release = p.blog_post(fp, title, published, slots)
        release.story_kind, release.event, release.relation = kind, art.url, PRESS_RELEASE
        summary = _press_summary(p.rng, slots, kind, release.url)
        p.entry(fp, release, [slots["tag"], kind], summary, summary if fp.full_content else None)
        p.keep(release)
