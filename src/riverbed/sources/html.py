"""`html`: CSS-selector scraping of any listing page (a blog index, a news list).

`selectors.item` selects each entry of the page; `title`, `link`, `date`, `summary` and
`author` are selectors inside one entry (the first match is used; an entry may match
itself, e.g. `item: a.story` with `link: a`).

- `title`: the visible text of the match (script/style dropped, whitespace collapsed,
  <= 1,000 characters).
- `url`: the `href` of the `link` match, or of the first `<a href>` inside it; resolved
  against the page's `<base href>` and the URL the page was finally fetched from; only
  http(s) links are kept.
- `published_at`: the `datetime` attribute of the match or of a `<time>` inside it, else
  its `title`/`content` attribute, else its text, read by `htmlutil.lenient_date`
  (RFC 822/ISO, "3 Nov 2025", "Posted on November 3, 2025", "2 hours ago" relative to `now`).
- `text`: the visible text of the `summary` match (<= 20,000 characters); `summary_html`: its
  markup as published (rendering sanitises it).
- `author`: the visible text of the `author` match.
- `external_id`: None (identity falls back to the canonical URL).

An entry without a title or an http(s) link is an `invalid_item` problem. Links repeated on
the page keep their first entry. Failures: a selector that matches nothing on the page:
`not_a_feed` ("selector matched nothing"); an invalid CSS selector: `not_a_feed` naming it
(a catalogue never gets this far with one: `riverbed sources validate` refuses it);
a page over the scraping limits of `htmlutil.parse_html_document`: `too_large`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import lxml.html
from cssselect import ExpressionError, SelectorError
from lxml import etree

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.core.urls import MAX_URL_CHARS
from riverbed.fetch.session import Body
from riverbed.sources.base import SingleRequestCollector
from riverbed.sources.htmlutil import (
    SUMMARY_HTML_MAX_CHARS,
    Select,
    body_text,
    css,
    element_text,
    http_url,
    lenient_date,
    parse_html_document,
    scrub,
    title_text,
)

SELECTOR_FIELDS = ("item", "title", "link", "date", "summary", "author")


def compile_selectors(selectors: Mapping[str, str | None]) -> dict[str, Select]:
    """Compiled CSS selectors by field; raises `not_a_feed` naming an invalid one."""
    out: dict[str, Select] = {}
    for name in SELECTOR_FIELDS:
        selector = selectors.get(name)
        if not selector:
            if name in ("item", "title", "link"):
                raise RiverbedError(ErrorKind.NOT_A_FEED, f"selector {name!r} is missing")
            continue
        try:
            out[name] = css(selector)
        except (SelectorError, ExpressionError) as e:
            raise RiverbedError(
                ErrorKind.NOT_A_FEED, f"invalid CSS selector for {name}: {selector!r} ({e})"
            ) from None
    return out


def parse_html_listing(
    body: bytes,
    *,
    selectors: Mapping[str, str | None],
    content_type: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> ParseResult:
    """Scrape a listing page (see the module docstring). Pure."""
    now = now if now is not None else datetime.now(UTC)
    select = compile_selectors(selectors)
    root = parse_html_document(body, content_type=content_type, base_url=base_url)
    base = _document_base(root, base_url)
    entries = select["item"](root)
    if not entries:
        raise RiverbedError(
            ErrorKind.NOT_A_FEED, f"selector matched nothing (item: {selectors.get('item')!r})"
        )
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        done = _entry(entry, index, select, base, now)
        if isinstance(done, ItemProblem):
            problems.append(done)
        elif done.url not in seen:
            seen.add(done.url or "")
            items.append(done)
    head_title = root.find(".//head/title")
    feed_title = title_text(element_text(head_title)) if head_title is not None else ""
    return ParseResult(items=items, problems=problems, feed_title=feed_title or None, format="html")


def _document_base(root: etree._Element, base_url: str | None) -> str | None:
    for base in root.iterfind(".//head/base[@href]"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(base_url or "", href)
    return base_url


def _first(select: Select | None, entry: etree._Element) -> Any:
    if select is None:
        return None
    found = select(entry)
    return found[0] if found else None


def _entry(
    entry: etree._Element,
    index: int,
    select: Mapping[str, Select],
    base: str | None,
    now: datetime,
) -> ParsedItem | ItemProblem:
    link_el = _first(select["link"], entry)
    url = _link(link_el, base) if link_el is not None else None
    title_el = _first(select["title"], entry)
    title = title_text(element_text(title_el)) if title_el is not None else ""
    if not title:
        return ItemProblem(ErrorKind.INVALID_ITEM, f"entry {index} has no title", url=url)
    if url is None:
        return ItemProblem(
            ErrorKind.INVALID_ITEM, f"entry {index} ({title[:80]!r}) has no http(s) link"
        )
    summary_el = _first(select.get("summary"), entry)
    author_el = _first(select.get("author"), entry)
    date_el = _first(select.get("date"), entry)
    return ParsedItem(
        title=title,
        url=url,
        author=title_text(element_text(author_el)) or None if author_el is not None else None,
        published_at=_date(date_el, now) if date_el is not None else None,
        text=body_text(element_text(summary_el)) if summary_el is not None else None,
        summary_html=_markup(summary_el) if summary_el is not None else None,
    )


def _link(element: etree._Element, base: str | None) -> str | None:
    href = element.get("href")
    if not href:
        inner = element.find(".//a[@href]")
        href = inner.get("href") if inner is not None else None
    if not href:
        return None
    href = scrub(href.strip())
    if len(href) > MAX_URL_CHARS:
        return None
    try:
        return http_url(urljoin(base, href) if base else href)
    except ValueError:
        return None


def _date(element: etree._Element, now: datetime) -> datetime | None:
    candidates = [element.get("datetime")]
    inner = element.find(".//time[@datetime]")
    if inner is not None:
        candidates.append(inner.get("datetime"))
    candidates += [element.get("title"), element.get("content"), element_text(element)]
    for value in candidates:
        found = lenient_date(value, now=now) if value else None
        if found is not None:
            return found
    return None


def _markup(element: etree._Element) -> str | None:
    markup = lxml.html.tostring(element, encoding="unicode", with_tail=False)
    if not isinstance(markup, str) or not markup.strip():
        return None
    return scrub(markup.strip())[:SUMMARY_HTML_MAX_CHARS]


class HtmlCollector(SingleRequestCollector):
    kind = "html"

    def request_url(self, source: Any) -> str:
        return str(source.url)

    def parse(self, source: Any, body: Body) -> ParseResult:
        selectors = source.selectors
        mapping = selectors.model_dump() if hasattr(selectors, "model_dump") else selectors
        return parse_html_listing(
            body.data,
            selectors=mapping,
            content_type=body.content_type,
            base_url=body.final_url,
            now=body.observed_at,
        )
