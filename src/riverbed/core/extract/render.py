"""Plain text from an element tree: blocks become paragraphs separated by blank lines.

Used on trafilatura's result tree (`p`, `head`, `list`/`item`, `quote`, `code`, `table`/`row`/
`cell`, `lb`) and on HTML (the fallback extractor). Source whitespace is collapsed; a line
break (`br`, `lb`) ends a line, two in a row end a paragraph; preformatted blocks (`pre`, and a
`code` element holding a newline or standing as a block) keep their lines and indentation;
table cells are separated by a space and rows are paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

BLOCK_TAGS = frozenset(
    {
        # HTML
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        # trafilatura's output tree
        "head",
        "item",
        "list",
        "quote",
        "row",
    }
)
CELL_TAGS = frozenset({"td", "th", "cell"})
BREAK_TAGS = frozenset({"br", "lb"})
PRE_TAGS = frozenset({"pre"})

_BREAK = "\x00"  # control characters never reach here (budget.parse_page removes them)
_PARAGRAPH_BREAK = re.compile(r"\x00[^\S\x00]*\x00[\s\x00]*")


class _Blocks:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        if not self.buffer:
            return
        raw = "".join(self.buffer)
        self.buffer = []
        for paragraph in _PARAGRAPH_BREAK.split(raw):
            lines = (" ".join(line.split()) for line in paragraph.split(_BREAK))
            text = "\n".join(line for line in lines if line)
            if text:
                self.blocks.append(text)

    def preformatted(self, text: str) -> None:
        self.flush()
        lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            self.blocks.append("\n".join(lines))


Skip = Callable[[etree._Element], bool]


def render(elements: list[etree._Element], *, skip: Skip | None = None) -> list[str]:
    """The paragraphs of `elements` (in order), leaving out every element `skip` accepts
    together with its subtree (its tail text is kept)."""
    out = _Blocks()
    for element in elements:
        _walk(element, out, skip)
        out.flush()
    return out.blocks


def _walk(element: etree._Element, out: _Blocks, skip: Skip | None) -> None:
    # An explicit stack instead of recursion: (element, entering?) pairs.
    stack: list[tuple[etree._Element, bool]] = [(element, True)]
    root = element
    while stack:
        node, entering = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if not entering:
            if tag in BLOCK_TAGS:
                out.flush()
            elif tag in CELL_TAGS:
                out.buffer.append(" ")
            if node is not root and node.tail:
                out.buffer.append(node.tail)
            continue
        if not tag or (skip is not None and skip(node)):
            if node is not root and node.tail:
                out.buffer.append(node.tail)
            continue
        if tag in PRE_TAGS or (tag == "code" and _is_code_block(node)):
            out.preformatted("".join(t for t in node.itertext() if isinstance(t, str)))
            if node is not root and node.tail:
                out.buffer.append(node.tail)
            continue
        if tag in BREAK_TAGS:
            out.buffer.append(_BREAK)
        elif tag in BLOCK_TAGS:
            out.flush()
        if node.text:
            out.buffer.append(node.text)
        stack.append((node, False))
        stack.extend((child, True) for child in reversed(node))


def _is_code_block(node: etree._Element) -> bool:
    """A `code` element that is a block (trafilatura turns `<pre>` into `<code>`), not inline
    code inside a sentence: it holds a line break, or its parent is not a paragraph."""
    text = "".join(t for t in node.itertext() if isinstance(t, str))
    if "\n" in text.strip():
        return True
    parent = node.getparent()
    return parent is not None and parent.tag in ("body", "doc", "main", "item", "quote")
