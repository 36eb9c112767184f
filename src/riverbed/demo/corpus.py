"""The offline demo corpus: ~160 feeds on realistic (invented) hosts, their article pages,
three platform sources (Hacker News, Reddit, Lobsters) on their real hosts, and a catalogue
that maps every host to the loopback replay server.

`build_corpus(day, seed)` is a pure function: the same day and seed give byte-identical
documents. Two seeded generators keep it stable over time:

- the *plan* (feeds, hosts, formats, source ids, broken sources) depends on the seed only,
  so the catalogue written on the first demo run stays valid on every later day;
- the *content* of one calendar date depends on (seed, that date) only. A corpus for `day`
  holds the items published on the three dates before it (between day-3 00:00 UTC and day
  00:00 UTC, never later), so consecutive days overlap exactly as a real feed's window
  moves on: yesterday's items come back unchanged.

Stories shared across feeds: news sites publish stories; each date ~21 of them are picked
up by 1-7 link aggregators, newsletters and planets, under variant URLs (tracking
parameters, a different host case, a toggled trailing slash, a fragment) and sometimes a
different headline, so only URL canonicalisation makes them equal. A few occurrences use
https instead of http, which canonicalisation keeps apart (and the plain-HTTP replay
server cannot serve: a fetch fails with connect_error, no DNS query): those keep the
origin's headline, and only stories that already have two members under one canonical
URL get one. `Corpus.shared_stories` records every such story with the URL its origin published
and each occurrence as written.

Near-duplicates (`riverbed.demo.events`): some events are also published under other URLs,
which only near-duplicate merging can join — other outlets' coverage with reworded headlines
and their own text, syndicated copies on a news wire (DevNews Wire) or a partner news site,
blog posts cross-posted to a blogging platform (Codeleaf), companies' press releases about
their own news — and aggregators sometimes link those instead of the origin. Sibling stories
(same kind and product or company, other facts) are separate events beside them. News stories
drawn independently that state the same facts (the same release, CVE, deal, round, outage
or paper: `riverbed.demo.events.EVENT_FACTS`) are one event; blog posts are events of their
own, whatever their titles share.
`Corpus.near_duplicates` lists every event with two URLs or more (https spellings included)
and `Corpus.labels` gives the event of every item the corpus serves: the ground truth
`riverbed.demo.labels.score_merge` scores a `stories` table against.

Platform sources (`riverbed.demo.platforms`): Hacker News (top), r/programming (hot) and
Lobsters (hottest), served at their real hosts on the real API paths and JSON shapes. Their
posts link to the same dates' articles, so stories merge across feeds and platforms; each
date two articles are posted on all three. `Corpus.platform_posts` records every post and
what the collector should read from it.

Deliberately broken sources (`BROKEN_SOURCES`, ids starting `broken-`) each fail with a
documented `error_kind` (`Corpus.expected_failures`).

Item-level quirks a real pipeline meets, on purpose: RSS 0.91 items without dates or
GUIDs; an RSS 2.0 feed with relative item links; title-less RSS items; a feed repeating one
entry (same GUID twice); Atom titles of type html; hostile markup in ~5% of summaries
(<script>, onerror=, javascript: links); sponsored items (the catalogue's global block rule
hides them).

Article pages (`riverbed.demo.articles`): every article link has a realistic page in one of
five site layouts, with its known main text in `Corpus.article_pages` (for extraction
benchmarks and the `articles` table's expectations), and deliberately bad ones: cookie
walls, paywall stubs and JavaScript shells (thin), a PDF (skipped), a host whose robots.txt
disallows its posts and one whose robots.txt answers 503 (blocked), dead links (404), and
links to a private address and to the cloud metadata endpoint, which are in no `resolve` or
`allow_private_hosts` entry: the fetch guard must refuse them without sending a packet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from riverbed.demo.articles import (
    ArticlePage,
    PageIndex,
    SiteStyle,
    build_window,
    expected_outcome,
    page_index,
    robots_document,
)
from riverbed.demo.broken import BROKEN_SOURCES, BrokenSource, broken_documents
from riverbed.demo.events import same_events
from riverbed.demo.feeds import FeedFormat, ItemSpec, render_feed
from riverbed.demo.labels import EventLabels, page_key
from riverbed.demo.model import (
    COVERAGE,
    DEMO_TIMEOUT_S,
    HTML,
    HTTPS,
    ORIGIN,
    PIXEL_PNG,
    SIBLING,
    SLOW_DELAY_S,
    DateContent,
    Doc,
    DupEvent,
    EventMember,
    FeedInfo,
    Occurrence,
    PlatformPost,
    SharedStory,
    etag,
    http_date,
)
from riverbed.demo.plan import FeedPlan, build_plan
from riverbed.demo.platforms import PLATFORM_SOURCES, generate_platform_date, platform_documents
from riverbed.demo.timeline import generate_date

__all__ = [
    "BROKEN_SOURCES",
    "DEMO_TIMEOUT_S",
    "SLOW_DELAY_S",
    "ArticlePage",
    "BrokenSource",
    "Corpus",
    "Doc",
    "DupEvent",
    "EventLabels",
    "FeedInfo",
    "Occurrence",
    "PlatformPost",
    "SharedStory",
    "build_corpus",
    "etag",
    "http_date",
]

WINDOW_DAYS = 3
MAX_ITEMS = 40


@dataclass(slots=True)
class Corpus:
    """Everything `riverbed demo` serves and the catalogue that points at it."""

    day: date
    seed: int
    documents: dict[tuple[str, str], Doc]  # (lower-case host, path[?query]) -> response
    sources: list[dict[str, Any]]  # catalogue entries: id, kind, url, every, tags, options
    expected_failures: dict[str, str]  # source_id -> error_kind
    hosts: list[str]  # every host the corpus serves or links to
    feeds: list[FeedInfo]  # every catalogue source, platforms included (role "platform")
    shared_stories: list[SharedStory]  # stories in two feeds or more
    platform_posts: list[PlatformPost]  # every post of the platform sources, in the window
    # every article link of the window: its page, known main text and expected outcome
    article_pages: list[ArticlePage] = field(default_factory=list)
    site_styles: dict[str, SiteStyle] = field(default_factory=dict)  # host -> layout, robots
    # the event of every item: the ground truth for near-duplicate story merging
    labels: EventLabels = field(default_factory=lambda: EventLabels({}))
    # the labelled near-duplicate groups: events under two URLs or more
    near_duplicates: list[DupEvent] = field(default_factory=list)
    _article_index: PageIndex | None = field(default=None, repr=False, compare=False)

    def expected_article(self, url: str) -> tuple[str, str | None] | None:
        """(outcome, error_kind) the `articles` table should record for an article link of
        this corpus (any spelling), or None when `url` is not one
        (`riverbed.demo.articles.expected_outcome`)."""
        if self._article_index is None:
            self._article_index = page_index(self.article_pages)
        return expected_outcome(self._article_index, url)

    def lookup(self, host: str, path: str) -> Doc | None:
        """The document for a request: host case-insensitive (port ignored), and a trailing
        slash optional — as most real sites behave. A query string selects a document kept
        for exactly that query (an API's next page) when there is one, and is ignored
        otherwise (tracking parameters, `?limit=N` on a listing shorter than N)."""
        name = host.strip().lower()
        if name.count(":") == 1:
            name = name.split(":", 1)[0]
        name = name.removesuffix(".")
        path, _, query = path.split("#", 1)[0].partition("?")
        path = path or "/"
        if query and (name, f"{path}?{query}") in self.documents:
            return self.documents[(name, f"{path}?{query}")]
        doc = self.documents.get((name, path))
        if doc is None and path != "/":
            other = path[:-1] if path.endswith("/") else path + "/"
            doc = self.documents.get((name, other))
        return doc

    def catalogue_yaml(self, port: int, timeout_s: float = DEMO_TIMEOUT_S) -> str:
        """A complete `sources.yaml`: every source, and settings that send every corpus
        host to 127.0.0.1:`port` (`resolve`, no DNS query) and allow only those hosts."""
        q = _yaml_scalar
        feeds = {f.source_id: f for f in self.feeds}
        why = {b.source_id: b.why for b in BROKEN_SOURCES}
        lines = [
            "# riverbed demo catalogue, generated for the bundled offline corpus.",
            f"# {len(self.sources)} sources on {len(self.hosts)} hosts, all served by the demo's",
            "# replay server on 127.0.0.1 (see settings.resolve: no DNS query is ever made).",
            "# Later `riverbed demo` runs re-read this file and only re-point the resolve",
            "# entries at the new port: add keep/block rules or notify targets freely.",
            "sources:",
        ]
        for src in self.sources:
            sid = src["id"]
            info = feeds[sid]
            if sid in self.expected_failures:
                lines.append(
                    f"  # deliberately broken, expected error_kind {self.expected_failures[sid]}:"
                    f" {why[sid]}"
                )
            else:
                lines.append(f"  # {info.title} ({_FORMAT_NAMES[info.format]}, {info.role})")
            lines += [
                f"  - id: {q(sid)}",
                f"    kind: {q(src['kind'])}",
                f"    url: {q(src['url'])}",
                f"    every: {q(src['every'])}",
                f"    tags: [{', '.join(q(t) for t in src['tags'])}]",
            ]
            lines += [
                f"    {key}: {value if isinstance(value, int) else q(value)}"
                for key, value in src.items()
                if key not in _COMMON_KEYS
            ]
        lines += [
            "settings:",
            '  user_agent: "riverbed-demo/0.1 (+http://127.0.0.1/)"',
            "  per_host_concurrency: 4",
            f"  connect_timeout_s: {min(timeout_s, 2.0)}",
            f"  timeout_s: {timeout_s}   # short, so the deliberately slow sources fail fast",
            "  fetch_articles: true",
            "  article_budget: 5000   # every article of the demo window, on the first run",
            "  article_delay_ms: 0    # one loopback server behind every host: no spacing",
            '  interests: [databases, rust, observability, "machine learning"]',
            "  block:",
            '    - {title: "(?i)^sponsored:"}   # newsletters carry ads; this hides them',
            "  # only the demo's own hosts may resolve to the loopback replay server",
            "  allow_private_hosts:",
            *(f"    - {q(h)}" for h in self.hosts),
            "  # every corpus host, on every port, goes to the replay server (like curl --resolve)",
            "  resolve:",
            *(f"    {q(h)}: {q(f'127.0.0.1:{port}')}" for h in self.hosts),
        ]
        return "\n".join(lines) + "\n"


_PLAIN_SCALAR = re.compile(r"[a-z0-9][a-z0-9._-]*(://[a-z0-9._/-]+)?")
# what YAML would read as something other than a string: numbers, dates, IPs, 0x/0o ints
_NOT_A_STRING = re.compile(r"[0-9._:+-]+|0[xo][0-9a-f]+|[0-9.]+e[+-]?[0-9]+")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when unambiguous (ids, hosts, URLs), else quoted."""
    if (
        _PLAIN_SCALAR.fullmatch(value)
        and not _NOT_A_STRING.fullmatch(value)
        and value not in _YAML_WORDS
    ):
        return value
    return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar


_COMMON_KEYS = frozenset({"id", "kind", "url", "every", "tags"})
_FORMAT_NAMES = {
    FeedFormat.RSS20.value: "RSS 2.0",
    FeedFormat.ATOM10.value: "Atom 1.0",
    FeedFormat.JSONFEED11.value: "JSON Feed 1.1",
    FeedFormat.RDF10.value: "RSS 1.0/RDF",
    FeedFormat.RSS091.value: "RSS 0.91",
    **{p.kind: p.format_name for p in PLATFORM_SOURCES},
    "broken": "broken",
}


def _home_page(fp: FeedPlan, items: list[ItemSpec]) -> bytes:
    from html import escape

    links = "\n".join(
        f'<li><a href="{escape(i.link or "")}">{escape(i.title or "(untitled)")}</a></li>'
        for i in items[:20]
    )
    alt = f'<link rel="alternate" href="{escape(fp.spec.url)}" title="{escape(fp.spec.title)}">'
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(fp.site_name)}</title>{alt}</head>\n"
        f"<body><h1>{escape(fp.site_name)}</h1>\n<ul>\n{links}\n</ul></body></html>\n"
    ).encode()


