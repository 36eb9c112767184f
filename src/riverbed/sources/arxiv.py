"""arXiv: the export API (`/api/query`, Atom with `arxiv:` and `opensearch:` elements).

Request: `{url}/api/query?search_query=<query>&sortBy=submittedDate&max_results=<limit>`
(`limit` defaults to `DEFAULT_LIMIT`). The API sorts newest first for `submittedDate`.

`parse_arxiv` maps each `<entry>` to a `ParsedItem`:
- `external_id`: the arXiv id without its version (`2501.01234`, `hep-th/0101001`), from
  `<id>`; `url`: the abs page as published (`http://arxiv.org/abs/2501.01234v3`; the
  canonicaliser strips the version, so every version is one story);
- `title`: whitespace collapsed (titles come with hard line breaks); `text`: the abstract;
- `author`: ALL author names, in order, joined with ", " (cut with ", et al." past 1,000
  characters — collaborations list hundreds);
- `tags`: `arxiv:primary_category` first, then every other `<category>` (cross-lists);
- `published_at`: `<published>` (first version), else `<updated>`;
- `summary_html`: the abstract (escaped) followed by the author comment (`arxiv:comment`),
  the journal reference and a link to the PDF. Decision: the PDF link lives here, not in
  `comments_url`, which is reserved for discussion pages (stories list it as one).
- `score`, `comments`, `comments_url`: None (the API has no engagement data).

Failures: the API's error feed (an entry whose id is under `/api/errors`, titled "Error")
is `not_a_feed` with the API's message; a feed with no entries (`opensearch:totalResults` 0)
is `not_a_feed` as for every feed, so an empty answer can never empty a day's partition; see
`htmlutil.parse_xml` for malformed and unsafe documents.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, urlencode, urljoin

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
    clean_tags,
    http_url,
    join_names,
    parse_xml,
    scrub,
    title_text,
)

DEFAULT_LIMIT = 50
ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
NS = {"a": ATOM, "arxiv": ARXIV, "opensearch": OPENSEARCH}

_ABS_ID = re.compile(r"/abs/(.+?)(?:v\d+)?/?$")


def arxiv_query_url(base_url: str, query: str, max_results: int) -> str:
    """The export API URL of a search under `base_url` (no trailing slash)."""
    params = {"search_query": query, "sortBy": "submittedDate", "max_results": str(max_results)}
    return f"{base_url.rstrip('/')}/api/query?" + urlencode(params, quote_via=quote_plus, safe=":")


def parse_arxiv(
    body: bytes,
    *,
    content_type: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> ParseResult:
    """Parse an arXiv export API response (see the module docstring). Pure."""
    now = now if now is not None else datetime.now(UTC)
    root = parse_xml(body, content_type=content_type, roots=frozenset({"feed"}))
    entries = root.findall("a:entry", NS)
    for entry in entries:
        entry_id = (child_text(entry, "a:id", NS) or "").strip()
        title = (child_text(entry, "a:title", NS) or "").strip()
        if "/api/errors" in entry_id or (
            title == "Error" and entry.find("a:published", NS) is None
        ):
            message = " ".join((child_text(entry, "a:summary", NS) or "unknown error").split())
            raise RiverbedError(ErrorKind.NOT_A_FEED, f"arXiv API error: {message[:300]}")
    if not entries:
        total = (child_text(root, "opensearch:totalResults", NS) or "?").strip()
        raise RiverbedError(
            ErrorKind.NOT_A_FEED, f"arXiv query returned no entries (totalResults {total[:20]})"
        )
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    seen: set[str] = set()
    for entry in entries:
        done = _entry(entry, base_url, now)
        if isinstance(done, ItemProblem):
            problems.append(done)
        elif done.external_id not in seen:
            seen.add(done.external_id or "")
            items.append(done)
    feed_title = title_text(child_text(root, "a:title", NS)) or None
    return ParseResult(items=items, problems=problems, feed_title=feed_title, format="arxiv")


def _entry(entry: etree._Element, base_url: str | None, now: datetime) -> ParsedItem | ItemProblem:
    raw_id = scrub((child_text(entry, "a:id", NS) or "").strip())
    m = _ABS_ID.search(raw_id)
    paper_id = m.group(1) if m else None
    abs_url: str | None = None
    pdf_url: str | None = None
    for link in entry.findall("a:link", NS):
        href = link.get("href")
        if not href:
            continue
        href = urljoin(base_url or "", href.strip())
        rel = link.get("rel", "alternate")
        if rel == "alternate" and abs_url is None:
            abs_url = http_url(href)
        elif link.get("title") == "pdf" or link.get("type") == "application/pdf":
            pdf_url = pdf_url or http_url(href)
    if abs_url is None and paper_id is not None:
        abs_url = http_url(raw_id)
    if paper_id is None or len(paper_id) > 64:
        return ItemProblem(
            ErrorKind.INVALID_ITEM,
            f"entry id {raw_id[:200]!r} is not an arXiv abs URL",
            url=abs_url,
        )
    title = title_text(child_text(entry, "a:title", NS))
    if not title:
        return ItemProblem(ErrorKind.INVALID_ITEM, "entry has no title", paper_id, abs_url)
    abstract = body_text(child_text(entry, "a:summary", NS))
    authors = [child_text(a, "a:name", NS) or "" for a in entry.findall("a:author", NS)]
    primary = entry.find("arxiv:primary_category", NS)
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall("a:category", NS)]
    published = child_text(entry, "a:published", NS) or child_text(entry, "a:updated", NS)
    return ParsedItem(
        title=title,
        url=abs_url,
        external_id=paper_id,
        author=join_names(authors),
        published_at=parse_date(published.strip() if published else None, now=now),
        text=abstract,
        summary_html=_summary_html(entry, abstract, pdf_url),
        tags=clean_tags(categories),
    )


def _summary_html(entry: etree._Element, abstract: str | None, pdf_url: str | None) -> str | None:
    parts: list[str] = []
    if abstract:
        parts.append(f"<p>{html.escape(abstract, quote=False)}</p>")
    comment = body_text(child_text(entry, "arxiv:comment", NS), 2000)
    if comment:
        parts.append(f"<p>Comment: {html.escape(comment, quote=False)}</p>")
    journal = body_text(child_text(entry, "arxiv:journal_ref", NS), 2000)
    if journal:
        parts.append(f"<p>Journal reference: {html.escape(journal, quote=False)}</p>")
    if pdf_url:
        parts.append(f'<p><a href="{html.escape(pdf_url)}">PDF</a></p>')
    return "".join(parts)[:SUMMARY_HTML_MAX_CHARS] or None


class ArxivCollector(SingleRequestCollector):
    kind = "arxiv"

    def request_url(self, source: Any) -> str:
        return arxiv_query_url(source.url, source.query, source.limit or DEFAULT_LIMIT)

    def parse(self, source: Any, body: Body) -> ParseResult:
        result = parse_arxiv(
            body.data,
            content_type=body.content_type,
            base_url=body.final_url,
            now=body.observed_at,
        )
        result.items = result.items[: source.limit or DEFAULT_LIMIT]
        return result
