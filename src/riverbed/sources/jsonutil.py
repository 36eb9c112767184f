"""Shared reading rules for the JSON platform APIs (Hacker News, Reddit, Lobsters).

Documents
- `load_json` decodes a body: empty or HTML (`<` first) -> `not_a_feed`; malformed, not
  UTF-8/16/32, truncated, or nested deeper than the interpreter can follow -> `parse_error`
  (a `RecursionError` never escapes). A leading UTF-8 BOM is ignored.

Items (each helper raises `RiverbedError(INVALID_ITEM)`, which a parser turns into an
`ItemProblem` for that one item)
- A field of the wrong JSON type, or a string holding a lone surrogate (`"\\ud800"` parses but
  cannot be encoded later) in a field that identifies or shows the item (id, title, url,
  author), makes the item invalid. Body text only loses lone surrogates (`core.text` drops
  them).
- Absurd sizes make the item invalid: a title over `TITLE_ABSURD_CHARS`, a URL or id over
  `MAX_URL_CHARS`, an author over `AUTHOR_ABSURD_CHARS`. Titles are then capped at 1,000
  characters (`clean_title`) and text at `TEXT_MAX_CHARS`.
- Only http(s) URLs are kept (anything else becomes None).
- Unix timestamps become timezone-aware UTC; implausible ones (before 1995, or more than two
  days in the future) become None, as `core.dates.parse_date` does for strings.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from riverbed.core.dates import EARLIEST, FUTURE_SLACK
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem
from riverbed.core.text import clean_title, html_to_text, plain_text, shorten
from riverbed.core.urls import MAX_URL_CHARS, http_url_or_none

TEXT_MAX_CHARS = 20_000
SUMMARY_HTML_MAX_CHARS = 100_000
TITLE_ABSURD_CHARS = 64 * 1024
AUTHOR_ABSURD_CHARS = 1_000
AUTHOR_MAX_CHARS = 300
TAG_MAX_CHARS = 100
TAGS_MAX = 50

_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_BLANK = re.compile(rb"[^ \t\r\n]")
_BOM = b"\xef\xbb\xbf"


def load_json(body: bytes, what: str) -> Any:
    """The decoded JSON document; `what` names it in error messages ("Reddit listing")."""
    data = bytes(body)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    m = _NOT_BLANK.search(data)
    if m is None:
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"empty document, expected a {what}")
    if data[m.start()] == ord("<"):
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"markup (an HTML page?), expected a {what}")
    try:
        return json.loads(data)
    except RecursionError:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"{what}: JSON nested too deeply") from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        message = f"{what}: malformed JSON: {str(e)[:300]}"
        raise RiverbedError(ErrorKind.PARSE_ERROR, message) from None


def invalid(message: str) -> RiverbedError:
    return RiverbedError(ErrorKind.INVALID_ITEM, message)


def problem(error: RiverbedError, external_id: str | None, url: str | None = None) -> ItemProblem:
    return ItemProblem(error.kind, error.message, external_id=external_id, url=url)


def has_surrogate(value: str) -> bool:
    return not value.isascii() and _SURROGATE.search(value) is not None


def opt_str(obj: Mapping[str, Any], key: str, *, max_chars: int | None = None) -> str | None:
    """`obj[key]` as a string (None when absent, null or blank). Raises INVALID_ITEM for
    another JSON type, a lone surrogate, or more than `max_chars` characters."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{key} is a {_json_type(value)}, expected a string")
    if has_surrogate(value):
        raise invalid(f"{key} contains a lone surrogate")
    if max_chars is not None and len(value) > max_chars:
        raise invalid(f"{key} is {len(value)} characters (limit {max_chars})")
    return value if value.strip() else None


def opt_text(obj: Mapping[str, Any], key: str) -> str | None:
    """`obj[key]` as a string for body text: lone surrogates are left for `core.text` to drop."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{key} is a {_json_type(value)}, expected a string")
    return value if value.strip() else None


def opt_int(obj: Mapping[str, Any], key: str) -> int | None:
    """`obj[key]` as an int (an integral float is accepted). Raises INVALID_ITEM otherwise."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(f"{key} is a {_json_type(value)}, expected a number")
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise invalid(f"{key} is {value!r}, expected a whole number")
        value = int(value)
    if abs(value) > 2**53:
        raise invalid(f"{key} is out of range")
    return value


def opt_number(obj: Mapping[str, Any], key: str) -> float | None:
    """`obj[key]` as a finite number (timestamps); INVALID_ITEM for another JSON type."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(f"{key} is a {_json_type(value)}, expected a number")
    if not math.isfinite(value) or abs(value) > 2**53:
        raise invalid(f"{key} is out of range")
    return float(value)


def opt_bool(obj: Mapping[str, Any], key: str) -> bool:
    """`obj[key]` is JSON `true` (anything else, including absence, is False)."""
    return obj.get(key) is True


def title_of(obj: Mapping[str, Any], key: str = "title", *, html_markup: bool = False) -> str:
    """The item's title, cleaned and capped; INVALID_ITEM when missing, blank or absurd."""
    raw = opt_str(obj, key, max_chars=TITLE_ABSURD_CHARS)
    title = clean_title(raw, html_markup=html_markup) if raw else ""
    if not title:
        raise invalid(f"item has no {key}")
    return title


def http_url(value: str | None, field: str = "url") -> str | None:
    """An absolute http(s) URL, stripped; None for anything else. INVALID_ITEM if absurd."""
    if value is None:
        return None
    url = value.strip()
    if len(url) > MAX_URL_CHARS:
        raise invalid(f"{field} is {len(url)} characters (limit {MAX_URL_CHARS})")
    return http_url_or_none(url)


def author_of(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > AUTHOR_ABSURD_CHARS:
        raise invalid(f"author is {len(value)} characters (limit {AUTHOR_ABSURD_CHARS})")
    name = clean_title(value, html_markup=False)
    return shorten(name, AUTHOR_MAX_CHARS) if name else None


def html_text(value: str | None) -> str | None:
    return html_to_text(value, TEXT_MAX_CHARS) if value else None


def markdown_text(value: str | None) -> str | None:
    """Markdown/plain body text, whitespace collapsed and capped."""
    return plain_text(value, TEXT_MAX_CHARS) if value else None


def summary_html(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    body = value.strip()[:SUMMARY_HTML_MAX_CHARS]
    return _SURROGATE.sub("", body) if not body.isascii() else body


def unix_time(value: float | None, now: datetime) -> datetime | None:
    """Unix seconds as aware UTC; None when absent or implausible."""
    if value is None:
        return None
    try:
        when = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if when < EARLIEST or when > now + FUTURE_SLACK:
        return None
    return when


def tags_of(values: Iterable[Any]) -> list[str]:
    """Cleaned tags (strings only), deduplicated ignoring case, first spelling kept."""
    tags: dict[str, str] = {}
    for value in values:
        if not isinstance(value, str) or has_surrogate(value):
            continue
        tag = shorten(clean_title(value, html_markup=False), TAG_MAX_CHARS)
        if tag:
            tags.setdefault(tag.casefold(), tag)
            if len(tags) >= TAGS_MAX:
                break
    return list(tags.values())


def dedupe(items: Iterable[ParsedItem]) -> list[ParsedItem]:
    """Items in order, later repeats of an external id dropped (listings shift while paged)."""
    seen: set[str] = set()
    out: list[ParsedItem] = []
    for item in items:
        if item.external_id is not None:
            if item.external_id in seen:
                continue
            seen.add(item.external_id)
        out.append(item)
    return out


def now_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
