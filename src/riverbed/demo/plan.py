"""The plan of the demo corpus: feeds, hosts, formats and publishing habits. It depends
on the seed only, so the catalogue written on the first demo run stays valid on every
later day."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from riverbed.demo.feeds import CONTENT_TYPES, FeedFormat, FeedSpec
from riverbed.demo.text import brand_title, capitalise, slugify
from riverbed.demo.words import BRAND_HEADS, BRAND_TAILS, FIRST_NAMES, LAST_NAMES, TOPICS

NEWS_SITES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # host, site name, topics (the first also has its own section feed)
    ("www.techwire.news", "TechWire", ("databases", "devops", "security")),
    ("thestackledger.com", "The Stack Ledger", ("distributed-systems", "databases", "devops")),
    ("www.devdispatch.net", "Dev Dispatch", ("web", "programming-languages", "python")),
    ("www.bytechronicle.com", "Byte Chronicle", ("security", "linux", "web")),
    ("news.circuitpost.org", "Circuit Post", ("linux", "rust", "go")),
    ("opensourcejournal.org", "Open Source Journal", ("python", "rust", "linux")),
    ("www.packetgazette.com", "Packet Gazette", ("observability", "devops", "distributed-systems")),
    ("www.modelreport.ai", "The Model Report", ("machine-learning", "python", "databases")),
)

COMPANY_HOSTS = (
    ("blog.{b}.dev", "{B} Blog", "{b}"),
    ("{b}-engineering.io", "{B} Engineering", "{b}-eng"),
    ("engineering.{b}.com", "{B} Engineering Blog", "{b}-engineering"),
    ("www.{b}.io", "The {B} Blog", "{b}"),
    ("dev.{b}.io", "{B} Developers", "{b}-dev"),
    ("{b}.tech", "{B} Tech Notes", "{b}-tech"),
)
PERSONAL_HOSTS = (
    ("{f}{l}.net", "{F} {L}", "{f}-{l}"),
    ("{f}-{l}.dev", "{F} {L}'s blog", "{f}-{l}"),
    ("blog.{f}{l}.me", "Notes by {F} {L}", "{f}-{l}"),
    ("{f}.{l}.name", "{F} {L} — writing", "{f}-{l}"),
)
FEED_PATHS: dict[FeedFormat, tuple[str, ...]] = {
    FeedFormat.RSS20: ("/feed.xml", "/rss.xml", "/feed/", "/blog/rss.xml", "/index.xml"),
    FeedFormat.ATOM10: ("/atom.xml", "/feed.atom", "/feeds/all.atom.xml", "/blog/atom.xml"),
    FeedFormat.JSONFEED11: ("/feed.json", "/feeds/posts.json"),
    FeedFormat.RDF10: ("/index.rdf", "/rss10.rdf"),
    FeedFormat.RSS091: ("/rss091.xml", "/backend.rss"),
}
# Syndicators republish other publishers' articles under their own URLs: a news wire
# (partner newsrooms' stories) and a blogging platform (posts cross-posted by their authors).
# host, site name, plan kind, feed role, format, feed path, description
SYNDICATORS: tuple[tuple[str, str, str, str, FeedFormat, str, str], ...] = (
    (
        "www.devnewswire.com",
        "DevNews Wire",
        "wire",
        "news",
        FeedFormat.RSS20,
        "/feed/",
        "Technology news from partner newsrooms",
    ),
    (
        "www.codeleaf.pub",
        "Codeleaf",
        "crosspost",
        "blog",
        FeedFormat.ATOM10,
        "/feed.atom",
        "Engineering writing, cross-posted by its authors",
    ),
)

POST_PATHS = (
    "/{yyyy}/{mm}/{dd}/{slug}/",
    "/posts/{slug}",
    "/blog/{slug}.html",
    "/{yyyy}/{mm}/{slug}",
    "/p/{slug}",
    "/blog/{yyyy}/{slug}",
)


@dataclass(slots=True)
class FeedPlan:
    """A catalogue source and how it writes (stable across days)."""

    spec: FeedSpec  # items empty: filled per date
    brand: str
    site_name: str
    kind: str  # company | personal | news | community | newsletter | planet | wire | crosspost
    rate: int  # entries per date
    authors: list[tuple[str, str | None]]  # (name, email)
    post_path: str
    guid_style: str  # permalink | tag | wp | uuid
    comments: bool
    full_content: bool
    smart_quotes: bool
    html_titles: bool
    relative_links: bool = False
    repeats_entry: bool = False
    topics: tuple[str, ...] = ()
    # wp-style post ids given so far (id -> link): a drawn id another link holds is drawn
    # again (found on 2026-12-08: two posts of one feed drew the same `?p=` id)
    wp_ids: dict[int, str] = field(default_factory=dict)

    def entry_guid(self, rng: random.Random, link: str, path: str, d: date) -> tuple[str, bool]:
        """The GUID this feed gives an entry linking `link` (at `path`, published on `d`),
        and whether it is a permalink."""
        style = self.guid_style
        if style == "permalink" and not self.relative_links:
            return link, True
        if style == "wp":
            post = rng.randint(1000, 99999)
            while self.wp_ids.setdefault(post, link) != link:
                post = rng.randint(1000, 99999)
            return f"http://{self.spec.host}/?p={post}", False
        if style == "uuid":
            return f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}", False
        return f"tag:{self.spec.host},{d.isoformat()}:{path}", False

    def styled_title(self, title: str, product: str) -> tuple[str, bool]:
        """`title` as this feed writes it (curly quotes, a `<code>` product name in an Atom
        html title), and whether it is HTML."""
        if self.smart_quotes:
            title = title.replace("'", "\u2019")
        if self.html_titles and product in title:
            return title.replace(product, f"<code>{product}</code>", 1), True
        return title, False


@dataclass(slots=True)
class Plan:
    feeds: list[FeedPlan]
    company_hosts: list[str]

    def by_kind(self, *kinds: str) -> list[FeedPlan]:
        return [f for f in self.feeds if f.kind in kinds]


def _brands(rng: random.Random, n: int) -> list[str]:
    combos = [h + t for h in BRAND_HEADS for t in BRAND_TAILS]
    return rng.sample(combos, n)


def _spec(
    rng: random.Random,
    *,
    source_id: str,
    host: str,
    fmt: FeedFormat,
    title: str,
    description: str,
    tags: list[str],
    role: str,
    every: str,
    path: str | None = None,
) -> FeedSpec:
    return FeedSpec(
        source_id=source_id,
        format=fmt,
        host=host,
        path=path or rng.choice(FEED_PATHS[fmt]),
        title=title,
        home_url=f"http://{host}/",
        description=description,
        tags=tags,
        role=role,
        content_type=rng.choices(CONTENT_TYPES[fmt], weights=(6, 2, 1)[: len(CONTENT_TYPES[fmt])])[
            0
        ],
        every=every,
        utc_offset_min=rng.choice((0, 0, 0, -420, -300, 60, 120, 330, 540)),
        gmt_spelling=rng.random() < 0.3,
        cdata=rng.random() < 0.6,
        icon_url=f"http://{host}/favicon.png" if rng.random() < 0.4 else None,
    )


def _formats(rng: random.Random) -> list[FeedFormat]:
    mix = (
        [FeedFormat.RSS20] * 62
        + [FeedFormat.ATOM10] * 45
        + [FeedFormat.JSONFEED11] * 28
        + [FeedFormat.RDF10] * 8
        + [FeedFormat.RSS091] * 7
    )
    rng.shuffle(mix)
    return mix


def _topic_tags(rng: random.Random, k: int) -> list[str]:
    return sorted(rng.sample([t.tag for t in TOPICS], k))


def build_plan(seed: int) -> Plan:
    """Feeds, hosts and their habits; depends on the seed only."""
    rng = random.Random(seed)
    formats = iter(_formats(rng))
    brands = iter(_brands(rng, 160))
    feeds: list[FeedPlan] = []
    company_hosts: list[str] = []

    def habits(fmt: FeedFormat) -> dict[str, Any]:
        return {
            "post_path": rng.choice(POST_PATHS),
            "guid_style": rng.choice(("permalink", "permalink", "tag", "wp", "uuid")),
            "comments": fmt in (FeedFormat.RSS20, FeedFormat.ATOM10) and rng.random() < 0.35,
            "full_content": rng.random() < 0.3,
            "smart_quotes": rng.random() < 0.3,
            "html_titles": fmt is FeedFormat.ATOM10 and rng.random() < 0.3,
        }

    # company engineering blogs
    for _ in range(75):
        brand = next(brands)
        pattern, title, sid = rng.choice(COMPANY_HOSTS)
        host = pattern.format(b=brand)
        fmt = next(formats)
        tags = _topic_tags(rng, rng.choice((1, 2, 2, 3)))
        name = title.format(B=brand_title(brand))
        domain = host.split(".", 1)[1] if host.startswith(("blog.", "www.", "dev.")) else host
        domain = domain.removeprefix("engineering.")
        people = rng.sample(
            [(f, last) for f in FIRST_NAMES for last in LAST_NAMES[:12]], rng.randint(2, 6)
        )
        authors: list[tuple[str, str | None]] = [
            (f"{f} {last}", f"{f.lower()}.{last.lower()}@{domain}") for f, last in people
        ]
        feeds.append(
            FeedPlan(
                spec=_spec(
                    rng,
                    source_id=sid.format(b=brand),
                    host=host,
                    fmt=fmt,
                    title=name,
                    description=f"Stories from the engineers building {brand_title(brand)}",
                    tags=tags,
                    role="blog",
                    every=rng.choice(("1h", "2h", "2h", "6h")),
                ),
                brand=brand,
                site_name=name,
                kind="company",
                rate=rng.randint(3, 8),
                authors=authors,
                topics=tuple(tags),
                **habits(fmt),
            )
        )
        company_hosts.append(host)
    # personal blogs
    people_pool = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    for first, last in rng.sample(people_pool, 30):
        pattern, title, sid = rng.choice(PERSONAL_HOSTS)
        f, lo = first.lower(), last.lower()
        host = pattern.format(f=f, l=lo)
        fmt = next(formats)
        tags = _topic_tags(rng, rng.choice((1, 1, 2)))
        name = title.format(F=first, L=last)
        email = f"{f}@{host.removeprefix('blog.')}" if rng.random() < 0.5 else None
        feeds.append(
            FeedPlan(
                spec=_spec(
                    rng,
                    source_id=sid.format(f=f, l=lo),
                    host=host,
                    fmt=fmt,
                    title=name,
                    description=f"{first} {last} writes about {', '.join(tags)}",
                    tags=tags,
                    role="blog",
                    every=rng.choice(("6h", "12h", "1d")),
                ),
                brand=f"{f}{lo}",
                site_name=name,
                kind="personal",
                rate=2,
                authors=[(f"{first} {last}", email)],
                topics=tuple(tags),
                **habits(fmt),
            )
        )
    # news sites: an all-stories feed and a section feed each
    for host, site, topics in NEWS_SITES:
        base = host.removeprefix("www.").removeprefix("news.")
        slug = slugify(site.removeprefix("The "))
        writers = rng.sample(people_pool, 5)
        authors = [(f"{f} {last}", None) for f, last in writers]
        for section in (None, topics[0]):
            fmt = next(formats)
            sid = slug if section is None else f"{slug}-{section}"
            path = (
                rng.choice(("/feed/", "/rss.xml", "/feeds/all.xml"))
                if section is None
                else (f"/tag/{section}/feed/")
            )
            if fmt is FeedFormat.JSONFEED11:
                path = "/feed.json" if section is None else f"/tag/{section}/feed.json"
            title = site if section is None else f"{site} — {capitalise(section.replace('-', ' '))}"
            feeds.append(
                FeedPlan(
                    spec=_spec(
                        rng,
                        source_id=sid,
                        host=host,
                        fmt=fmt,
                        title=title,
                        description=f"{site}: news for people who build software",
                        tags=["news", *(topics if section is None else (section,))],
                        role="news",
                        every=rng.choice(("15m", "30m")),
                        path=path,
                    ),
                    brand=base,
                    site_name=site,
                    kind="news",
                    rate=0,
                    authors=authors,
                    topics=topics if section is None else (section,),
                    **habits(fmt),
                )
            )
    # aggregators: community link sites, newsletters, planets
    for kind, count in (("community", 12), ("newsletter", 9), ("planet", 8)):
        for _ in range(count):
            brand = next(brands)
            fmt = next(formats)
            tags = _topic_tags(rng, rng.choice((1, 2, 3)))
            bt = brand_title(brand)
            if kind == "community":
                host, sid = rng.choice(
                    (
                        (f"news.{brand}.org", f"{brand}-news"),
                        (f"links.{brand}.dev", f"{brand}-links"),
                    )
                )
                name, every = f"{bt} News", "1h"
                desc = f"Links and discussion for {', '.join(tags)} people"
            elif kind == "newsletter":
                host, sid = f"{brand}weekly.com", f"{brand}-weekly"
                name, every = f"{bt} Weekly", "1d"
                desc = f"The best {tags[0].replace('-', ' ')} links, every week"
            else:
                host, sid = f"planet.{brand}.org", f"planet-{brand}"
                name, every = f"Planet {bt}", "1h"
                desc = f"Blogs from the {tags[0].replace('-', ' ')} community"
            feeds.append(
                FeedPlan(
                    spec=_spec(
                        rng,
                        source_id=sid,
                        host=host,
                        fmt=fmt,
                        title=name,
                        description=desc,
                        tags=[*tags, kind],
                        role="aggregator",
                        every=every,
                    ),
                    brand=brand,
                    site_name=name,
                    kind=kind,
                    rate=0,
                    authors=[],
                    topics=tuple(tags),
                    **habits(fmt),
                )
            )
    # syndicators: a stream of their own, so the feeds above do not depend on them
    srng = random.Random(f"{seed}:syndicators")
    for host, name, kind, role, fmt, path, desc in SYNDICATORS:
        sid = slugify(name)
        feeds.append(
            FeedPlan(
                spec=_spec(
                    srng,
                    source_id=sid,
                    host=host,
                    fmt=fmt,
                    title=name,
                    description=desc,
                    tags=["syndication", "news" if role == "news" else "blogs"],
                    role=role,
                    every="30m" if role == "news" else "1h",
                    path=path,
                ),
                brand=sid.replace("-", ""),
                site_name=name,
                kind=kind,
                rate=0,
                authors=[],
                post_path="",
                guid_style="permalink" if kind == "wire" else "tag",
                comments=False,
                full_content=False,
                smart_quotes=False,
                html_titles=False,
                topics=tuple(t.tag for t in TOPICS),
            )
        )
    # one publisher writes relative links, one repeats an entry
    rss_blogs = [f for f in feeds if f.kind == "company" and f.spec.format is FeedFormat.RSS20]
    rss_blogs[0].relative_links = True
    rss_blogs[0].guid_style = "tag"
    rss_blogs[1].repeats_entry = True
    return Plan(feeds=feeds, company_hosts=company_hosts)
