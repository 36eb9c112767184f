"""Reddit subreddit listings through the public JSON API.

Endpoint under the source's base URL (default `https://www.reddit.com`):
`/r/{subreddit}/{listing}.json?limit=N` with `listing` hot, new, top or rising and
N = min(`source.limit` or `DEFAULT_LIMIT`, 100). The answer is a `Listing`:
`{"kind": "Listing", "data": {"after": "t3_…"|null, "children": [{"kind": "t3", "data": {…}}]}}`.

Pagination: Reddit serves at most 100 posts per page. When `source.limit` is over 100, the
`data.after` marker is followed (`&after=t3_…`) until `limit` posts or the end of the listing
(at most `MAX_PAGES` pages); otherwise it is ignored. A later page that fails becomes an
`ItemProblem` with its error kind and the posts already read are kept; the first page failing
fails the source.

Rate limits: every Reddit answer carries `x-ratelimit-used`, `x-ratelimit-remaining` and
`x-ratelimit-reset` (seconds until the window resets). Before each further page the headers
of the previous page are read (`RateLimit`): when fewer than `MIN_REMAINING` requests remain
and a reset time is given, the collector waits that long (`FetchSession.wait_before_request`:
the client's own rule for a 429's `Retry-After` — at most `max_retry_after_s` and shorter
than `timeout_s`). When the wait would be longer, pagination stops there: the posts already
read are kept and a `rate_limited` `ItemProblem` (url = the page not fetched) says how many
were collected and why (so the run succeeds and the `errors` table tells the story).
Headers that are missing or not numbers mean "unknown": the page is requested, and a 429
that follows is the client's to handle. A 429 itself is retried by the HTTP client with its
`Retry-After` (bounded the same way); a 429 on the first page that cannot be waited out fails
the source `rate_limited`, on a later page it is a `rate_limited` problem. Replayed bodies
carry no rate-limit headers (bronze does not keep headers), so replay never waits; a page the
original run never fetched ends a replayed pagination quietly (`NotRecordedError`).

Mapping (`parse_reddit_listing`)
- Reddit's JSON (without `raw_json=1`) HTML-escapes `&`, `<`, `>` in titles, URLs, flair and
  `selftext`: each is unescaped exactly once.
- `external_id` = `name` (the fullname, `t3_…`; built from `id` when missing);
  `title`; `author` (None for `[deleted]`); `published_at` from `created_utc` (UTC);
  `score`; `comments` = `num_comments`;
  `comments_url` = `https://www.reddit.com{permalink}` (always the real site, even when the
  source's base URL is a mirror, so discussions link somewhere users can go).
- Link posts: `url` = the `url` field (a relative one, as crossposts of text posts carry, is
  made absolute on `https://www.reddit.com`). Self posts (`is_self`) stay their own story:
  `url` = None; `text` = the text of the rendered `selftext_html` (the Markdown `selftext`
  when there is no HTML; None for `[removed]`/`[deleted]`),
  `summary_html` = the unescaped `selftext_html`.
- `tags`: the link flair text, the subreddit name, then `nsfw` (`over_18`), `spoiler`,
  `stickied` (announcement posts pinned by moderators are kept, tagged so a `block` rule
  on `tag: ^stickied$` can hide them) and `crosspost`. No domain tag: the canonical URL
  already carries the domain and a per-domain tag would add a tag feed per website.
- Children that are not `t3` (posts) are `invalid_item`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.core.text import clean_title, html_to_text
from riverbed.core.urls import MAX_URL_CHARS
from riverbed.fetch.session import FetchSession, NotRecordedError
from riverbed.sources.jsonutil import (
    TEXT_MAX_CHARS,
    TITLE_ABSURD_CHARS,
    author_of,
    dedupe,
    http_url,
    invalid,
    load_json,
    markdown_text,
    now_utc,
    opt_bool,
    opt_int,
    opt_number,
    opt_str,
    opt_text,
    problem,
    summary_html,
    tags_of,
    unix_time,
)

DEFAULT_LIMIT = 25
PAGE_MAX = 100
MAX_PAGES = 10
SITE = "https://www.reddit.com"
FORMAT = "reddit_listing"
_AFTER_RE = re.compile(r"t3_[a-z0-9]{1,16}")
_REMOVED = frozenset({"[removed]", "[deleted]"})
MIN_REMAINING = 1.0  # requests that must be left in the window to send one without waiting


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Reddit's `x-ratelimit-*` response headers; None where absent or not a number."""

    used: float | None = None
    remaining: float | None = None
    reset_s: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit:
        return cls(
            used=_header_number(headers.get("x-ratelimit-used")),
            remaining=_header_number(headers.get("x-ratelimit-remaining")),
            reset_s=_header_number(headers.get("x-ratelimit-reset")),
        )

    @property
    def exhausted(self) -> bool:
        """No request left in the window (unknown counts as not exhausted)."""
        return self.remaining is not None and self.remaining < MIN_REMAINING


