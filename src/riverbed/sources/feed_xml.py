"""Locate entry fields in a parsed RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 document (lxml tree).

One pass over each entry's children with a tag -> field table. Links are resolved against
the base in scope at the element that carries them (`xml:base` on any ancestor, then the
document URL), which lxml computes as `element.base`.
"""

from __future__ import annotations

import base64
import binascii
import re

from lxml import etree

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.sources.feed_entry import RawEntry, RawFeed, resolve

ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
THR = "http://purl.org/syndication/thread/1.0"
MEDIA = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"

XMLNS_ATTRIBUTE = re.compile(r"""\s+xmlns(?::[\w.-]+)?=(?:"[^"]*"|'[^']*')""")
_RDF_ROOT = f"{{{RDF}}}RDF"
_RDF_ABOUT = f"{{{RDF}}}about"

_RSS_FIELDS: dict[str, str] = {
    "title": "title",
    "link": "link",
    "guid": "guid",
    "description": "summary",
    "author": "author",
    "pubDate": "published",
    "category": "tag",
    "comments": "comments_url",
    f"{{{CONTENT}}}encoded": "content",
    f"{{{DC}}}creator": "creator",
    f"{{{DC}}}date": "published",
    f"{{{DC}}}subject": "tag",
    f"{{{SLASH}}}comments": "comments",
    f"{{{ATOM10}}}link": "atom_link",
    f"{{{ITUNES}}}author": "itunes_author",
}
for _ns in (RSS10, RSS090):
    for _local, _field in (("title", "title"), ("link", "link"), ("description", "summary")):
        _RSS_FIELDS[f"{{{_ns}}}{_local}"] = _field


def _atom_fields(ns: str) -> dict[str, str]:
    return {
        f"{{{ns}}}id": "guid",
        f"{{{ns}}}title": "title",
        f"{{{ns}}}link": "link",
        f"{{{ns}}}published": "published",
        f"{{{ns}}}issued": "published",
        f"{{{ns}}}created": "created",
        f"{{{ns}}}updated": "updated",
        f"{{{ns}}}modified": "updated",
        f"{{{ns}}}summary": "summary",
        f"{{{ns}}}content": "content",
        f"{{{ns}}}author": "author",
        f"{{{ns}}}category": "category",
        f"{{{DC}}}subject": "tag",
        f"{{{THR}}}total": "comments",
        f"{{{SLASH}}}comments": "comments",
        f"{{{MEDIA}}}group": "media_group",
    }


_ATOM_FIELDS = {ATOM10: _atom_fields(ATOM10), ATOM03: _atom_fields(ATOM03)}


def extract_xml(root: etree._Element) -> RawFeed:
    """The entries of a parsed feed document; NOT_A_FEED if the root is no feed root."""
    tag = root.tag
    if tag == "rss":
        return _rss(root)
    if isinstance(tag, str) and tag.startswith("{") and tag.endswith("}rss"):
        return _rss(_without_namespace(root, tag[: -len("rss")]))
    if tag == _RDF_ROOT:
        return _rdf(root)
    if tag == f"{{{ATOM10}}}feed":
        return _atom(root, ATOM10, "atom10")
    if tag == f"{{{ATOM03}}}feed":
        return _atom(root, ATOM03, "atom03")
    name = etree.QName(root).localname if isinstance(tag, str) else "?"
    raise RiverbedError(ErrorKind.NOT_A_FEED, f"XML document <{name[:40]}> is not a feed")


