"""Limits that keep extraction of a hostile page within a time and memory budget, and the
one place an article page is parsed.

Measured here (HAZARDS.md and this package's benchmarks): lxml's HTML parser is quadratic in
the number of attributes of one element (40,000 attributes on one tag: 1.8 s); trafilatura
costs 50-90 µs per element (200,000 elements: 13.7 s) and about 0.35 s per million characters
of text; libxml2 stops building the tree at 256 levels of nesting (the rest of the document
is dropped, so deep nesting costs nothing but can truncate a page). The limits below are
enforced before the expensive step they protect, by cheap linear passes, and they depend on
the page only (never on the clock), so the same page always gets the same outcome:

- `MAX_BODY_BYTES` (10 MB) raw bytes and `MAX_HTML_CHARS` (5 M) decoded characters, else
  `too_large`;
- `MAX_START_TAGS` (100,000) start tags, counted by a regex before parsing, else `too_large`;
- a start tag with more than `MAX_ATTRIBUTES_PER_TAG` (64) attributes loses all of them before
  parsing (an attribute flood is never legitimate markup, and the element keeps its text);
- the attributes of the page are counted in the same pass (exactly in tags with more than
  a few, overestimated by at most 3 per tag in the others): more than
  `MAX_TOTAL_ATTRIBUTES` (200,000) is `too_large` before anything is parsed (5 MB of
  tags with 16-64 attributes each: refused in 0.1-0.2 s instead of 1.5-1.9 s of parsing);
- after parsing, non-content elements (scripts, styles, SVG, form controls, media, ...) are
  removed; then more than `MAX_TREE_ELEMENTS` (40,000) elements, more than
  `MAX_PAGE_TEXT_CHARS` (500,000) characters of text or more than `MAX_TOTAL_ATTRIBUTES`
  attributes is `too_large`; a page with more than `STRIP_ATTRIBUTES_ABOVE` (50,000)
  attributes keeps only those the extractors read (`KEPT_ATTRIBUTES`: class, id, role,
  href, ...): trafilatura's cost grows with every attribute its XPath rules test (5,000
  elements of 64 attributes each: 2 s; real pages have 2-4 per element);
- trafilatura gets the page only up to `TRAFILATURA_MAX_ELEMENTS` (8,000 elements: 0.4-0.7 s
  on synthetic markup, 0.1 s on a news page with 7,000 elements of comments); bigger pages go
  to the linear fallback extractor alone (40,000 elements: about 0.5 s). Its full cascade
  (comparison with its readability/jusText ports) runs up to `FULL_CASCADE_MAX_ELEMENTS`
  (3,000), its fast mode above that.
- Nesting deeper than libxml2's 256 levels is not an error in itself: the part of the page
  before it is kept (`Page.truncated` is set, and a page that then fails the gate says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from riverbed.core.errors import ErrorKind, RiverbedError

MAX_BODY_BYTES = 10 * 1024 * 1024  # the fetch layer's default max_body_mb
MAX_HTML_CHARS = 5_000_000
MAX_START_TAGS = 100_000
MAX_ATTRIBUTES_PER_TAG = 64
MAX_TREE_ELEMENTS = 40_000
MAX_TOTAL_ATTRIBUTES = 200_000
STRIP_ATTRIBUTES_ABOVE = 50_000
MAX_PAGE_TEXT_CHARS = 500_000
TRAFILATURA_MAX_ELEMENTS = 8_000
FULL_CASCADE_MAX_ELEMENTS = 3_000
PARSER_MAX_DEPTH = 256  # libxml2's own limit without XML_PARSE_HUGE (not configurable here)
# Attributes kept when a page is over STRIP_ATTRIBUTES_ABOVE (what the extractors look at).
KEPT_ATTRIBUTES = frozenset(
    {
        "class",
        "id",
        "role",
        "hidden",
        "style",
        "href",
        "rel",
        "lang",
        "itemprop",
        "datetime",
        "property",
        "name",
        "content",
        "type",
        "colspan",
        "rowspan",
    }
)

# Elements that never hold article text. Removed after metadata is read and before any
# extractor runs; `head` and its `meta`/`title` stay (trafilatura reads its metadata there).
PRUNED_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "canvas",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "audio",
    "video",
    "source",
    "track",
    "picture",
    "map",
    "select",
    "option",
    "optgroup",
    "datalist",
    "input",
    "textarea",
    "button",
)

_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]{0,500}>")
# C0 controls other than tab, LF, FF, CR; DEL.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]+")
_START_TAG = re.compile(r"<[A-Za-z]")
# A start tag with attributes. Quoted values are matched whole, so that a `>` or `<` inside
# one neither ends nor hides the tag; atomic groups keep the match linear.
_TAG_WITH_ATTRIBUTES = re.compile(
    r"""<([A-Za-z][A-Za-z0-9:_-]{0,64})(\s(?>[^<>"']+|"[^"]*"|'[^']*')*+)>"""
)
_SMALL_TAG_ATTRIBUTES = 4  # up to this upper bound a tag's attributes are not counted exactly
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_EQUALS = re.compile(r"\s*=\s*")


@dataclass(slots=True)
class Page:
    """A parsed page: its root and what the budget did to it."""

    root: lxml.html.HtmlElement
    elements: int  # after pruning
    truncated: bool = False  # nesting hit the parser's depth limit: the rest was dropped
    floods_stripped: int = 0  # start tags whose attributes were dropped
    attributes_stripped: bool = False  # over STRIP_ATTRIBUTES_ABOVE: only KEPT_ATTRIBUTES remain


def decoded_limits(text: str) -> None:
    """Raise `too_large` if decoded markup is over `MAX_HTML_CHARS` or `MAX_START_TAGS`."""
    if len(text) > MAX_HTML_CHARS:
        raise RiverbedError(
            ErrorKind.TOO_LARGE,
            f"page is {len(text):,} characters after decoding (limit {MAX_HTML_CHARS:,})",
        )
    if text.count("<") > MAX_START_TAGS:
        tags = sum(1 for _ in _START_TAG.finditer(text))
        if tags > MAX_START_TAGS:
            raise RiverbedError(
                ErrorKind.TOO_LARGE, f"page has {tags:,} start tags (limit {MAX_START_TAGS:,})"
            )


def strip_attribute_floods(text: str) -> tuple[str, int]:
    """`text` with every start tag of more than `MAX_ATTRIBUTES_PER_TAG` attributes reduced
    to its bare name, and how many tags were; linear in the length of `text`.

    Raises `too_large` as soon as the page's other attributes pass `MAX_TOTAL_ATTRIBUTES`
    (counted exactly in tags with more than a few, overestimated by at most 3 per tag in the
    others; the exact count is checked again on the tree).
    """
    stripped = 0
    total = 0

    def replace(m: re.Match[str]) -> str:
        nonlocal stripped, total
        attributes = m.group(2)
        # every attribute has an "=" or is a whitespace-separated word: an upper bound
        count = attributes.count("=") + len(attributes.split())
        if count > _SMALL_TAG_ATTRIBUTES:
            count = count_attributes(attributes)
            if count > MAX_ATTRIBUTES_PER_TAG:
                stripped += 1
                return f"<{m.group(1)}>"
        total += count
        if total > MAX_TOTAL_ATTRIBUTES:
            raise RiverbedError(
                ErrorKind.TOO_LARGE,
                f"page has more than {MAX_TOTAL_ATTRIBUTES:,} attributes",
            )
        return m.group(0)

    return _TAG_WITH_ATTRIBUTES.sub(replace, text), stripped


def count_attributes(attributes: str) -> int:
    """How many attributes a start tag's attribute text holds (`a=1 b c="x y"` -> 3,
    `a="1"b="2"` -> 2)."""
    # a quoted value ends its attribute even without a space after it (`a="1"b="2"`)
    bare = _EQUALS.sub("=", _QUOTED.sub("'' ", attributes))
    return len(bare.split())


def parse_page(text: str) -> Page:
    """Parse decoded HTML within the budget (see the module docstring).

    Raises `RiverbedError`: `too_large` over a limit, `parse_error` when no document comes out.
    """
    decoded_limits(text)
    text = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", text, count=1))
    text, floods = strip_attribute_floods(text)
    if not text.strip():
        raise RiverbedError(ErrorKind.PARSE_ERROR, "empty document")
    parser = lxml.html.HTMLParser(
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
        compact=True,
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError) as error:
        raise RiverbedError(ErrorKind.PARSE_ERROR, f"unreadable HTML: {str(error)[:200]}") from None
    truncated = any(
        e.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in e.message
        for e in parser.error_log
    )
    return Page(root=root, elements=0, truncated=truncated, floods_stripped=floods)


def prune(page: Page) -> None:
    """Remove the non-content elements (`PRUNED_TAGS`) and enforce the tree limits."""
    root = page.root
    etree.strip_elements(root, *PRUNED_TAGS, with_tail=False)
    elements = 0
    text_chars = 0
    attributes = 0
    for element in root.iter():
        elements += 1
        if element.text:
            text_chars += len(element.text)
        if element.tail:
            text_chars += len(element.tail)
        attributes += len(element.attrib)
    page.elements = elements
    if elements > MAX_TREE_ELEMENTS:
        raise RiverbedError(
            ErrorKind.TOO_LARGE,
            f"page has {elements:,} elements after removing scripts, styles and media "
            f"(limit {MAX_TREE_ELEMENTS:,})",
        )
    if text_chars > MAX_PAGE_TEXT_CHARS:
        raise RiverbedError(
            ErrorKind.TOO_LARGE,
            f"page holds {text_chars:,} characters of text (limit {MAX_PAGE_TEXT_CHARS:,})",
        )
    if attributes > MAX_TOTAL_ATTRIBUTES:
        raise RiverbedError(
            ErrorKind.TOO_LARGE,
            f"page has {attributes:,} attributes (limit {MAX_TOTAL_ATTRIBUTES:,})",
        )
    if attributes > STRIP_ATTRIBUTES_ABOVE:
        page.attributes_stripped = True
        for element in root.iter():
            for name in [n for n in element.attrib if n not in KEPT_ATTRIBUTES]:
                del element.attrib[name]