def _header_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def parse_reddit_listing(body: bytes, *, now: datetime | None = None) -> ParseResult:
    """A `/r/{subreddit}/{listing}.json` body as items (see the module docstring).

    Raises `RiverbedError`: `parse_error` for malformed JSON, `not_a_feed` for JSON that is
    not a Listing of posts or an empty one. Unusable posts are `ParseResult.problems`.
    """
    result, _after = parse_reddit_page(body, now=now)
    if not result.items and not result.problems:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "Reddit listing has no posts")
    return result


def parse_reddit_page(
    body: bytes, *, now: datetime | None = None
) -> tuple[ParseResult, str | None]:
    """`parse_reddit_listing` without the emptiness check, plus the `after` marker
    (a valid `t3_…` fullname, else None)."""
    doc = load_json(body, "Reddit listing")
    data = doc.get("data") if isinstance(doc, dict) and doc.get("kind") == "Listing" else None
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(children, list):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "JSON document is not a Reddit Listing")
    clock = now_utc(now)
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    for index, child in enumerate(children):
        post = child.get("data") if isinstance(child, dict) else None
        if not isinstance(child, dict) or child.get("kind") != "t3" or not isinstance(post, dict):
            problems.append(
                ItemProblem(ErrorKind.INVALID_ITEM, f"Reddit listing child {index} is not a post")
            )
            continue
        try:
            items.append(reddit_post_from_json(post, now=clock))
        except RiverbedError as e:
            name = post.get("name")
            shown = name[:64] if isinstance(name, str) and name.isascii() else None
            problems.append(problem(e, shown))
    after = data.get("after")
    marker = after if isinstance(after, str) and _AFTER_RE.fullmatch(after) else None
    return ParseResult(items=dedupe(items), problems=problems, format=FORMAT), marker


def reddit_post_from_json(post: dict[str, Any], *, now: datetime | None = None) -> ParsedItem:
    """One post (`t3` data object) as an item; raises `RiverbedError(INVALID_ITEM)`."""
    name = opt_str(post, "name", max_chars=64)
    post_id = opt_str(post, "id", max_chars=64)
    external_id = name or (f"t3_{post_id}" if post_id else None)
    if external_id is None:
        raise invalid("Reddit post without name or id")
    raw_title = opt_str(post, "title", max_chars=TITLE_ABSURD_CHARS)
    title = clean_title(html.unescape(raw_title), html_markup=False) if raw_title else ""
    if not title:
        raise invalid(f"Reddit post {external_id} has no title")
    permalink = opt_str(post, "permalink", max_chars=MAX_URL_CHARS)
    comments_url = (
        SITE + permalink if permalink and permalink.startswith("/") else http_url(permalink)
    )
    is_self = opt_bool(post, "is_self")
    url: str | None = None
    if not is_self:
        raw_url = opt_str(post, "url_overridden_by_dest", max_chars=MAX_URL_CHARS) or opt_str(
            post, "url", max_chars=MAX_URL_CHARS
        )
        if raw_url:
            raw_url = html.unescape(raw_url.strip())
            url = http_url(SITE + raw_url if raw_url.startswith("/") else raw_url)
    selftext = opt_text(post, "selftext")
    if selftext is not None:
        selftext = html.unescape(selftext)
    body_html = opt_text(post, "selftext_html")
    if body_html:
        body_html = html.unescape(body_html)
    if selftext is None or selftext.strip() in _REMOVED:
        text = None
    else:  # the rendered HTML's text: no Markdown markers (`**`, `>`) in plain text
        text = (html_to_text(body_html, TEXT_MAX_CHARS) if body_html else None) or markdown_text(
            selftext
        )
    author = opt_str(post, "author", max_chars=1000)
    if author in _REMOVED:
        author = None
    return ParsedItem(
        title=title,
        url=url,
        external_id=external_id,
        author=author_of(author),
        published_at=unix_time(opt_number(post, "created_utc"), now_utc(now)),
        text=text,
        summary_html=summary_html(body_html) if body_html and text else None,
        score=opt_int(post, "score"),
        comments=opt_int(post, "num_comments"),
        comments_url=comments_url,
        tags=_tags(post),
    )


