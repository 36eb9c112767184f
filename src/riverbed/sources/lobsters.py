"""Lobsters story listings through its JSON views.

Endpoints under the source's base URL (default `https://lobste.rs`): `/{listing}.json`
(`hottest` or `newest`) or `/t/{tag}.json` when the source names a `tag`. Each is a JSON array
of story objects (one page, 25 stories); the first `source.limit` (default all of the page)
are kept. Further pages are not fetched.

Mapping (`parse_lobsters_listing`)
- `external_id` = `short_id`; `title`; `url` (an empty string for text posts -> None, so
  text posts stay their own story); `author` = `submitter_user`, which is a user name string
  in the current API and an object with `username` in older versions (both read);
  `published_at` from `created_at` (ISO 8601 with offset, converted to UTC); `score`;
  `comments` = `comment_count`; `comments_url` = `comments_url` (else `short_id_url`, else
  `https://lobste.rs/s/{short_id}`); `text` = plain text of the HTML `description` (else
  `description_plain`), `summary_html` = `description`; `tags` = `tags`.
- Stories repeated within a page are kept once; an element that is not an object, or a story
  that cannot be used (no short_id or title, wrong types, lone surrogates, absurd sizes), is an
  `invalid_item` problem. A document that is not an array, or an empty one, is `not_a_feed`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from riverbed.core.dates import parse_date
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.core.urls import MAX_URL_CHARS
from riverbed.fetch.session import FetchSession
from riverbed.sources.jsonutil import (
    author_of,
    dedupe,
    html_text,
    http_url,
    invalid,
    load_json,
    markdown_text,
    now_utc,
    opt_int,
    opt_str,
    opt_text,
    problem,
    summary_html,
    tags_of,
    title_of,
)

SITE = "https://lobste.rs"
FORMAT = "lobsters"
_SHORT_ID_RE = re.compile(r"[A-Za-z0-9]{1,32}")


def parse_lobsters_listing(body: bytes, *, now: datetime | None = None) -> ParseResult:
    """A `/hottest.json`, `/newest.json` or `/t/{tag}.json` body as items.

    Raises `RiverbedError`: `parse_error` for malformed JSON, `not_a_feed` for JSON that is
    not an array of stories or an empty one. Unusable stories are `ParseResult.problems`.
    """
    doc = load_json(body, "Lobsters story list")
    if not isinstance(doc, list):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Lobsters story list is not a JSON array")
    if not doc:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Lobsters story list is empty")
    clock = now_utc(now)
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    for index, story in enumerate(doc):
        if not isinstance(story, dict):
            problems.append(
                ItemProblem(ErrorKind.INVALID_ITEM, f"Lobsters story {index} is not an object")
            )
            continue
        try:
            items.append(lobsters_story_from_json(story, now=clock))
        except RiverbedError as e:
            short_id = story.get("short_id")
            shown = short_id if isinstance(short_id, str) and short_id.isascii() else None
            problems.append(problem(e, shown[:64] if shown else None))
    return ParseResult(items=dedupe(items), problems=problems, format=FORMAT)


def lobsters_story_from_json(story: dict[str, Any], *, now: datetime | None = None) -> ParsedItem:
    """One story object as an item; raises `RiverbedError(INVALID_ITEM)`."""
    short_id = opt_str(story, "short_id", max_chars=64)
    if short_id is None or not _SHORT_ID_RE.fullmatch(short_id):
        raise invalid("Lobsters story without a valid short_id")
    title = title_of(story)
    url = http_url(opt_str(story, "url", max_chars=MAX_URL_CHARS))
    comments_url = (
        http_url(opt_str(story, "comments_url", max_chars=MAX_URL_CHARS))
        or http_url(opt_str(story, "short_id_url", max_chars=MAX_URL_CHARS))
        or f"{SITE}/s/{short_id}"
    )
    description = opt_text(story, "description")
    text = html_text(description) or markdown_text(opt_text(story, "description_plain"))
    tags = story.get("tags")
    if tags is not None and not isinstance(tags, list):
        raise invalid("tags is not an array")
    return ParsedItem(
        title=title,
        url=url,
        external_id=short_id,
        author=author_of(_submitter(story)),
        published_at=parse_date(opt_str(story, "created_at", max_chars=128), now=now_utc(now)),
        text=text,
        summary_html=summary_html(description) if text else None,
        score=opt_int(story, "score"),
        comments=opt_int(story, "comment_count"),
        comments_url=comments_url,
        tags=tags_of(tags or []),
    )


def _submitter(story: dict[str, Any]) -> str | None:
    user = story.get("submitter_user")
    if isinstance(user, dict):  # older API: the user object
        return opt_str(user, "username", max_chars=1000)
    return opt_str(story, "submitter_user", max_chars=1000)


def listing_path(source: Any) -> str:
    tag = getattr(source, "tag", None)
    if tag:
        return f"/t/{tag}.json"
    return f"/{getattr(source, 'listing', None) or 'hottest'}.json"


class LobstersCollector:
    kind = "lobsters"

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        path = listing_path(source)
        body = await session.get(str(source.url).rstrip("/") + path, trusted=True)
        result = parse_lobsters_listing(body.data)
        if source.limit:
            result.items = result.items[: source.limit]
        tag = getattr(source, "tag", None)
        result.feed_title = f"Lobsters {'tag ' + tag if tag else path[1:-5]}"
        return result
