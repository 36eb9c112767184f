"""Title, author and published date of a page, from its markup (read before any pruning).

Sources, best first:
- title: `og:title`, the JSON-LD article's `headline`, `twitter:title`, then (in
  `extract_article`) the extractor's title, then `<title>`, then the first `<h1>`;
- author: the JSON-LD article's `author` (names of Person/Organization objects or strings),
  `<meta name="author">`, `article:author` (when it is a name, not a profile URL), an element
  with `rel="author"` or `itemprop="author"`, then the extractor's author;
- published date: `article:published_time` (and `og:published_time`), the JSON-LD article's
  `datePublished` (then `dateCreated`), `itemprop="datePublished"`, the common `<meta>` date
  names (`date`, `pubdate`, `dc.date`, `dcterms.created`, `parsely-pub-date`, ...), a `<time
  datetime>` with `pubdate` or inside `<article>`/`<main>`, or the only one on the page, then
  the extractor's date.
  Each candidate is read by `core.dates.parse_date` (aware UTC; before 1995 or more than two
  days in the future is dropped and the next candidate tried).

JSON-LD is untrusted input: at most `JSONLD_MAX_SCRIPTS` scripts of `JSONLD_MAX_CHARS` each,
decoding errors and deep nesting (RecursionError) are ignored, and the walk over the decoded
value is iterative and bounded (`JSONLD_MAX_NODES`, `JSONLD_MAX_DEPTH`).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from riverbed.core.dates import parse_date
from riverbed.core.text import clean_title, shorten

JSONLD_MAX_SCRIPTS = 20
JSONLD_MAX_CHARS = 512 * 1024
JSONLD_MAX_NODES = 5_000
JSONLD_MAX_DEPTH = 12
AUTHOR_MAX_CHARS = 300
MAX_AUTHORS = 10
TIME_ELEMENTS_READ = 50  # <time> elements looked at, at most

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "posting",
        "socialmediaposting",
        "discussionforumposting",
        "liveblogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "scholarlyarticle",
        "techarticle",
        "report",
        "medicalscholarlyarticle",
    }
)
_PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "qapage", "creativework"})
_META_DATE_NAMES = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.created",
    "dcterms.issued",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
)


@dataclass(slots=True)
class PageMetadata:
    """What the page says about itself. Empty strings never appear: absent is None."""

    og_title: str | None = None
    jsonld_title: str | None = None
    twitter_title: str | None = None
    html_title: str | None = None  # <title>
    h1: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    anchor_texts: frozenset[str] = field(default_factory=frozenset)  # normalised link texts
    noscript_text: str = ""  # text of <noscript> elements (e.g. "enable JavaScript")

    def best_title(self) -> str | None:
        return self.og_title or self.jsonld_title or self.twitter_title


def read_metadata(root: etree._Element, *, now: datetime | None = None) -> PageMetadata:
    """Read the page's own metadata (see the module docstring)."""
    meta = _meta_values(root)
    article = _jsonld_article(root)
    result = PageMetadata()
    result.og_title = _title(meta.get("og:title"))
    result.twitter_title = _title(meta.get("twitter:title"))
    if article is not None:
        result.jsonld_title = _title(
            _string(article.get("headline")) or _string(article.get("name"))
        )
    title = root.find(".//title")
    if title is not None:
        result.html_title = _title(_text(title))
    h1 = next(root.iter("h1"), None)
    if h1 is not None:
        result.h1 = _title(_text(h1))
    result.author = _author(article, meta, root)
    result.published_at = _published(article, meta, root, now=now)
    result.anchor_texts = _anchor_texts(root)
    result.noscript_text = " ".join(_text(e) for e in root.iter("noscript"))[:2000]
    return result


def _text(element: etree._Element) -> str:
    parts = [t for t in element.itertext() if isinstance(t, str)]
    return " ".join(" ".join(parts).split())


def _title(value: str | None) -> str | None:
    if not value:
        return None
    return clean_title(value, html_markup=False) or None


def _meta_values(root: etree._Element) -> dict[str, str]:
    """`<meta>` name/property -> content (lower-cased keys, first occurrence wins)."""
    values: dict[str, str] = {}
    for element in root.iter("meta"):
        content = element.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            key = element.get(attribute)
            if key:
                values.setdefault(key.strip().lower(), content.strip())
    return values


# -- JSON-LD ------------------------------------------------------------------------------