def _tags(post: dict[str, Any]) -> list[str]:
    raw: list[Any] = []
    flair = post.get("link_flair_text")
    if isinstance(flair, str):
        raw.append(html.unescape(flair))
    raw.append(post.get("subreddit"))
    if opt_bool(post, "over_18"):
        raw.append("nsfw")
    if opt_bool(post, "spoiler"):
        raw.append("spoiler")
    if opt_bool(post, "stickied"):
        raw.append("stickied")
    if post.get("crosspost_parent") or post.get("crosspost_parent_list"):
        raw.append("crosspost")
    return tags_of(raw)


def listing_url(base: str, subreddit: str, listing: str, n: int, after: str | None = None) -> str:
    url = f"{base.rstrip('/')}/r/{subreddit}/{listing}.json?limit={n}"
    return f"{url}&after={after}" if after else url


class RedditCollector:
    kind = "reddit"

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        base = str(source.url)
        subreddit = str(source.subreddit)
        listing = getattr(source, "listing", None) or "hot"
        wanted = source.limit or DEFAULT_LIMIT
        now = now_utc(None)
        first = await session.get(
            listing_url(base, subreddit, listing, min(wanted, PAGE_MAX)), trusted=True
        )
        result, after = parse_reddit_page(first.data, now=now)
        if not result.items and not result.problems:
            raise RiverbedError(ErrorKind.NOT_A_FEED, "Reddit listing has no posts")
        items, problems = list(result.items), list(result.problems)
        pages, last = 1, first
        while wanted > PAGE_MAX and after and len(items) < wanted and pages < MAX_PAGES:
            url = listing_url(base, subreddit, listing, min(wanted - len(items), PAGE_MAX), after)
            refused = await _wait_for_window(session, RateLimit.from_headers(last.headers))
            if refused is not None:
                problems.append(
                    ItemProblem(
                        ErrorKind.RATE_LIMITED,
                        f"stopped after {pages} page(s) with {len(dedupe(items))} of {wanted} "
                        f"posts: {refused}",
                        url=url,
                    )
                )
                break
            pages += 1
            try:
                last = await session.get(url, trusted=True)
                more, after = parse_reddit_page(last.data, now=now)
            except NotRecordedError:
                break  # replay: the original run stopped here
            except RiverbedError as e:
                problems.append(problem(e, None, url))
                break
            if not more.items:
                problems.extend(more.problems)
                break
            items.extend(more.items)
            problems.extend(more.problems)
        return ParseResult(
            items=dedupe(items)[:wanted],
            problems=problems,
            feed_title=f"r/{subreddit} {listing}",
            format=FORMAT,
        )


async def _wait_for_window(session: FetchSession, limit: RateLimit) -> str | None:
    """Wait out an exhausted rate-limit window when allowed; else why the next page is not
    requested. None: go ahead (also when the headers do not say enough to decide)."""
    if not limit.exhausted or limit.reset_s is None:
        return None
    refused = await session.wait_before_request(limit.reset_s)
    if refused is None:
        return None
    used = f", used {limit.used:g}" if limit.used is not None else ""
    return (
        f"Reddit's rate limit is used up (x-ratelimit-remaining {limit.remaining:g}{used}) "
        f"and resets in {limit.reset_s:g}s; {refused}"
    )
