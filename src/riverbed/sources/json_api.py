"""`json_api`: any JSON API mapped to items with dotted paths.

`items` is the dotted path of the list of items in the document (`""`: the document itself
is the list); each of `fields` (`title`, `url`, `published_at`, `author`, `score`,
`comments`, `text`, `id`, `comments_url`) is a dotted path inside one element. A segment
reads a key of an object or, when it is an integer (`-1` counts from the end), an index of a
list: `hits`, `data.children`, `links.0.href`.

Values:
- `title` (required): a string (numbers are written as text), cleaned and capped at 1,000
  characters; an element without one is an `invalid_item` problem and is left out.
- `url`, `comments_url`: strings, resolved against the URL the document came from; only
  http(s) URLs are kept (`null` or missing: None — self posts have no link).
- `id` -> `external_id`: a string or an integer.
- `published_at`: an ISO 8601 / RFC 822 string, or unix time as a number or a numeric string
  (seconds, or milliseconds when the number is too large to be seconds); UTC, plausible dates
  only.
- `author`: a string, or a list of strings (joined with ", ").
- `score`, `comments`: integers; integral floats and numeric strings ("42", "1,234") are
  accepted; `score` may be negative, `comments` may not.
- `text`: plain text of a string (HTML is stripped, and then kept as `summary_html`),
  <= 20,000 characters.
A present value of the wrong type or unreadable (e.g. `"score": "lots"`) makes that field None
and adds an `invalid_item` problem naming the field; the item itself is kept. Lone surrogates
are removed from every string.

Failures: empty body or a document where `items` is missing, is not a list or is an empty
list: `not_a_feed`; malformed JSON (or nested too deeply for the parser): `parse_error`.
Duplicate ids: the first element is kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from riverbed.core.dates import parse_date
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ItemProblem, ParsedItem, ParseResult
from riverbed.core.text import html_to_text, looks_like_html
from riverbed.core.urls import MAX_URL_CHARS
from riverbed.fetch.session import Body
from riverbed.sources.base import SingleRequestCollector
from riverbed.sources.htmlutil import (
    SUMMARY_HTML_MAX_CHARS,
    TEXT_MAX_CHARS,
    body_text,
    http_url,
    join_names,
    parse_count,
    scrub,
    title_text,
    unix_time,
)

_MISSING = object()
_MAX_INT = 2**53


class _Invalid(ValueError):
    """A present value that cannot be used."""


def resolve_path(document: Any, path: str) -> Any:
    """The value at a dotted path, or `MISSING` (see the module docstring)."""
    if not path:
        return document
    current = document
    for segment in path.split("."):
        if isinstance(current, dict):
            if segment not in current:
                return _MISSING
            current = current[segment]
        elif isinstance(current, list):
            try:
                index = int(segment)
            except ValueError:
                return _MISSING
            if not -len(current) <= index < len(current):
                return _MISSING
            current = current[index]
        else:
            return _MISSING
    return current


MISSING = _MISSING


def parse_json_api(
    body: bytes,
    *,
    items_path: str,
    fields: Mapping[str, str | None],
    base_url: str | None = None,
    now: datetime | None = None,
) -> ParseResult:
    """Parse a JSON API response with a dotted-path mapping (see the module docstring). Pure.

    `fields` maps item fields (`title`, `url`, ...) to dotted paths (None: not mapped).
    """
    now = now if now is not None else datetime.now(UTC)
    data = bytes(body)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise RiverbedError(ErrorKind.NOT_A_FEED, "empty document")
    try:
        document = json.loads(data)
    except RecursionError:
        raise RiverbedError(ErrorKind.PARSE_ERROR, "JSON nested too deeply") from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"malformed JSON: {str(e)[:300]}") from None
    elements = resolve_path(document, items_path)
    where = f"items path {items_path!r}" if items_path else "the document"
    if elements is _MISSING:
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"{where} not found in the JSON document")
    if not isinstance(elements, list):
        raise RiverbedError(
            ErrorKind.NOT_A_FEED, f"{where} is {_describe(elements)}, not a list of items"
        )
    if not elements:
        raise RiverbedError(ErrorKind.NOT_A_FEED, f"{where} is an empty list")
    paths = {name: path for name, path in fields.items() if path is not None}
    items: list[ParsedItem] = []
    problems: list[ItemProblem] = []
    seen: set[str] = set()
    for index, element in enumerate(elements):
        item = _element(element, index, paths, base_url, now, problems)
        if item is None:
            continue
        if item.external_id is not None:
            if item.external_id in seen:
                continue
            seen.add(item.external_id)
        items.append(item)
    return ParseResult(items=items, problems=problems, format="json_api")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class _Reader:
    """Reads the mapped fields of one element, collecting what is unusable."""

    def __init__(self, element: Any, paths: Mapping[str, str]) -> None:
        self.element = element
        self.paths = paths
        self.errors: list[str] = []

    def get(self, name: str, convert: Any) -> Any:
        path = self.paths.get(name)
        if path is None:
            return None
        value = resolve_path(self.element, path)
        if value is _MISSING or value is None:
            return None
        try:
            return convert(value)
        except _Invalid as e:
            self.errors.append(f"{name} ({path}): {e}")
            return None


def _element(
    element: Any,
    index: int,
    paths: Mapping[str, str],
    base_url: str | None,
    now: datetime,
    problems: list[ItemProblem],
) -> ParsedItem | None:
    if not isinstance(element, dict | list):
        problems.append(
            ItemProblem(ErrorKind.INVALID_ITEM, f"item {index} is {_describe(element)}")
        )
        return None
    reader = _Reader(element, paths)
    external_id = reader.get("id", _id)
    url = reader.get("url", lambda v: _url(v, base_url))
    title = reader.get("title", _title)
    if not title:
        detail = f"; {'; '.join(reader.errors)}" if reader.errors else ""
        problems.append(
            ItemProblem(
                ErrorKind.INVALID_ITEM,
                f"item {index} has no title at {paths.get('title')!r}{detail}",
                external_id,
                url,
            )
        )
        return None
    raw_text = reader.get("text", _string)
    item = ParsedItem(
        title=title,
        url=url,
        external_id=external_id,
        author=reader.get("author", _author),
        published_at=reader.get("published_at", lambda v: _date(v, now)),
        text=_text(raw_text),
        summary_html=raw_text[:SUMMARY_HTML_MAX_CHARS]
        if raw_text and looks_like_html(raw_text)
        else None,
        score=reader.get("score", lambda v: _int(v, negative=True)),
        comments=reader.get("comments", lambda v: _int(v, negative=False)),
        comments_url=reader.get("comments_url", lambda v: _url(v, base_url)),
    )
    if reader.errors:
        problems.append(
            ItemProblem(
                ErrorKind.INVALID_ITEM,
                f"item {index}: unusable " + "; ".join(reader.errors),
                external_id,
                url,
            )
        )
    return item


def _string(value: Any) -> str:
    if isinstance(value, str):
        return scrub(value)
    raise _Invalid(f"expected a string, got {_describe(value)}")


def _title(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return title_text(_string(value))


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = _string(value).strip()
    if len(text) > MAX_URL_CHARS:
        raise _Invalid(f"{len(text)} characters (limit {MAX_URL_CHARS})")
    return text or None


def _url(value: Any, base_url: str | None) -> str | None:
    text = _string(value).strip()
    if not text:
        return None
    if len(text) > MAX_URL_CHARS:
        raise _Invalid(f"{len(text)} characters (limit {MAX_URL_CHARS})")
    try:
        resolved = urljoin(base_url, text) if base_url else text
    except ValueError:
        raise _Invalid(f"malformed URL {text[:200]!r}") from None
    return http_url(resolved)


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise _Invalid("expected a string or a list of strings")
        return join_names([scrub(v) for v in value])
    return join_names([_string(value)])


def _date(value: Any, now: datetime) -> datetime | None:
    if isinstance(value, bool):
        raise _Invalid("expected a date, got a boolean")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = (
                float(text) if text and text.lstrip("-").replace(".", "", 1).isdigit() else None
            )
        except ValueError:
            number = None
        if number is None:
            found = parse_date(scrub(text), now=now)
            if found is None:
                raise _Invalid(f"unreadable or implausible date {text[:60]!r}")
            return found
    else:
        raise _Invalid(f"expected a date, got {_describe(value)}")
    found = unix_time(number, now=now)
    if found is None:
        raise _Invalid(f"implausible unix time {value!r}")
    return found


def _int(value: Any, *, negative: bool) -> int:
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        sign = -1 if text.startswith("-") else 1
        count = parse_count(text.removeprefix("-"))
        number = None if count is None else sign * count
    if number is None or abs(number) >= _MAX_INT or (number < 0 and not negative):
        raise _Invalid(
            f"expected {'an' if negative else 'a non-negative'} integer, got {value!r}"[:200]
        )
    return number


def _text(raw: str | None) -> str | None:
    if not raw:
        return None
    if looks_like_html(raw):
        return html_to_text(raw, TEXT_MAX_CHARS)
    return body_text(raw)


class JsonApiCollector(SingleRequestCollector):
    kind = "json_api"

    def request_url(self, source: Any) -> str:
        return str(source.url)

    def parse(self, source: Any, body: Body) -> ParseResult:
        fields = (
            source.fields.model_dump() if hasattr(source.fields, "model_dump") else source.fields
        )
        return parse_json_api(
            body.data,
            items_path=source.items,
            fields=fields,
            base_url=body.final_url,
            now=body.observed_at,
        )