def _jsonld_article(root: etree._Element) -> dict[str, Any] | None:
    """The first JSON-LD object of an article type (else of a web-page type), if any."""
    page: dict[str, Any] | None = None
    for index, script in enumerate(root.iter("script")):
        if index >= JSONLD_MAX_SCRIPTS * 10:
            break
        kind = (script.get("type") or "").strip().lower()
        if kind != "application/ld+json":
            continue
        source = script.text or ""
        if not source.strip() or len(source) > JSONLD_MAX_CHARS:
            continue
        try:
            value = json.loads(source)
        except (ValueError, RecursionError):
            continue
        for node in _objects(value):
            types = _types(node)
            if types & ARTICLE_TYPES:
                return node
            if page is None and types & _PAGE_TYPES:
                page = node
    return page


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside `value`, breadth-first, bounded in count and depth."""
    queue: deque[tuple[Any, int]] = deque([(value, 0)])
    seen = 0
    while queue and seen < JSONLD_MAX_NODES:
        current, depth = queue.popleft()
        seen += 1
        if depth > JSONLD_MAX_DEPTH:
            continue
        if isinstance(current, dict):
            yield current
            queue.extend((v, depth + 1) for v in current.values() if isinstance(v, dict | list))
        elif isinstance(current, list):
            queue.extend((v, depth + 1) for v in current if isinstance(v, dict | list))


def _types(node: dict[str, Any]) -> frozenset[str]:
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return frozenset(
        n.rsplit("/", 1)[-1].strip().lower() for n in names if isinstance(n, str) and n.strip()
    )


def _string(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0].strip() or None
    return None


# -- author -------------------------------------------------------------------------------


def _author(
    article: dict[str, Any] | None, meta: dict[str, str], root: etree._Element
) -> str | None:
    names: list[str] = []
    if article is not None:
        names = _jsonld_names(article.get("author"))
    if not names:
        for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
            value = meta.get(key)
            if value and not value.lower().startswith(("http://", "https://", "/")):
                names = [value]
                break
    if not names:
        for element in root.iter("a", "span", "p", "div", "address"):
            if element.get("rel") == "author" or element.get("itemprop") == "author":
                text = _text(element)
                if 0 < len(text) <= 100:
                    names = [text]
                    break
    return join_authors(names)


def _jsonld_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items[:MAX_AUTHORS]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            name = _string(item.get("name"))
            if name:
                names.append(name)
    return names


def join_authors(names: list[str]) -> str | None:
    """Author names as one line ("A, B"), duplicates dropped; None if there are none."""
    cleaned = [clean_title(n, html_markup=False) for n in names]
    unique = list(dict.fromkeys(n for n in cleaned if n))
    if not unique:
        return None
    return shorten(", ".join(unique), AUTHOR_MAX_CHARS)


# -- date ---------------------------------------------------------------------------------


def _published(
    article: dict[str, Any] | None,
    meta: dict[str, str],
    root: etree._Element,
    *,
    now: datetime | None,
) -> datetime | None:
    for candidate in _date_candidates(article, meta, root):
        found = parse_date(candidate, now=now)
        if found is not None:
            return found
    return None


def _date_candidates(
    article: dict[str, Any] | None, meta: dict[str, str], root: etree._Element
) -> Iterator[str]:
    for key in _META_DATE_NAMES[:3]:
        if key in meta:
            yield meta[key]
    if article is not None:
        for key in ("datePublished", "dateCreated"):
            value = _string(article.get(key))
            if value:
                yield value
    for element in root.iter("time", "span", "div", "p"):
        if element.get("itemprop") == "datePublished":
            value = element.get("datetime") or element.get("content") or _text(element)
            if value:
                yield value
            break
    for key in _META_DATE_NAMES[3:]:
        if key in meta:
            yield meta[key]
    times = []
    for index, element in enumerate(root.iter("time")):
        if index >= TIME_ELEMENTS_READ:
            break
        if element.get("datetime"):
            times.append(element)
    for element in times:
        if element.get("pubdate") is not None:
            yield element.get("datetime", "")
    for element in times:
        if any(a.tag in ("article", "main") for a in element.iterancestors()):
            yield element.get("datetime", "")
    if len(times) == 1:  # a lone <time> on the page is the article's
        yield times[0].get("datetime", "")


# -- links --------------------------------------------------------------------------------

ANCHOR_TEXTS_MAX = 5_000


def _anchor_texts(root: etree._Element) -> frozenset[str]:
    """The page's link texts, normalised as `normalise_line` does (for the boilerplate rule)."""
    texts: set[str] = set()
    for element in root.iter("a"):
        text = normalise_line(_text(element))
        if text:
            texts.add(text)
            if len(texts) >= ANCHOR_TEXTS_MAX:
                break
    return frozenset(texts)


def normalise_line(text: str) -> str:
    """A line of text as compared against link texts: case-folded, whitespace collapsed,
    surrounding punctuation removed."""
    return " ".join(text.casefold().split()).strip(" .,;:·|•-–—»«›‹>()[]")
