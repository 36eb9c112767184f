"""What the demo's publishers put out on one calendar date: blog posts, news stories, other
URLs of the same events (`riverbed.demo.events`: coverage, syndicated copies, press
releases), aggregators picking stories up under variant URLs — now and then under another
URL of the event. Depends on (seed, date) only, so every corpus whose window covers the date
sees the same items."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from riverbed.demo.events import BlogPost, Copy, NewsStory, add_event_copies
from riverbed.demo.feeds import FeedFormat, ItemSpec
from riverbed.demo.model import Article, DateContent, Occurrence, PendingShare
from riverbed.demo.plan import NEWS_SITES, FeedPlan, Plan
from riverbed.demo.text import (
    Slots,
    brand_title,
    capitalise,
    content_html,
    discussion_page,
    make_slots,
    news_content_html,
    news_summary_html,
    post_title,
    sentences,
    slugify,
    summary_html,
)
from riverbed.demo.words import FIRST_NAMES, SPONSORS, STORY_TITLES, TOPIC_BY_TAG

SHARED_STORIES_PER_DATE = 21  # stories per date that aggregators pick up (~63 per corpus)
COPY_LINK_RATE = 0.3  # an aggregator links another URL of the event, when it has one

URL_VARIANTS = ("plain", "utm", "host_case", "trailing_slash", "https", "fragment", "utm_fragment")
URL_VARIANT_WEIGHTS = (34, 20, 10, 12, 5, 10, 9)


def _host_case(host: str) -> str:
    return ".".join(label.capitalize() for label in host.split("."))


def url_variant(
    rng: random.Random, url: str, source_id: str, *, allow_https: bool = True
) -> tuple[str, str]:
    """The URL as a re-publisher might write it, and which variation was applied.

    `https` is the one variation URL canonicalisation does not undo (the scheme is kept),
    and the replay server speaks plain HTTP only, so callers allow it only where the story
    already has two members with one canonical URL.
    """
    variant = rng.choices(URL_VARIANTS, weights=URL_VARIANT_WEIGHTS)[0]
    if variant == "https" and not allow_https:
        variant = "plain"
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    path = "/" + path
    utm = f"?utm_source={source_id}&utm_medium=rss&utm_campaign=feed"
    if variant == "utm":
        return f"{url}{utm}", variant
    if variant == "host_case":
        return f"{scheme}://{_host_case(host)}{path}", variant
    if variant == "trailing_slash":
        toggled = path[:-1] if path.endswith("/") else path + "/"
        return f"{scheme}://{host}{toggled}", variant
    if variant == "https":
        return f"https://{rest}", variant
    if variant == "fragment":
        return f"{url}#{rng.choice(('comments', 'top', 'discussion'))}", variant
    if variant == "utm_fragment":
        return f"{url}{utm}#comments", variant
    return url, variant


def _story_slots(rng: random.Random, topic: str, year: int, brands: list[str]) -> Slots:
    slots = make_slots(rng, TOPIC_BY_TAG[topic], year, rng.choice(brands))
    second = rng.choice([b for b in brands if b != slots["brand"]])  # no company buys itself
    slots.update(
        brand2=second,
        brand2_title=brand_title(second),
        cve=f"CVE-{year}-{rng.randint(10000, 59999)}",
        money=str(rng.choice((12, 25, 40, 75, 120, 200))),
        round=rng.choice(("A", "B", "C")),
    )
    return slots


def _weighted_sample(
    rng: random.Random, pool: list[FeedPlan], weights: list[int], k: int
) -> list[FeedPlan]:
    pool, weights = list(pool), list(weights)
    picked: list[FeedPlan] = []
    for _ in range(min(k, len(pool))):
        i = rng.choices(range(len(pool)), weights=weights)[0]
        picked.append(pool.pop(i))
        weights.pop(i)
    return picked


def generate_date(plan: Plan, seed: int, d: date) -> DateContent:
    """Everything published on calendar date `d` (UTC), whatever corpus day asks for it."""
    rng = random.Random(f"{seed}:{d.isoformat()}")
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    end = start + timedelta(days=1, seconds=-1)
    out = DateContent(items={f.spec.source_id: [] for f in plan.feeds})
    used_paths: set[tuple[str, str]] = set()
    brands = [f.brand for f in plan.by_kind("company")]
    posts_by_tag: dict[str, list[BlogPost]] = {}
    blog_posts: list[BlogPost] = []

    def at(lo_s: int = 0, hi_s: int = 86399) -> datetime:
        return start + timedelta(seconds=rng.randint(lo_s, hi_s))

    def unique_path(host: str, path: str) -> str:
        candidate, n = path, 2
        while (host, candidate) in used_paths:
            stem = path.rstrip("/")
            candidate = f"{stem}-{n}" + ("/" if path.endswith("/") else "")
            n += 1
        used_paths.add((host, candidate))
        return candidate

    # 1. blog posts
    for fp in plan.by_kind("company", "personal"):
        n = rng.randint(fp.rate - 1, fp.rate + 1) if fp.kind == "company" else rng.randint(2, 3)
        for _ in range(n):
            tag = rng.choice(fp.topics)
            slots = make_slots(rng, TOPIC_BY_TAG[tag], d.year, fp.brand)
            title = post_title(rng, slots)
            when = at()
            path = unique_path(
                fp.spec.host,
                fp.post_path.format(
                    yyyy=f"{d.year:04d}",
                    mm=f"{d.month:02d}",
                    dd=f"{d.day:02d}",
                    slug=slugify(title),
                ),
            )
            link = f"http://{fp.spec.host}{path}"
            author, email = rng.choice(fp.authors)
            image = None
            if rng.random() < 0.5:
                image = f"http://{fp.spec.host}/images/{slugify(title, 40)}-{when:%H%M}.png"
                out.images.add((fp.spec.host, image.split(fp.spec.host, 1)[1]))
            guid, perma = fp.entry_guid(rng, link, path, d)
            shown, is_html = fp.styled_title(title, slots["product"])
            item = ItemSpec(
                guid=guid,
                title=shown,
                link=path if fp.relative_links else link,
                published=when,
                author=author,
                author_email=email if rng.random() < 0.5 else None,
                categories=sorted({tag, slugify(slots["product"])}),
                summary_html=summary_html(rng, slots, link, image, hostile=rng.random() < 0.05),
                content_html=content_html(rng, slots, image) if fp.full_content else None,
                comments_url=f"{link}#comments" if fp.comments else None,
                comments_count=rng.randint(0, 40) if fp.comments else None,
                guid_is_permalink=perma,
                updated=min(when + timedelta(hours=rng.randint(1, 6)), end)
                if rng.random() < 0.1
                else None,
                image_url=image,
                title_is_html=is_html,
            )
            if fp.spec.format is FeedFormat.RSS20 and rng.random() < 0.01:
                item.title = None  # RSS 2.0 allows it; the pipeline must cope
            out.items[fp.spec.source_id].append(item)
            art = Article(
                fp.spec.host,
                path,
                link,
                fp.site_name,
                title,
                author,
                when,
                slots,
                image,
                thin=rng.random() < 0.02,
            )
            out.articles.append(art)
            posts_by_tag.setdefault(tag, []).append((fp, item, art))
            blog_posts.append((fp, item, art))
        if fp.repeats_entry and out.items[fp.spec.source_id]:
            first = out.items[fp.spec.source_id][0]
            out.items[fp.spec.source_id].append(replace(first))  # same GUID twice

    # 2. news stories; some become shared stories
    news_feeds = plan.by_kind("news")
    stories: list[NewsStory] = []
    for host, site, topics in NEWS_SITES:
        feeds = [f for f in news_feeds if f.spec.host == host]
        all_feed, section_feed = feeds[0], feeds[1]
        media = "media." + host.removeprefix("www.").removeprefix("news.")
        for i in range(rng.randint(3, 6)):
            topic = topics[0] if i < 2 else rng.choice(topics)
            kind = rng.choices(list(STORY_TITLES), weights=(35, 15, 15, 10, 15, 10))[0]
            slots = _story_slots(rng, topic, d.year, brands)
            forms = [capitalise(f.format_map(slots)) for f in STORY_TITLES[kind]]
            rng.shuffle(forms)
            title = forms[0]
            when = at(0, 16 * 3600)
            path = unique_path(host, f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{slugify(title)}")
            url = f"http://{host}{path}"
            image = f"http://{media}/img/{d.year:04d}/{slugify(title, 40)}.png"
            out.images.add((media, image.split(media, 1)[1]))
            author = rng.choice(all_feed.authors)[0]
            art = Article(
                host, path, url, site, title, author, when, slots, image, thin=rng.random() < 0.03
            )
            art.story_kind = kind
            out.articles.append(art)
            origin = [all_feed] + ([section_feed] if topic == topics[0] else [])
            for fp in origin:
                guid, perma = fp.entry_guid(rng, url, path, d)
                shown, is_html = fp.styled_title(title, slots["product"])
                out.items[fp.spec.source_id].append(
                    ItemSpec(
                        guid=guid,
                        title=shown,
                        link=url,
                        published=when,
                        author=author,
                        categories=[topic, kind],
                        guid_is_permalink=perma,
                        summary_html=news_summary_html(rng, slots, kind, url, image),
                        content_html=news_content_html(rng, slots, kind, image)
                        if fp.full_content
                        else None,
                        image_url=image,
                        title_is_html=is_html,
                    )
                )
            stories.append((art, kind, origin, when, tuple(forms), topic))

    # 3. other URLs of the same events: coverage, syndicated copies, press releases
    copies = add_event_copies(plan, seed, d, out, stories, blog_posts, unique_path)
    crng = random.Random(f"{seed}:copy-links:{d.isoformat()}")

    def pick_link(url: str, title: str, when: datetime) -> tuple[str, str, datetime] | None:
        """Sometimes an aggregator links another URL of the event than the origin's."""
        others: list[Copy] = copies.get(url, [])
        if not others or crng.random() >= COPY_LINK_RATE:
            return None
        other = crng.choice(others)
        return other.url, other.title, max(when, other.published)

    # 4. aggregators pick up shared stories, blog posts, self posts
    aggregators = plan.by_kind("community", "newsletter", "planet")
    pickers = [a for a in aggregators if a.kind != "planet"]

    def aggregate(
        fp: FeedPlan,
        url: str,
        title: str,
        when: datetime,
        slots: Slots,
        *,
        exact: bool = False,
        origin_title: str | None = None,  # when set, https variants are allowed and use it
    ) -> tuple[Occurrence, str]:
        written, variant = (
            (url, "plain")
            if exact
            else url_variant(rng, url, fp.spec.source_id, allow_https=origin_title is not None)
        )
        if variant == "https" and origin_title:
            title = origin_title  # so near-duplicate (title) merging can still join it
        posted = min(when + timedelta(seconds=rng.randint(600, 8 * 3600)), end)
        comments_url, count = None, None
        if fp.kind == "community":
            number = rng.randint(100000, 999999)
            comments_url = f"http://{fp.spec.host}/item/{number}"
            count = rng.randint(0, 250)
            out.discussions[(fp.spec.host, f"/item/{number}")] = discussion_page(
                fp.site_name, title, written, _comments(rng, slots)
            ).encode()
        guid = comments_url or _free_guid(
            out.items[fp.spec.source_id],
            f"tag:{fp.spec.host},{d.isoformat()}:{slugify(title)}",
            written,
        )
        shown, is_html = fp.styled_title(title, slots["product"])
        out.items[fp.spec.source_id].append(
            ItemSpec(
                guid=guid,
                title=shown,
                link=written,
                published=posted,
                author=rng.choice(FIRST_NAMES).lower() + str(rng.randint(1, 99))
                if fp.kind == "community"
                else None,
                categories=[slots["tag"]],
                summary_html=summary_html(rng, slots, written, None),
                comments_url=comments_url,
                comments_count=count,
                title_is_html=is_html,
            )
        )
        return Occurrence(fp.spec.source_id, written, title, variant), guid

    for art, kind, origin, when, headlines, topic in rng.sample(stories, SHARED_STORIES_PER_DATE):
        k_max = 8 - len(origin)
        k = rng.choices(range(1, k_max + 1), weights=(30, 25, 18, 12, 8, 5, 2)[:k_max])[0]
        weights = [4 if topic in a.topics else 1 for a in pickers]
        share = PendingShare(art.url, art.title, kind, [])
        for fp in origin:
            origin_guid = next(i.guid for i in out.items[fp.spec.source_id] if i.link == art.url)
            share.occurrences.append(
                (Occurrence(fp.spec.source_id, art.url, art.title, "plain"), origin_guid or "")
            )
        solid = len(origin)  # entries linking the origin's URL, not spelled https
        for fp in _weighted_sample(rng, pickers, weights, k):
            title = headlines[0] if rng.random() < 0.6 else rng.choice(headlines[1:])
            other = pick_link(art.url, title, when)
            if other is not None:
                link, retitled, seen = other
                share.occurrences.append(aggregate(fp, link, retitled, seen, art.slots))
                continue
            occurrence = aggregate(
                fp,
                art.url,
                title,
                when,
                art.slots,
                origin_title=headlines[0] if solid >= 2 else None,
            )
            solid += occurrence[0].variant != "https"
            share.occurrences.append(occurrence)
        out.shares.append(share)

    for fp in aggregators:
        pool = [p for tag in fp.topics for p in posts_by_tag.get(tag, [])]
        if not pool:
            continue
        for blog, item, art in rng.sample(pool, min(len(pool), rng.randint(2, 4))):
            share = PendingShare(art.url, art.title, "blog", [])
            share.occurrences.append(
                (Occurrence(blog.spec.source_id, art.url, art.title, "plain"), item.guid or "")
            )
            moved = None if fp.kind == "planet" else pick_link(art.url, art.title, art.published)
            url, title, when = moved or (art.url, art.title, art.published)
            share.occurrences.append(
                aggregate(fp, url, title, when, art.slots, exact=fp.kind == "planet")
            )
            out.shares.append(share)
        if fp.kind == "community" and rng.random() < 0.5:
            slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(fp.topics)], d.year)
            number = rng.randint(100000, 999999)
            page = f"http://{fp.spec.host}/item/{number}"
            title = f"Ask {fp.site_name.removesuffix(' News')}: how do you handle {slots['thing']}?"
            out.discussions[(fp.spec.host, f"/item/{number}")] = discussion_page(
                fp.site_name, title, page, _comments(rng, slots)
            ).encode()
            out.self_posts.append(page)
            out.items[fp.spec.source_id].append(
                ItemSpec(
                    guid=page,
                    title=title,
                    link=page,
                    published=at(),
                    guid_is_permalink=True,
                    author=rng.choice(FIRST_NAMES).lower() + str(rng.randint(1, 99)),
                    summary_html=f"<p>{' '.join(sentences(rng, slots, 2))}</p>",
                    comments_url=page,
                    comments_count=rng.randint(3, 120),
                    categories=[slots["tag"]],
                )
            )
        if fp.kind == "community" and rng.random() < 0.3:
            blog = rng.choice(plan.by_kind("company", "personal"))
            slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(blog.topics)], d.year, blog.brand)
            title = post_title(rng, slots)
            dead = f"http://{blog.spec.host}/drafts/{slugify(title)}"  # never published: 404
            out.dead_links.append(dead)
            aggregate(fp, dead, title, at(0, 20 * 3600), slots)
        if fp.kind == "newsletter" and rng.random() < 0.35:
            sponsor = rng.choice(plan.by_kind("company"))
            title = rng.choice(SPONSORS).format(brand_title=brand_title(sponsor.brand))
            link = f"http://{sponsor.spec.host}/?ref={fp.spec.source_id}"
            out.items[fp.spec.source_id].append(
                ItemSpec(
                    guid=f"tag:{fp.spec.host},{d.isoformat()}:sponsor",
                    title=title,
                    link=link,
                    published=at(),
                    summary_html=f"<p>{title.removeprefix('Sponsored: ')}.</p>",
                )
            )
    return out


def _comments(rng: random.Random, slots: Slots) -> list[tuple[str, str]]:
    return [
        (rng.choice(FIRST_NAMES).lower() + str(rng.randint(1, 99)), s)
        for s in sentences(rng, slots, rng.randint(2, 5))
    ]


def _free_guid(items: list[ItemSpec], guid: str, link: str) -> str:
    """`guid`, or `guid-2`, `guid-3` … when the feed already has an entry with that GUID and
    another link: two stories of one day with the same title (a generated title can repeat)
    are two entries, not one (found on 2026-11-27: the pipeline rightly kept one of them)."""
    taken = {i.guid: i.link for i in items}
    candidate, n = guid, 1
    while candidate in taken and taken[candidate] != link:
        n += 1
        candidate = f"{guid}-{n}"
    return candidate
