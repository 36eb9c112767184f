"""Feed documents of the demo corpus: one serialiser per format, written by hand (string
building, not a feed library) so each format carries the quirks real publishers produce —
RFC 822 dates with local offsets, `isPermaLink="false"` GUIDs, CDATA and entity-escaped
HTML, `slash:comments`, Atom `thr:total`, JSON Feed `authors`, RSS 0.91's DOCTYPE and
date-less items."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from enum import StrEnum
from xml.sax.saxutils import escape, quoteattr


class FeedFormat(StrEnum):
    RSS20 = "rss20"
    ATOM10 = "atom10"
    JSONFEED11 = "jsonfeed11"
    RDF10 = "rss10"  # RSS 1.0 (RDF)
    RSS091 = "rss091"


CONTENT_TYPES: dict[FeedFormat, tuple[str, ...]] = {
    # what publishers really send, most common first
    FeedFormat.RSS20: (
        "application/rss+xml; charset=utf-8",
        "text/xml; charset=UTF-8",
        "application/xml",
    ),
    FeedFormat.ATOM10: ("application/atom+xml; charset=utf-8", "application/xml"),
    FeedFormat.JSONFEED11: ("application/feed+json", "application/json; charset=utf-8"),
    FeedFormat.RDF10: ("application/rdf+xml", "text/xml"),
    FeedFormat.RSS091: ("text/xml", "application/rss+xml"),
}


@dataclass(slots=True)
class ItemSpec:
    """One entry as the publisher wrote it (the serialiser decides what each format keeps)."""

    guid: str | None
    title: str | None
    link: str | None
    published: datetime | None
    author: str | None = None
    author_email: str | None = None
    categories: list[str] = field(default_factory=list)
    summary_html: str = ""
    content_html: str | None = None
    comments_url: str | None = None
    comments_count: int | None = None
    guid_is_permalink: bool = False
    updated: datetime | None = None
    image_url: str | None = None
    title_is_html: bool = False  # Atom: title type="html" (entities inside)


@dataclass(slots=True)
class FeedSpec:
    source_id: str
    format: FeedFormat
    host: str
    path: str
    title: str
    home_url: str
    description: str
    tags: list[str]
    role: str  # blog | news | aggregator
    content_type: str
    every: str
    language: str = "en"
    utc_offset_min: int = 0  # publisher's local zone for dates (same instants, other spelling)
    gmt_spelling: bool = False  # RFC 822 "GMT" instead of "+0000"
    cdata: bool = True  # RSS description in CDATA (else entity-escaped)
    icon_url: str | None = None
    items: list[ItemSpec] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


def _local(feed: FeedSpec, when: datetime) -> datetime:
    return when.astimezone(timezone(timedelta(minutes=feed.utc_offset_min)))


def rfc822(feed: FeedSpec, when: datetime) -> str:
    if feed.gmt_spelling:
        return format_datetime(when.astimezone(UTC), usegmt=True)
    return format_datetime(_local(feed, when))


def rfc3339(feed: FeedSpec, when: datetime) -> str:
    text = _local(feed, when).isoformat()
    return text.replace("+00:00", "Z")


def latest(feed: FeedSpec) -> datetime | None:
    dates = [i.updated or i.published for i in feed.items if i.published]
    return max((d for d in dates if d), default=None)


def _html_text(feed: FeedSpec, html: str) -> str:
    if feed.cdata and "]]>" not in html:
        return f"<![CDATA[{html}]]>"
    return escape(html)


def _text(value: str) -> str:
    return escape(value)


def rss20(feed: FeedSpec) -> bytes:
    newest = latest(feed)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/">',
        "<channel>",
        f"<title>{_text(feed.title)}</title>",
        f"<link>{_text(feed.home_url)}</link>",
        f"<description>{_text(feed.description)}</description>",
        f"<language>{feed.language}</language>",
        f'<atom:link href={quoteattr(feed.url)} rel="self" type="application/rss+xml"/>',
        "<generator>riverbed-demo</generator>",
    ]
    if newest:
        out.append(f"<lastBuildDate>{rfc822(feed, newest)}</lastBuildDate>")
    if feed.icon_url:
        out.append(
            f"<image><url>{_text(feed.icon_url)}</url><title>{_text(feed.title)}</title>"
            f"<link>{_text(feed.home_url)}</link></image>"
        )
    for it in feed.items:
        out.append("<item>")
        if it.title is not None:
            out.append(f"<title>{_text(it.title)}</title>")
        if it.link:
            out.append(f"<link>{_text(it.link)}</link>")
        if it.guid:
            perma = "" if it.guid_is_permalink else ' isPermaLink="false"'
            out.append(f"<guid{perma}>{_text(it.guid)}</guid>")
        if it.published:
            out.append(f"<pubDate>{rfc822(feed, it.published)}</pubDate>")
        if it.author and it.author_email:
            out.append(f"<author>{_text(it.author_email)} ({_text(it.author)})</author>")
        elif it.author:
            out.append(f"<dc:creator>{_text(it.author)}</dc:creator>")
        out.extend(f"<category>{_text(c)}</category>" for c in it.categories)
        if it.comments_url:
            out.append(f"<comments>{_text(it.comments_url)}</comments>")
        if it.comments_count is not None:
            out.append(f"<slash:comments>{it.comments_count}</slash:comments>")
        out.append(f"<description>{_html_text(feed, it.summary_html)}</description>")
        if it.content_html:
            out.append(f"<content:encoded>{_html_text(feed, it.content_html)}</content:encoded>")
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out).encode("utf-8")


def atom10(feed: FeedSpec) -> bytes:
    newest = latest(feed)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"'
        f' xml:lang="{feed.language}">',
        f"<title>{_text(feed.title)}</title>",
        f"<subtitle>{_text(feed.description)}</subtitle>",
        f'<link href={quoteattr(feed.home_url)} rel="alternate" type="text/html"/>',
        f'<link href={quoteattr(feed.url)} rel="self" type="application/atom+xml"/>',
        f"<id>{_text(feed.home_url)}</id>",
        "<generator>riverbed-demo</generator>",
    ]
    if newest:
        out.append(f"<updated>{rfc3339(feed, newest)}</updated>")
    if feed.icon_url:
        out.append(f"<icon>{_text(feed.icon_url)}</icon>")
    for it in feed.items:
        out.append("<entry>")
        if it.title is not None:
            kind = ' type="html"' if it.title_is_html else ""
            out.append(f"<title{kind}>{_text(it.title)}</title>")
        if it.link:
            out.append(f'<link href={quoteattr(it.link)} rel="alternate" type="text/html"/>')
        if it.guid:
            out.append(f"<id>{_text(it.guid)}</id>")
        if it.published:
            out.append(f"<published>{rfc3339(feed, it.published)}</published>")
            out.append(f"<updated>{rfc3339(feed, it.updated or it.published)}</updated>")
        if it.author:
            email = f"<email>{_text(it.author_email)}</email>" if it.author_email else ""
            out.append(f"<author><name>{_text(it.author)}</name>{email}</author>")
        out.extend(f"<category term={quoteattr(c)}/>" for c in it.categories)
        if it.comments_url:
            count = f' thr:count="{it.comments_count}"' if it.comments_count is not None else ""
            out.append(
                f'<link rel="replies" type="text/html" href={quoteattr(it.comments_url)}{count}/>'
            )
        if it.comments_count is not None:
            out.append(f"<thr:total>{it.comments_count}</thr:total>")
        out.append(f'<summary type="html">{escape(it.summary_html)}</summary>')
        if it.content_html:
            out.append(f'<content type="html">{escape(it.content_html)}</content>')
        out.append("</entry>")
    out += ["</feed>", ""]
    return "\n".join(out).encode("utf-8")


def jsonfeed11(feed: FeedSpec) -> bytes:
    doc: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.url,
        "description": feed.description,
        "language": feed.language,
    }
    if feed.icon_url:
        doc["icon"] = feed.icon_url
    items: list[dict[str, object]] = []
    for it in feed.items:
        entry: dict[str, object] = {"id": it.guid or it.link or ""}
        if it.link:
            entry["url"] = it.link
        if it.title is not None:
            entry["title"] = it.title
        if it.content_html:
            entry["content_html"] = it.content_html
            entry["summary"] = it.summary_html
        else:
            entry["content_html"] = it.summary_html
        if it.image_url:
            entry["image"] = it.image_url
        if it.published:
            entry["date_published"] = rfc3339(feed, it.published)
        if it.updated:
            entry["date_modified"] = rfc3339(feed, it.updated)
        if it.author:
            entry["authors"] = [{"name": it.author}]
        if it.categories:
            entry["tags"] = list(it.categories)
        if it.comments_url:
            # JSON Feed has no comments field; publishers use an extension object
            entry["_discussion"] = {"url": it.comments_url, "comments": it.comments_count}
        items.append(entry)
    doc["items"] = items
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def rdf10(feed: FeedSpec) -> bytes:
    newest = latest(feed)
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(it.link)}/>" for it in feed.items if it.link)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel rdf:about={quoteattr(feed.url)}>",
        f"<title>{_text(feed.title)}</title>",
        f"<link>{_text(feed.home_url)}</link>",
        f"<description>{_text(feed.description)}</description>",
    ]
    if newest:
        out.append(f"<dc:date>{rfc3339(feed, newest)}</dc:date>")
    out += [f"<items><rdf:Seq>{seq}</rdf:Seq></items>", "</channel>"]
    for it in feed.items:
        out.append(f"<item rdf:about={quoteattr(it.link or it.guid or '')}>")
        if it.title is not None:
            out.append(f"<title>{_text(it.title)}</title>")
        if it.link:
            out.append(f"<link>{_text(it.link)}</link>")
        out.append(f"<description>{escape(it.summary_html)}</description>")
        if it.published:
            out.append(f"<dc:date>{rfc3339(feed, it.published)}</dc:date>")
        if it.author:
            out.append(f"<dc:creator>{_text(it.author)}</dc:creator>")
        out.extend(f"<dc:subject>{_text(c)}</dc:subject>" for c in it.categories)
        out.append("</item>")
    out += ["</rdf:RDF>", ""]
    return "\n".join(out).encode("utf-8")


RSS091_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n'
    '  "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
)


def rss091(feed: FeedSpec) -> bytes:
    """RSS 0.91 as Netscape specified it: a public DOCTYPE (harmless: no internal subset),
    a required channel language, items with title/link/description only — no dates, no
    GUIDs, so identity falls back to the link."""
    newest = latest(feed)
    out = [
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        RSS091_DOCTYPE,
        '<rss version="0.91">',
        "<channel>",
        f"<title>{_text(feed.title)}</title>",
        f"<link>{_text(feed.home_url)}</link>",
        f"<description>{_text(feed.description)}</description>",
        f"<language>{feed.language}</language>",
    ]
    if newest:
        out.append(f"<lastBuildDate>{rfc822(feed, newest)}</lastBuildDate>")
    for it in feed.items:
        out.append("<item>")
        if it.title is not None:
            out.append(f"<title>{_text(it.title)}</title>")
        if it.link:
            out.append(f"<link>{_text(it.link)}</link>")
        out.append(f"<description>{escape(it.summary_html)}</description>")
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    # declared Latin-1: characters outside it become character references, as old CMSes did
    return "\n".join(out).encode("iso-8859-1", errors="xmlcharrefreplace")


SERIALISERS = {
    FeedFormat.RSS20: rss20,
    FeedFormat.ATOM10: atom10,
    FeedFormat.JSONFEED11: jsonfeed11,
    FeedFormat.RDF10: rdf10,
    FeedFormat.RSS091: rss091,
}


def render_feed(feed: FeedSpec) -> bytes:
    return SERIALISERS[feed.format](feed)
