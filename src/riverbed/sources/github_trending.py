"""`github_trending`: the trending repositories page (`/trending[/{language}]?since=…`, HTML).

Each `article.Box-row` of the page is one repository:
- `external_id`: `owner/name` from the `h2 a[href]` (`/owner/name`);
- `url`: that href resolved against the page URL (`https://github.com/owner/name` on GitHub);
- `title`: `owner/name: description`, or `owner/name` when the repository has none
  (decision: the digest shows titles, and a bare repository name rarely says what it is);
- `text`: the description; `author`: the owner;
- `score`: the stars gained in the period ("1,234 stars today / this week / this month").
  Decision: the period's gain is what "trending" ranks by; total stars would rank the same
  famous repositories first every day. Total stars and forks (from the
  `a[href$="/stargazers"]` / `a[href$="/forks"]` links) are shown in `summary_html`.
- `comments`, `comments_url`, `published_at`: None (the page has none);
- `tags`: the language (`[itemprop=programmingLanguage]`) when present, then `since:<period>`.

A page with no `article.Box-row` is `not_a_feed` (GitHub shows an empty state when nothing
trends for a language); the page goes through `htmlutil.parse_html_document` (size limits).
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urljoin

from lxml import etree

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.fetch.session import Body
from riverbed.sources.base import SingleRequestCollector
from riverbed.sources.htmlutil import (
    body_text,
    clean_tags,
    css,
    element_text,
    http_url,
    parse_count,
    parse_html_document,
    title_text,
)

_ROWS = css("article.Box-row")
_REPO_LINK = css("h2 a[href]")
_DESCRIPTION = css("p")
_LANGUAGE = css('[itemprop="programmingLanguage"]')
_STARS = css('a[href$="/stargazers"]')
_FORKS = css('a[href$="/forks"], a[href$="/network/members"]')
_SPANS = css("span")
_REPO_PATH = re.compile(r"/([A-Za-z0-9_.-]{1,100})/([A-Za-z0-9_.-]{1,100})/?")
_GAINED = re.compile(r"([\d,.\s]+)\s+stars?\s+(today|this\s+week|this\s+month)", re.IGNORECASE)


def trending_url(base_url: str, since: str, language: str | None) -> str:
    path = "/trending" + (f"/{quote(language.lower(), safe='')}" if language else "")
    return f"{base_url.rstrip('/')}{path}?" + urlencode({"since": since})


def parse_github_trending(
    body: bytes,
    *,
    content_type: str | None = None,
    base_url: str | None = None,
    since: str = "daily",
    now: datetime | None = None,
) -> ParseResult:
    """Parse a GitHub trending page (see the module docstring). Pure; `now` is unused (the
    page has no dates) and accepted for symmetry with the other parsers."""
    del now
    root = parse_html_document(body, content_type=content_type, base_url=base_url)
    rows = _ROWS(root)
    if not rows:
        raise RiverbedError(ErrorKind.NOT_A_FEED, "no trending repositories (article.Box-row)")
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        done = _row(row, index, base_url, since)
        if isinstance(done, ItemProblem):
            problems.append(done)
        elif done.external_id not in seen:
            seen.add(done.external_id or "")
            items.append(done)
    return ParseResult(items=items, problems=problems, feed_title=None, format="github_trending")


def _row(
    row: etree._Element, index: int, base_url: str | None, since: str
) -> ParsedItem | ItemProblem:
    links = _REPO_LINK(row)
    href = (links[0].get("href") or "").strip() if links else ""
    m = _REPO_PATH.fullmatch(href)
    if m is None:
        return ItemProblem(
            ErrorKind.INVALID_ITEM, f"trending row {index} has no repository link ({href[:100]!r})"
        )
    owner, name = m.group(1), m.group(2)
    full_name = f"{owner}/{name}"
    url = http_url(
        urljoin(base_url, f"/{full_name}") if base_url else f"https://github.com/{full_name}"
    )
    paragraphs = _DESCRIPTION(row)
    description = body_text(element_text(paragraphs[0])) if paragraphs else None
    languages = _LANGUAGE(row)
    language = element_text(languages[0]) if languages else ""
    stars = _count(_STARS(row))
    forks = _count(_FORKS(row))
    gained: int | None = None
    for span in _SPANS(row):
        found = _GAINED.search(element_text(span))
        if found:
            gained = parse_count(found.group(1))
            break
    title = title_text(f"{full_name}: {description}" if description else full_name)
    return ParsedItem(
        title=title,
        url=url,
        external_id=full_name,
        author=owner,
        text=description,
        summary_html=_summary_html(description, language, stars, forks, gained, since),
        score=gained,
        tags=clean_tags([language, f"since:{since}"]),
    )


def _count(links: list[etree._Element]) -> int | None:
    return parse_count(element_text(links[0])) if links else None


_PERIOD = {"daily": "today", "weekly": "this week", "monthly": "this month"}


def _summary_html(
    description: str | None,
    language: str,
    stars: int | None,
    forks: int | None,
    gained: int | None,
    since: str,
) -> str:
    parts = []
    if description:
        parts.append(f"<p>{html.escape(description, quote=False)}</p>")
    facts = []
    if language:
        facts.append(html.escape(title_text(language), quote=False))
    if stars is not None:
        facts.append(f"{stars:,} stars")
    if forks is not None:
        facts.append(f"{forks:,} forks")
    if gained is not None:
        facts.append(f"{gained:,} stars {_PERIOD.get(since, since)}")
    if facts:
        parts.append("<p>" + " · ".join(facts) + "</p>")
    return "".join(parts)


class GithubTrendingCollector(SingleRequestCollector):
    kind = "github_trending"

    def request_url(self, source: Any) -> str:
        return trending_url(source.url, source.since, source.language)

    def parse(self, source: Any, body: Body) -> ParseResult:
        return parse_github_trending(
            body.data,
            content_type=body.content_type,
            base_url=body.final_url,
            since=source.since,
            now=body.observed_at,
        )