def build_corpus(day: date, seed: int = 7) -> Corpus:
    """The demo corpus for `day`: items published in [day-3 00:00 UTC, day 00:00 UTC).

    Deterministic: the same `day` and `seed` give byte-identical documents, whatever the
    wall clock, the hash seed or the global random state.
    """
    plan = build_plan(seed)
    window_start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=WINDOW_DAYS)
    dates = [day - timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]
    contents = [generate_date(plan, seed, d) for d in dates]
    articles = build_window(plan, seed, dates, contents)
    for content, extra in zip(contents, articles.extra_items, strict=True):
        for sid, specs in extra.items():  # the PDF and private-address links
            content.items[sid].extend(specs)

    documents: dict[tuple[str, str], Doc] = {}
    feeds: list[FeedInfo] = []
    sources: list[dict[str, Any]] = []
    kept: set[tuple[str, str]] = set()  # (source_id, guid) of entries in the window
    all_hosts: set[str] = set()

    for fp in plan.feeds:
        sid = fp.spec.source_id
        entries = [i for c in contents for i in c.items[sid]]
        entries.sort(key=lambda i: (i.published or window_start, i.guid or ""), reverse=True)
        entries = entries[:MAX_ITEMS]
        kept.update((sid, i.guid or "") for i in entries)
        fp.spec.items = entries
        body = render_feed(fp.spec)
        newest = max((i.published for i in entries if i.published), default=window_start)
        documents[(fp.spec.host, fp.spec.path)] = Doc(
            body, fp.spec.content_type, last_modified=newest
        )
        if (fp.spec.host, "/") not in documents:
            documents[(fp.spec.host, "/")] = Doc(
                _home_page(fp, entries), HTML, last_modified=newest
            )
        if fp.spec.icon_url:
            documents[(fp.spec.host, "/favicon.png")] = Doc(PIXEL_PNG, "image/png")
        feeds.append(
            FeedInfo(
                sid,
                fp.spec.url,
                fp.spec.format.value,
                fp.spec.role,
                fp.spec.title,
                len(entries),
                # identity is the GUID where the format carries one (RSS 0.91 has none)
                len(
                    {
                        (i.guid if fp.spec.format.value != "rss091" else None, i.link)
                        for i in entries
                    }
                ),
            )
        )
        sources.append(_source_entry(sid, fp.spec.url, fp.spec.tags, fp.spec.every))
        all_hosts.add(fp.spec.host)

    documents.update(articles.documents)
    for c in contents:
        for key, page_bytes in c.discussions.items():
            documents[key] = Doc(page_bytes, HTML)
        for host, path in c.images:
            documents[(host, path)] = Doc(PIXEL_PNG, "image/png")
            all_hosts.add(host)

    window_end = window_start + timedelta(days=WINDOW_DAYS)
    posts = [
        p
        for d, c in zip(dates, contents, strict=True)
        for p in generate_platform_date(plan, seed, d, c)
    ]
    documents.update(platform_documents(posts, window_end))
    for platform in PLATFORM_SOURCES:
        n_items = sum(
            1 for p in posts if p.record.source_id == platform.source_id and p.record.is_item
        )
        feeds.append(
            FeedInfo(
                platform.source_id,
                platform.url,
                platform.kind,
                "platform",
                platform.title,
                n_items,
                n_items,
            )
        )
        sources.append(
            _source_entry(
                platform.source_id,
                platform.url,
                platform.tags,
                platform.every,
                kind=platform.kind,
                options=dict(platform.options),
            )
        )
        all_hosts.add(platform.host)

    for b in BROKEN_SOURCES:
        feeds.append(
            FeedInfo(b.source_id, f"http://{b.host}{b.path}", "broken", "broken", b.why, 0)
        )
        sources.append(
            _source_entry(b.source_id, f"http://{b.host}{b.path}", ["demo-broken"], "1h")
        )
        all_hosts.add(b.host)
    documents.update(broken_documents(seed, day))

    hosts = sorted(all_hosts)
    for host in hosts:
        robots = robots_document(articles.styles.get(host))
        if robots is not None:  # else 404: no restrictions
            documents[(host, "/robots.txt")] = robots
    documents = {key: _with_defaults(doc, window_start) for key, doc in sorted(documents.items())}

    same = same_events(a for c in contents for a in c.articles)
    labels = _labels(plan.feeds, articles.pages, [p.record for p in posts], same)
    shared: list[SharedStory] = []
    for c in contents:
        for share in c.shares:
            occurrences = tuple(o for o, guid in share.occurrences if (o.source_id, guid) in kept)
            if len({o.source_id for o in occurrences}) >= 2:
                shared.append(SharedStory(share.url, share.title, share.kind, occurrences))

    return Corpus(
        day=day,
        seed=seed,
        documents=documents,
        sources=sources,
        expected_failures={b.source_id: b.error_kind for b in BROKEN_SOURCES},
        hosts=hosts,
        feeds=feeds,
        shared_stories=shared,
        platform_posts=sorted(
            (p.record for p in posts),
            key=lambda r: (r.source_id, r.published, r.external_id),
        ),
        article_pages=articles.pages,
        site_styles=articles.styles,
        labels=labels,
        near_duplicates=_near_duplicates(contents, kept, same),
    )


