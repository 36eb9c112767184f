"""Locate entry fields in a JSON Feed 1.0/1.1 document (https://jsonfeed.org/version/1.1).

Values of the wrong JSON type are treated as absent; an item that is not an object becomes an
`invalid_item` problem. Relative URLs are resolved against the feed's own URL.
"""

from __future__ import annotations

from typing import Any

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem
from riverbed.sources.feed_entry import RawEntry, RawFeed, resolve

_VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")


def extract_json_feed(doc: Any, base_url: str | None) -> RawFeed:
    """The entries of a decoded JSON document; NOT_A_FEED unless it is a JSON Feed."""
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith(_VERSION_PREFIXES):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "JSON document is not a JSON Feed")
    items = doc.get("items")
    if not isinstance(items, list):
        raise RiverbedError(ErrorKind.NOT_A_FEED, "JSON Feed without an items list")
    fmt = "jsonfeed11" if version.rstrip("/").endswith("1.1") else "jsonfeed10"
    feed_authors = _authors(doc)
    entries: list[RawEntry] = []
    problems: list[ItemProblem] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            entries.append(_entry(item, feed_authors, base_url))
        else:
            problems.append(
                ItemProblem(ErrorKind.INVALID_ITEM, f"JSON Feed item {index} is not an object")
            )
    return RawFeed(fmt, _str(doc.get("title")), entries, problems, title_html=False)


def _entry(item: dict[str, Any], feed_authors: list[str], base_url: str | None) -> RawEntry:
    item_id = item.get("id")
    guid = (
        str(item_id) if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None
    )
    content_html = _str(item.get("content_html"))
    content_text = _str(item.get("content_text"))
    tags = item.get("tags")
    return RawEntry(
        title=_str(item.get("title")),
        title_html=False,
        link=resolve(_str(item.get("url")) or _str(item.get("external_url")), base_url),
        guid=guid.strip() if guid and guid.strip() else None,
        authors=_authors(item) or feed_authors,
        published=_str(item.get("date_published")),
        updated=_str(item.get("date_modified")),
        summary=_str(item.get("summary")),
        summary_html=False,
        content=content_html or content_text,
        content_html=content_html is not None,
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
    )


def _authors(obj: dict[str, Any]) -> list[str]:
    """Names from JSON Feed 1.1 `authors` (a list) or 1.0 `author` (an object)."""
    authors = obj.get("authors")
    if not isinstance(authors, list):
        author = obj.get("author")
        authors = [author] if isinstance(author, dict) else []
    names = (a.get("name") for a in authors if isinstance(a, dict))
    return [n for n in names if isinstance(n, str) and n.strip()]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
