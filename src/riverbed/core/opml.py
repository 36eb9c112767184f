"""OPML subscription lists -> catalogue YAML (`riverbed sources import-opml`).

Every outline with an `xmlUrl` becomes an `rss` source; the folders it sits in (outlines
without `xmlUrl`) and its OPML 2.0 `category` become its tags. Ids are slugs of the
title (or, failing that, of the URL), made unique. A feed listed twice becomes one source
with the tags of both places.

Parsing is hardened: no DTD is loaded, no entity is expanded, nothing is fetched, and a
document that declares entities is refused outright.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from riverbed.core.catalogue.models import MAX_ID_LENGTH, check_http_url
from riverbed.core.safexml import safe_parser

MAX_OPML_BYTES = 20 * 1024 * 1024
_SLUG_ID_LENGTH = 48
_TAG_RE = re.compile(r"[^a-z0-9+#._]+")
_ID_RE = re.compile(r"[^a-z0-9]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")


class OpmlError(ValueError):
    """The input is not a usable OPML subscription list (the message says why)."""


@dataclass(slots=True)
class OpmlFeed:
    """One subscription: where it is and which folders/categories it was filed under."""

    xml_url: str
    title: str | None = None
    html_url: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OpmlDocument:
    title: str | None
    feeds: list[OpmlFeed]
    skipped: list[str]  # human-readable reasons, one per outline left out


def parse_opml(data: bytes) -> OpmlDocument:
    """Parse an OPML 1.0/2.0 subscription list; raises OpmlError when it is not one."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"too large ({len(data)} bytes; at most {MAX_OPML_BYTES})")
    root = _parse_xml(data)
    if _local_name(root.tag) != "opml":
        raise OpmlError(f"not OPML: the root element is <{_local_name(root.tag)}>, not <opml>")
    body = _child(root, "body")
    if body is None:
        raise OpmlError("not OPML: <opml> has no <body>")
    head = _child(root, "head")
    title_el = _child(head, "title") if head is not None else None
    title = _clean(title_el.text) if title_el is not None else None

    feeds: dict[str, OpmlFeed] = {}
    skipped: list[str] = []
    _walk(body, [], feeds, skipped)
    return OpmlDocument(title=title, feeds=list(feeds.values()), skipped=skipped)


def import_opml(data: bytes, *, every: str = "1h") -> str:
    """Convert an OPML subscription list to catalogue YAML text (validated before return)."""
    from riverbed.core.catalogue.loader import CatalogueError, parse_catalogue

    document = parse_opml(data)
    if not document.feeds:
        raise OpmlError("no feeds found (no <outline> has an http(s) xmlUrl)")
    used: set[str] = set()
    lines = [
        "# riverbed source catalogue, imported from OPML"
        + (f": {_comment(document.title)}" if document.title else ""),
        f"# {len(document.feeds)} feeds; folders and categories became tags. Review the ids,",
        "# tags and cadences (`every`), then check it with `riverbed sources validate FILE`.",
    ]
    lines.extend(f"# skipped {reason}" for reason in document.skipped)
    lines.append("sources:")
    for feed in document.feeds:
        source_id = _unique(_id_for(feed), used)
        if feed.title:
            lines.append(f"  # {_comment(feed.title)}")
        lines.append(f"  - id: {_q(source_id)}")
        lines.append("    kind: rss")
        lines.append(f"    url: {_q(feed.xml_url)}")
        lines.append(f"    every: {_q(every)}")
        if feed.tags:
            lines.append(f"    tags: [{', '.join(_q(t) for t in feed.tags)}]")
    text = "\n".join(lines) + "\n"
    try:
        parse_catalogue(text, file="<opml import>", env={})
    except CatalogueError as exc:  # a bug here, not in the input: say what failed
        raise OpmlError(f"the converted catalogue is invalid: {exc}") from None
    return text


# -- XML -------------------------------------------------------------------------------------------


_ENTITY_DECLARATIONS = tuple(
    "<!ENTITY".encode(codec) for codec in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le")
)


