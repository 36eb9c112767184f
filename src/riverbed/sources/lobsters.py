"""Lobsters story listings through its JSON views.

Endpoints under the source's base URL (default `https://lobste.rs`): `/{listing}.json`
(`hottest` or `newest`) or `/t/{tag}.json` when the source names a `tag`. Each is a JSON array
of story objects, one page of 25 on lobste.rs.

Pagination: without `limit` one page is read (all of it). With `limit`, further pages are
requested as `?page=N` on the same path (N = 2, 3, …; the site reads `params[:page]` on every
listing, the same as its HTML `/page/N`, `/newest/page/N`, `/t/{tag}/page/N` routes) until
`limit` stories, a page with no story not seen before (an empty page ends a listing; a mirror
that ignores `page` repeats page 1), or `MAX_PAGES` pages; stories are deduplicated by
`short_id` (listings shift while being paged) and the first `limit` kept. A later page that
fails is an `ItemProblem` with its error kind (url = that page) and the stories already read
are kept; the first page failing fails the source. In replay a page the original run never
fetched ends the pagination quietly.

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
from riverbed.fetch.session import FetchSession, NotRecordedError
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
MAX_PAGES = 20  # 500 stories on lobste.rs: far deeper than any listing is worth reading
_SHORT_ID_RE = re.compile(r"[A-Za-z0-9]{1,32}")


def parse_lobsters_listing(body: bytes, *, now: datetime | None = None) -> ParseResult:
    """A `/hottest.json`, `/newest.json` or `/t/{tag}.json` body as items.

    Raises `RiverbedError`: `parse_error` for malformed JSON, `not_a_feed` for JSON that is
    not an array of stories or an empty one. Unusable stories are `ParseResult.problems`.
    """
    result = parse_lobsters_page(body, now=now)
    if not result.items and not result.problems:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Lobsters story list is empty")
    return result


def parse_lobsters_page(body: bytes, *, now: datetime | None = None) -> ParseResult:
    """`parse_lobsters_listing` without the emptiness check: an empty array (the page after
    the last one) is a result without items or problems."""
    doc = load_json(body, "Lobsters story list")
    if not isinstance(doc, list):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Lobsters story list is not a JSON array")
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
        url = str(source.url).rstrip("/") + path
        wanted: int | None = source.limit
        now = now_utc(None)
        body = await session.get(url, trusted=True)
        result = parse_lobsters_listing(body.data, now=now)
        items, problems = list(result.items), list(result.problems)
        seen = {i.external_id for i in items}
        page = 1
        while wanted is not None and len(items) < wanted and page < MAX_PAGES:
            page += 1
            page_url = f"{url}?page={page}"
            try:
                more = parse_lobsters_page(
                    (await session.get(page_url, trusted=True)).data, now=now
                )
            except NotRecordedError:
                break  # replay: the original run stopped here
            except RiverbedError as e:
                problems.append(problem(e, None, page_url))
                break
            fresh = [i for i in more.items if i.external_id not in seen]
            if more.items and not fresh:
                break  # page 1 again (a server ignoring `page`): its problems are known
            problems.extend(more.problems)
            if not fresh:
                break  # the page after the last one
            seen.update(i.external_id for i in fresh)
            items.extend(fresh)
        tag = getattr(source, "tag", None)
        return ParseResult(  # a new result: its problems are capped (see `ParseResult`)
            items=items[:wanted] if wanted is not None else items,
            problems=problems,
            feed_title=f"Lobsters {'tag ' + tag if tag else path[1:-5]}",
            format=result.format,
        )
