"""Hacker News through the official Firebase API v0 (https://github.com/HackerNews/API).

Endpoints under the source's base URL (default `https://hacker-news.firebaseio.com`):
`/v0/{listing}stories.json` (a JSON array of item ids, best first; `listing` is top, new,
best, ask or show) and `/v0/item/{id}.json` (one item object, or `null`).

Collecting
- The first `source.limit or DEFAULT_LIMIT` ids of the list are fetched concurrently
  (`asyncio.gather`; the HTTP client bounds per-host concurrency). Items keep list order.
- A list that cannot be fetched or read fails the source (`RiverbedError` propagates); an
  empty list is `not_a_feed`. One item that cannot be fetched or read is an `ItemProblem` with
  its error kind, the others land. If every item fetch fails the source fails with the first
  failure's kind (a source that yields nothing is not a success).
- Deleted items (`"deleted": true`), dead items (`"dead": true`, flagged/killed) and `null`
  bodies (an id with no item) are skipped silently: they are routine moderation, and an
  `errors` row per run for each would only be noise.

Mapping (`parse_hn_item`)
- `external_id` = str(id); `title`; `url` (absent or empty for Ask HN, text posts and most
  jobs -> None; only http(s)); `author` = `by`; `published_at` from `time` (unix seconds,
  UTC); `score`; `comments` = `descendants` (None for jobs, which have no comments);
  `comments_url` = `https://news.ycombinator.com/item?id={id}`; `text` = plain text of the
  HTML `text` (self posts, jobs, polls), `summary_html` = that HTML.
- `tags`: `ask` / `show` / `launch` / `tell` for "Ask HN:", "Show HN:", "Launch HN:",
  "Tell HN:" titles, `job` for jobs, `poll` for polls.
- Types `story`, `job` and `poll` are items; `comment` and `pollopt` (never in story lists)
  are `invalid_item`.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.core.urls import MAX_URL_CHARS
from riverbed.fetch.session import FetchSession
from riverbed.sources.jsonutil import (
    author_of,
    html_text,
    http_url,
    invalid,
    load_json,
    now_utc,
    opt_bool,
    opt_int,
    opt_number,
    opt_str,
    opt_text,
    problem,
    summary_html,
    title_of,
    unix_time,
)

DEFAULT_LIMIT = 30
MAX_LIST_IDS = 10_000
ITEM_PAGE = "https://news.ycombinator.com/item?id={id}"
FORMAT = "hackernews_v0"
_ITEM_TYPES = frozenset({"story", "job", "poll"})
_PREFIX_TAGS = re.compile(r"(?i)^(ask|show|launch|tell) hn\b")


def parse_hn_list(body: bytes) -> list[int]:
    """The item ids of a `/v0/*stories.json` body, in order, without repeats.

    Raises `RiverbedError`: `parse_error` for malformed JSON, `not_a_feed` when the document
    is not an array of ids or is empty. Entries that are not positive integers are skipped.
    """
    doc = load_json(body, "Hacker News story list")
    if not isinstance(doc, list):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Hacker News story list is not a JSON array")
    ids: dict[int, None] = {}
    for value in doc[:MAX_LIST_IDS]:
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**53:
            ids[value] = None
    if not ids:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Hacker News story list has no item ids")
    return list(ids)


def parse_hn_item(body: bytes, *, now: datetime | None = None) -> ParsedItem | None:
    """One `/v0/item/{id}.json` body as an item; None for `null`, deleted and dead items.

    Raises `RiverbedError`: `parse_error` (malformed JSON), `not_a_feed` (JSON that is not an
    item object), `invalid_item` (an item object that cannot be used: no id or title, wrong
    field types, lone surrogates, absurd sizes, a comment instead of a story).
    """
    doc = load_json(body, "Hacker News item")
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Hacker News item is not a JSON object")
    return hn_item_from_json(doc, now=now)


def hn_item_from_json(doc: dict[str, Any], *, now: datetime | None = None) -> ParsedItem | None:
    """`parse_hn_item` on an already decoded item object."""
    if opt_bool(doc, "deleted") or opt_bool(doc, "dead"):
        return None
    item_id = opt_int(doc, "id")
    if item_id is None or item_id <= 0:
        raise invalid("Hacker News item without a valid id")
    kind = opt_str(doc, "type") or "story"
    if kind not in _ITEM_TYPES:
        raise invalid(f"Hacker News item {item_id} is a {kind[:40]}, not a story")
    title = title_of(doc)
    url = http_url(opt_str(doc, "url", max_chars=MAX_URL_CHARS))
    text_html = opt_text(doc, "text")
    tags: list[str] = []
    m = _PREFIX_TAGS.match(title)
    if m:
        tags.append(m.group(1).lower())
    if kind != "story":
        tags.append(kind)
    return ParsedItem(
        title=title,
        url=url,
        external_id=str(item_id),
        author=author_of(opt_str(doc, "by")),
        published_at=unix_time(opt_number(doc, "time"), now_utc(now)),
        text=html_text(text_html),
        summary_html=summary_html(text_html),
        score=opt_int(doc, "score"),
        comments=opt_int(doc, "descendants"),
        comments_url=ITEM_PAGE.format(id=item_id),
        tags=tags,
    )


class HackerNewsCollector:
    kind = "hackernews"

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        base = str(source.url).rstrip("/")
        listing = getattr(source, "listing", None) or "top"
        listed = await session.get(f"{base}/v0/{listing}stories.json", trusted=True)
        ids = parse_hn_list(listed.data)[: source.limit or DEFAULT_LIMIT]
        now = now_utc(None)
        outcomes = await asyncio.gather(
            *(_fetch_item(session, f"{base}/v0/item/{i}.json", i, now) for i in ids),
            return_exceptions=True,
        )
        items: list[ParsedItem] = []
        problems: list[ItemProblem] = []
        fetch_failures: list[ItemProblem] = []
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # a bug, not a fetch or parse problem: surface it
            found, failure, fetched = outcome
            if found is not None:
                items.append(found)
            if failure is not None:
                problems.append(failure)
                if not fetched:
                    fetch_failures.append(failure)
        if ids and len(fetch_failures) == len(ids):
            first = fetch_failures[0]
            raise RiverbedError(
                first.error_kind, f"all {len(ids)} item fetches failed; first: {first.message}"
            )
        return ParseResult(
            items=items, problems=problems, feed_title=f"Hacker News {listing}", format=FORMAT
        )


async def _fetch_item(
    session: FetchSession, url: str, item_id: int, now: datetime
) -> tuple[ParsedItem | None, ItemProblem | None, bool]:
    """(item or None, problem or None, whether the body was fetched)."""
    try:
        body = await session.get(url, trusted=True)
    except RiverbedError as e:
        return None, problem(e, str(item_id), ITEM_PAGE.format(id=item_id)), False
    try:
        return parse_hn_item(body.data, now=now), None, True
    except RiverbedError as e:
        return None, problem(e, str(item_id), ITEM_PAGE.format(id=item_id)), True