def _labels(
    feeds: Iterable[FeedPlan],
    pages: Iterable[ArticlePage],
    posts: Iterable[PlatformPost],
    same: Mapping[str, str],
) -> EventLabels:
    """The event of every article link, feed entry and platform post of the corpus (`same`:
    events that are one, `riverbed.demo.events.same_events`)."""
    events: dict[tuple[str, str], str] = {}
    relations: dict[tuple[str, str], str] = {}
    for page in pages:
        event = same.get(page.event_key, page.event_key)
        events[page_key(page.url)] = event
        relation = page.relation
        if event != page.event_key and relation in (ORIGIN, SIBLING):
            relation = COVERAGE  # a story on facts another story reported first
        if relation != ORIGIN:
            relations[page_key(page.url)] = relation
    for fp in feeds:  # links that are no article: a sponsor's home page
        for entry in fp.spec.items:
            if entry.link:
                link = urljoin(fp.spec.url, entry.link)
                events.setdefault(page_key(link), link)
    by_post = {}
    for post in posts:
        linked = events.get(page_key(post.article_url)) if post.article_url else None
        by_post[(post.source_id, post.external_id)] = (
            linked or f"post:{post.source_id}:{post.external_id}"
        )
    return EventLabels(events, by_post, relations)


def _near_duplicates(
    contents: Sequence[DateContent], kept: set[tuple[str, str]], same: Mapping[str, str]
) -> list[DupEvent]:
    """Events under two URLs or more: other articles of the event (`riverbed.demo.events`),
    other stories stating the same facts, and aggregators' https:// spellings."""
    articles = sorted((a for c in contents for a in c.articles), key=lambda a: (a.published, a.url))
    groups: dict[str, list[EventMember]] = {}
    kinds: dict[str, str] = {}
    for art in articles:
        key = same.get(art.event_key, art.event_key)
        if art.url == key:
            kinds[key] = art.story_kind or "blog"
            groups.setdefault(key, []).insert(
                0, EventMember(art.url, art.title, ORIGIN, art.site_name)
            )
            continue
        # another outlet's story on the same facts is coverage too
        relation = COVERAGE if art.relation in (ORIGIN, SIBLING) else art.relation
        groups.setdefault(key, []).append(EventMember(art.url, art.title, relation, art.site_name))
    for c in contents:
        for share in c.shares:
            key = same.get(share.url, share.url)
            groups[key] += [
                EventMember(o.url, o.title, HTTPS, o.source_id)
                for o, guid in share.occurrences
                if o.variant == HTTPS and (o.source_id, guid) in kept
            ]
    out = []
    for key, members in groups.items():
        unique = list({m.url: m for m in reversed(members)}.values())[::-1]  # first of a URL
        if len(unique) > 1:
            out.append(DupEvent(key, kinds[key], tuple(unique)))
    return out


def _with_defaults(doc: Doc, fallback: datetime) -> Doc:
    when = doc.last_modified or fallback
    return Doc(
        body=doc.body,
        content_type=doc.content_type,
        status=doc.status,
        delay_s=doc.delay_s,
        headers=dict(doc.headers),
        last_modified=when,
        drip_s=doc.drip_s,
    )


def _source_entry(
    sid: str,
    url: str,
    tags: Iterable[str],
    every: str,
    *,
    kind: str = "rss",
    options: dict[str, str | int] | None = None,
) -> dict[str, Any]:
    return {
        "id": sid,
        "kind": kind,
        "url": url,
        "tags": list(tags),
        "every": every,
        **(options or {}),
    }