def _parse_xml(data: bytes) -> etree._Element:
    # Refused before parsing: entities are how XML bombs and external-file reads work, and
    # a subscription list has no use for them.
    if any(marker in data for marker in _ENTITY_DECLARATIONS):
        raise OpmlError("refused: the document declares entities (<!ENTITY>)")
    parser = safe_parser()
    try:
        tree = etree.fromstring(data, parser=parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise OpmlError(f"not well-formed XML: {exc.msg}{line}") from None
    dtd: Any = tree.docinfo.internalDTD  # lxml-stubs lack DTD.iterentities
    if dtd is not None and (list(dtd.iterentities()) or list(dtd.iterelements())):
        raise OpmlError("refused: the document declares a DTD with entities or elements")
    root = tree.getroot()
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise OpmlError("refused: the document uses entity references")
    return root


def _local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else "?"


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    for child in parent:
        if _local_name(child.tag) == name:
            return child
    return None


def _attr(element: etree._Element, name: str) -> str | None:
    """Attribute by case-insensitive name (exporters write xmlUrl, xmlurl, XMLURL)."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if _local_name(key).lower() == wanted:
            cleaned = _clean(value)
            if cleaned:
                return cleaned
    return None


def _clean(text: str | bytes | None) -> str | None:
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    cleaned = " ".join(_CONTROL_RE.sub(" ", text).split())
    return cleaned or None


def _walk(
    parent: etree._Element, folders: list[str], feeds: dict[str, OpmlFeed], skipped: list[str]
) -> None:
    for outline in parent:
        if _local_name(outline.tag) != "outline":
            continue
        title = _attr(outline, "title") or _attr(outline, "text")
        xml_url = _attr(outline, "xmlUrl")
        if xml_url is None:
            folder = _tag(title) if title else None
            _walk(outline, [*folders, folder] if folder else folders, feeds, skipped)
            continue
        url = _feed_url(xml_url)
        if url is None:
            skipped.append(f"{_comment(title or '(untitled)')}: {_comment(xml_url)} is not http(s)")
            continue
        tags = [*folders, *_categories(_attr(outline, "category"))]
        key = _dedupe_key(url)
        feed = feeds.get(key)
        if feed is None:
            feed = feeds[key] = OpmlFeed(
                xml_url=url, title=title, html_url=_attr(outline, "htmlUrl")
            )
        elif feed.title is None:
            feed.title = title
        feed.tags.extend(t for t in tags if t not in feed.tags)
        # Outlines nested under a feed are unusual but legal; they keep the feed's folders.
        _walk(outline, folders, feeds, skipped)


def _feed_url(value: str) -> str | None:
    url = value.strip()
    if url.lower().startswith("feed:"):  # feed://host/x and feed:https://host/x
        rest = url[5:]
        url = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
    try:
        return check_http_url(url)
    except ValueError:
        return None


def _dedupe_key(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", parts.netloc.lower(), path, parts.query, ""))


def _categories(value: str | None) -> list[str]:
    """OPML 2.0 `category`: comma-separated, each a slash-delimited path; keep the leaves."""
    if not value:
        return []
    out: list[str] = []
    for item in value.split(","):
        leaf = item.strip().strip("/").rsplit("/", 1)[-1]
        tag = _tag(leaf) if leaf else None
        if tag and tag not in out:
            out.append(tag)
    return out


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _tag(text: str) -> str | None:
    tag = _TAG_RE.sub("-", _ascii(text)).strip("-.")[:64]
    return tag or None


def _id_for(feed: OpmlFeed) -> str:
    slug = _ID_RE.sub("-", _ascii(feed.title or "")).strip("-")[:_SLUG_ID_LENGTH].strip("-")
    if slug:
        return slug
    parts = urlsplit(feed.xml_url)
    host = (parts.hostname or "feed").removeprefix("www.")
    return _ID_RE.sub("-", f"{host} {parts.path}".lower()).strip("-")[:_SLUG_ID_LENGTH].strip("-")


def _unique(base: str, used: set[str]) -> str:
    base = base or "feed"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        suffix = f"-{n}"
        candidate = base[: MAX_ID_LENGTH - len(suffix)] + suffix
    used.add(candidate)
    return candidate


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str) -> str:
    """Text safe inside a one-line YAML comment."""
    return _clean(text) or ""
