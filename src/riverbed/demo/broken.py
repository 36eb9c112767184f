"""The deliberately broken demo sources: each fails with a documented `error_kind`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from riverbed.demo.feeds import FeedFormat, FeedSpec, ItemSpec, rss20
from riverbed.demo.model import HTML, SLOW_DELAY_S, Doc
from riverbed.demo.text import brand_title, make_slots, post_title, slugify, summary_html
from riverbed.demo.words import TOPICS


@dataclass(frozen=True, slots=True)
class BrokenSource:
    source_id: str
    host: str
    path: str
    error_kind: str
    why: str


BROKEN_SOURCES: tuple[BrokenSource, ...] = (
    BrokenSource(
        "broken-malformed-xml",
        "blog.ashgrove.dev",
        "/feed.xml",
        "parse_error",
        "malformed XML: mismatched and unclosed tags, a bare ampersand",
    ),
    BrokenSource(
        "broken-truncated",
        "news.cragmoor.org",
        "/rss.xml",
        "parse_error",
        "an RSS 2.0 document cut off in the middle of an item",
    ),
    BrokenSource(
        "broken-entity",
        "blog.saltmarsh.dev",
        "/rss.xml",
        "parse_error",
        "a DOCTYPE with an internal ENTITY declaration (entity expansion is refused)",
    ),
    BrokenSource(
        "broken-gone-404",
        "www.dunmere.io",
        "/blog/feed.xml",
        "http_status",
        "HTTP 404: the feed was removed",
    ),
    BrokenSource(
        "broken-server-500",
        "engineering.fellgate.com",
        "/feed.atom",
        "http_status",
        "HTTP 500 on every attempt (retries do not help)",
    ),
    BrokenSource(
        "broken-slow",
        "blog.mirewood.dev",
        "/feed.xml",
        "timeout",
        f"no response for {SLOW_DELAY_S:.0f} s",
    ),
    BrokenSource(
        "broken-drip",
        "tarnfield-engineering.io",
        "/atom.xml",
        "timeout",
        f"headers at once, then the body trickles for {SLOW_DELAY_S:.0f} s",
    ),
    BrokenSource(
        "broken-html-page",
        "www.oxbowlabs.com",
        "/blog/",
        "not_a_feed",
        "an HTML web page where the feed should be",
    ),
    BrokenSource(
        "broken-empty",
        "blog.wetherfold.dev",
        "/feed.xml",
        "not_a_feed",
        "a well-formed RSS 2.0 channel with no items",
    ),
)


def broken_documents(seed: int, day: date) -> dict[tuple[str, str], Doc]:
    rng = random.Random(f"{seed}:broken:{day.isoformat()}")
    window_end = datetime(day.year, day.month, day.day, tzinfo=UTC)

    def sample_feed(host: str, path: str, n: int) -> FeedSpec:
        feed = FeedSpec(
            source_id="x",
            format=FeedFormat.RSS20,
            host=host,
            path=path,
            title=f"{brand_title(host.split('.')[1] if host.count('.') > 1 else host)} blog",
            home_url=f"http://{host}/",
            description="Engineering notes",
            tags=[],
            role="blog",
            content_type="application/rss+xml",
            every="1h",
            cdata=False,
        )
        topic = rng.choice(TOPICS)
        for i in range(n):
            slots = make_slots(rng, topic, day.year)
            title = post_title(rng, slots)
            link = f"http://{host}/posts/{slugify(title)}"
            feed.items.append(
                ItemSpec(
                    guid=link,
                    title=title,
                    link=link,
                    guid_is_permalink=True,
                    published=window_end - timedelta(hours=3 + 7 * i, minutes=rng.randint(0, 59)),
                    summary_html=summary_html(rng, slots, link, None),
                )
            )
        return feed

    docs: dict[tuple[str, str], Doc] = {}
    rss = "application/rss+xml; charset=utf-8"
    for b in BROKEN_SOURCES:
        key = (b.host, b.path)
        if b.source_id == "broken-malformed-xml":
            good = rss20(sample_feed(b.host, b.path, 6)).decode()
            body = (
                good.replace("</title>", "</titel>", 3)
                .replace("<description>", "<description><p>Caching & invalidation <b>", 2)
                .replace("</channel>", "")
            )
            docs[key] = Doc(body.encode(), rss)
        elif b.source_id == "broken-truncated":
            whole = rss20(sample_feed(b.host, b.path, 12))
            cut = whole.find(b"<description>", len(whole) // 2) + 40
            docs[key] = Doc(whole[:cut], rss)
        elif b.source_id == "broken-entity":
            good = rss20(sample_feed(b.host, b.path, 5)).decode()
            dtd = (
                '<!DOCTYPE rss [\n  <!ENTITY boiler "This post is brought to you by '
                + "the platform team. " * 40
                + '">\n]>\n'
            )
            body = good.replace("<rss ", dtd + "<rss ", 1).replace(
                "</description>", " &boiler; &boiler; &boiler;</description>"
            )
            docs[key] = Doc(body.encode(), rss)
        elif b.source_id == "broken-gone-404":
            docs[key] = Doc(_error_page(404, "Not Found"), HTML, status=404)
        elif b.source_id == "broken-server-500":
            docs[key] = Doc(_error_page(500, "Internal Server Error"), HTML, status=500)
        elif b.source_id == "broken-slow":
            docs[key] = Doc(rss20(sample_feed(b.host, b.path, 5)), rss, delay_s=SLOW_DELAY_S)
        elif b.source_id == "broken-drip":
            docs[key] = Doc(rss20(sample_feed(b.host, b.path, 5)), rss, drip_s=SLOW_DELAY_S)
        elif b.source_id == "broken-html-page":
            page = sample_feed(b.host, b.path, 8)
            links = "".join(
                f'<article><h2><a href="{i.link}">{i.title}</a></h2>{i.summary_html}</article>\n'
                for i in page.items
            )
            docs[key] = Doc(
                (
                    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                    f"<title>Blog | Oxbow Labs</title></head>\n<body><h1>Blog</h1>\n{links}"
                    "</body></html>\n"
                ).encode(),
                HTML,
            )
        elif b.source_id == "broken-empty":
            docs[key] = Doc(rss20(sample_feed(b.host, b.path, 0)), rss)
    return docs


def _error_page(status: int, reason: str) -> bytes:
    return (
        f"<!doctype html>\n<html><head><title>{status} {reason}</title></head>\n"
        f"<body><h1>{status} {reason}</h1><p>nginx</p></body></html>\n"
    ).encode()
