"""YouTube: a channel's Atom feed (`/feeds/videos.xml?channel_id=…`, `yt:` and `media:`).

`parse_youtube` maps each `<entry>` to a `ParsedItem`:
- `external_id`: `yt:videoId` (else the id after `yt:video:` in `<id>`);
- `url`: the `rel="alternate"` link (`https://www.youtube.com/watch?v=<id>`), else a watch URL
  built from the video id;
- `title`; `author`: the entry's author name, else the channel's;
- `published_at`: `<published>`, else `<updated>`;
- `text`: `media:group/media:description` as plain text; `summary_html`: the same, escaped,
  line breaks kept as `<br>`;
- `score`: the view count (`media:statistics@views`). Decision: views, not likes: every video
  has them, likes are often hidden (`starRating count="0"`), and views make `item_metrics`
  show a rising video. The like count (`media:starRating@count`) is not stored.
- `comments`, `comments_url`: None (the feed has no comment data); thumbnails are ignored.

A feed with no entries is `not_a_feed` (as for every feed); malformed or unsafe documents as
in `htmlutil.parse_xml`.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin

from lxml import etree

from riverbed.core.dates import parse_date
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.fetch.session import Body
from riverbed.sources.base import SingleRequestCollector
from riverbed.sources.htmlutil import (
    SUMMARY_HTML_MAX_CHARS,
    body_text,
    child_text,
    http_url,
    join_names,
    parse_count,
    parse_xml,
    scrub,
    title_text,
)

ATOM = "http://www.w3.org/2005/Atom"
YT = "http://www.youtube.com/xml/schemas/2015"
MEDIA = "http://search.yahoo.com/mrss/"
NS = {"a": ATOM, "yt": YT, "media": MEDIA}
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def youtube_feed_url(base_url: str, channel_id: str) -> str:
    return f"{base_url.rstrip('/')}/feeds/videos.xml?" + urlencode({"channel_id": channel_id})


def parse_youtube(
    body: bytes,
    *,
    content_type: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> ParseResult:
    """Parse a YouTube channel feed (see the module docstring). Pure."""
    now = now if now is not None else datetime.now(UTC)
    root = parse_xml(body, content_type=content_type, roots=frozenset({"feed"}))
    entries = root.findall("a:entry", NS)
    if not entries:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "YouTube feed with no videos")
    channel_author = join_names(_authors(root))
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    seen: set[str] = set()
    for entry in entries:
        done = _entry(entry, channel_author, base_url, now)
        if isinstance(done, ItemProblem):
            problems.append(done)
        elif done.external_id not in seen:
            seen.add(done.external_id or "")
            items.append(done)
    feed_title = title_text(child_text(root, "a:title", NS)) or None
    return ParseResult(items=items, problems=problems, feed_title=feed_title, format="youtube")


def _authors(element: etree._Element) -> list[str]:
    return [child_text(a, "a:name", NS) or "" for a in element.findall("a:author", NS)]


def _entry(
    entry: etree._Element, channel_author: str | None, base_url: str | None, now: datetime
) -> ParsedItem | ItemProblem:
    video_id = scrub((child_text(entry, "yt:videoId", NS) or "").strip())
    if not video_id:
        raw_id = (child_text(entry, "a:id", NS) or "").strip()
        video_id = scrub(raw_id.removeprefix("yt:video:")) if raw_id.startswith("yt:") else ""
    url: str | None = None
    for link in entry.findall("a:link", NS):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            url = http_url(urljoin(base_url or "", link.get("href", "").strip()))
            break
    if not _VIDEO_ID.fullmatch(video_id):
        return ItemProblem(
            ErrorKind.INVALID_ITEM, f"entry has no usable video id ({video_id[:80]!r})", url=url
        )
    if url is None:
        url = "https://www.youtube.com/watch?" + urlencode({"v": video_id})
    title = title_text(
        child_text(entry, "a:title", NS) or child_text(entry, "media:group/media:title", NS)
    )
    if not title:
        return ItemProblem(ErrorKind.INVALID_ITEM, "video has no title", video_id, url)
    group = entry.find("media:group", NS)
    description: str | None = None
    views: int | None = None
    if group is not None:
        description = child_text(group, "media:description", NS)
        stats = group.find("media:community/media:statistics", NS)
        if stats is not None:
            views = parse_count(stats.get("views"))
    published = child_text(entry, "a:published", NS) or child_text(entry, "a:updated", NS)
    return ParsedItem(
        title=title,
        url=url,
        external_id=video_id,
        author=join_names(_authors(entry)) or channel_author,
        published_at=parse_date(published.strip() if published else None, now=now),
        text=body_text(description),
        summary_html=_summary_html(description),
        score=views,
    )


def _summary_html(description: str | None) -> str | None:
    if not description or not description.strip():
        return None
    escaped = html.escape(scrub(description.strip())[:SUMMARY_HTML_MAX_CHARS], quote=False)
    return "<p>" + escaped.replace("\r\n", "\n").replace("\n", "<br>") + "</p>"


class YoutubeCollector(SingleRequestCollector):
    kind = "youtube"

    def request_url(self, source: Any) -> str:
        return youtube_feed_url(source.url, source.channel_id)

    def parse(self, source: Any, body: Body) -> ParseResult:
        return parse_youtube(
            body.data,
            content_type=body.content_type,
            base_url=body.final_url,
            now=body.observed_at,
        )