def _without_namespace(root: etree._Element, prefix: str) -> etree._Element:
    """RSS 2.0 put in a namespace (Userland's `rss2`): its elements renamed to plain RSS."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith(prefix):
            el.tag = el.tag[len(prefix) :]
    return root


def _rss(root: etree._Element) -> RawFeed:
    version = (root.get("version") or "").strip()
    digits = "".join(ch for ch in version if ch.isdigit())[:3]
    fmt = "rss" + digits
    channel = root.find("channel")
    if channel is None:
        return RawFeed(fmt, None, [_rss_item(item) for item in root.iterchildren("item")])
    items = channel.findall("item") or root.findall("item")
    return RawFeed(fmt, _plain(channel.find("title")), [_rss_item(item) for item in items])


def _rdf(root: etree._Element) -> RawFeed:
    for ns, fmt in ((RSS10, "rdf"), (RSS090, "rss090")):
        items = root.findall(f"{{{ns}}}item")
        channel = root.find(f"{{{ns}}}channel")
        if items or channel is not None:
            title = _plain(channel.find(f"{{{ns}}}title")) if channel is not None else None
            return RawFeed(fmt, title, [_rss_item(item) for item in items])
    raise RiverbedError(ErrorKind.NOT_A_FEED, "RDF document without RSS channel or items")


def _rss_item(item: etree._Element) -> RawEntry:
    raw = RawEntry(guid=item.get(_RDF_ABOUT))
    creators: list[str] = []
    author: str | None = None
    itunes_author: str | None = None
    atom_link: str | None = None
    guid_seen = False
    for child in item:
        kind = _RSS_FIELDS.get(child.tag)
        if kind is None:
            continue
        if kind == "summary":
            if raw.summary is None:
                raw.summary = _markup(child)
        elif kind == "content":
            if raw.content is None:
                raw.content = _markup(child)
        elif kind == "title":
            if raw.title is None:
                raw.title = _all_text(child)
        elif kind == "link":
            if raw.link is None and child.text and child.text.strip():
                raw.link = resolve(child.text, child.base)
        elif kind == "guid":
            if not guid_seen and child.text and child.text.strip():
                raw.guid = child.text.strip()
                guid_seen = True
        elif kind == "published":
            if raw.published is None:
                raw.published = child.text
        elif kind == "tag":
            if child.text:
                raw.tags.append(child.text)
        elif kind == "creator":
            if child.text:
                creators.append(child.text)
        elif kind == "author":
            author = author or child.text
        elif kind == "itunes_author":
            itunes_author = itunes_author or child.text
        elif kind == "comments_url":
            if raw.comments_url is None and child.text:
                raw.comments_url = resolve(child.text, child.base)
        elif kind == "comments":
            raw.comments = child.text
        elif (
            kind == "atom_link"
            and atom_link is None
            and child.get("rel", "alternate") == "alternate"
        ):
            atom_link = resolve(child.get("href"), child.base)
    if raw.link is None:
        raw.link = atom_link
    if creators:
        raw.authors = creators
    elif author:
        raw.authors = [_rss_author(author)]
    elif itunes_author:
        raw.authors = [itunes_author]
    return raw


def _rss_author(value: str) -> str:
    """`jane@example.com (Jane Doe)` -> `Jane Doe`; anything else unchanged."""
    value = value.strip()
    if value.endswith(")") and "(" in value and "@" in value.split("(", 1)[0]:
        name = value[value.index("(") + 1 : -1].strip()
        if name:
            return name
    return value


def _atom(root: etree._Element, ns: str, fmt: str) -> RawFeed:
    fields = _ATOM_FIELDS[ns]
    title_el = root.find(f"{{{ns}}}title")
    title, title_html = _atom_text(title_el) if title_el is not None else (None, False)
    feed_authors = [name for el in root.iterchildren(f"{{{ns}}}author") if (name := _name(el, ns))]
    entries = [
        _atom_entry(entry, ns, fields, feed_authors)
        for entry in root.iterchildren(f"{{{ns}}}entry")
    ]
    return RawFeed(fmt, title, entries, title_html=title_html)


def _atom_entry(
    entry: etree._Element, ns: str, fields: dict[str, str], feed_authors: list[str]
) -> RawEntry:
    raw = RawEntry()
    alternate: str | None = None
    any_alternate: str | None = None
    created: str | None = None
    media_description: str | None = None
    for child in entry:
        kind = fields.get(child.tag)
        if kind is None:
            continue
        if kind == "link":
            rel = child.get("rel", "alternate")
            if rel == "alternate":
                href = resolve(child.get("href"), child.base)
                link_type = child.get("type")
                if alternate is None and (not link_type or "html" in link_type):
                    alternate = href
                any_alternate = any_alternate or href
            elif rel == "replies" and raw.comments_url is None:
                link_type = child.get("type")
                if not link_type or "html" in link_type:
                    raw.comments_url = resolve(child.get("href"), child.base)
                    raw.comments = raw.comments or child.get(f"{{{THR}}}count")
        elif kind == "guid":
            if raw.guid is None and child.text and child.text.strip():
                raw.guid = child.text.strip()
        elif kind == "title":
            if raw.title is None:
                raw.title, raw.title_html = _atom_text(child)
        elif kind == "published":
            raw.published = raw.published or child.text
        elif kind == "created":
            created = created or child.text
        elif kind == "updated":
            raw.updated = raw.updated or child.text
        elif kind == "summary":
            if raw.summary is None:
                raw.summary, raw.summary_html = _atom_text(child)
        elif kind == "content":
            if raw.content is None and child.get("src") is None:
                raw.content, raw.content_html = _atom_text(child)
        elif kind == "author":
            name = _name(child, ns)
            if name:
                raw.authors.append(name)
        elif kind == "category":
            term = child.get("term") or child.get("label")
            if term:
                raw.tags.append(term)
        elif kind == "tag":
            if child.text:
                raw.tags.append(child.text)
        elif kind == "comments":
            raw.comments = child.text
        elif kind == "media_group":
            media_description = child.findtext(f"{{{MEDIA}}}description")
    raw.link = alternate or any_alternate
    raw.published = raw.published or created
    if not raw.authors:
        raw.authors = list(feed_authors)
    if raw.summary is None and raw.content is None and media_description:
        raw.summary, raw.summary_html = media_description, False
    return raw


def _name(author: etree._Element, ns: str) -> str | None:
    name = author.findtext(f"{{{ns}}}name")
    return name.strip() if name and name.strip() else None


def _atom_text(el: etree._Element) -> tuple[str | None, bool]:
    """An Atom text construct (1.0 `type`, 0.3 `type`/`mode`) as (text, is_html)."""
    kind = (el.get("type") or "text").lower()
    mode = el.get("mode")
    if mode == "base64":
        try:
            data = base64.b64decode(el.text or "", validate=False)
        except (binascii.Error, ValueError):
            return None, False
        return data.decode("utf-8", "replace"), "html" in kind
    if len(el):
        inner = el[0] if len(el) == 1 and etree.QName(el[0]).localname == "div" else el
        return _inner_xml(inner), True
    return el.text, "html" in kind or mode == "escaped"


def _plain(el: etree._Element | None) -> str | None:
    return None if el is None else _all_text(el)


def _all_text(el: etree._Element) -> str | None:
    if len(el) == 0:
        return el.text
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _markup(el: etree._Element) -> str | None:
    """Element content as HTML: its text, or its serialised children if it has any."""
    if len(el) == 0:
        return el.text
    return _inner_xml(el)


def _inner_xml(el: etree._Element) -> str:
    parts = [el.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in el)
    # Serialised children repeat the namespace declarations in scope; HTML has no use for them.
    return XMLNS_ATTRIBUTE.sub("", "".join(parts))
