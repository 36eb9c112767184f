"""Plain text out of feed HTML and titles: fast, bounded and safe on hostile input.

These are regex passes, not an HTML parser: every pass is linear in its (capped) input, so a
megabyte of attributes or a million unclosed tags costs milliseconds. The output is text for
storage, search and excerpts; it is not HTML and must still be escaped when rendered.
"""

from __future__ import annotations

import html
import re

TITLE_MAX_CHARS = 1000
ELLIPSIS = "…"

# Inline elements are removed without a trace ("H<b>ello</b>" -> "Hello"); every other tag
# becomes a space so that blocks do not run together ("<p>a</p><p>b</p>" -> "a b").
_INLINE = (
    "a|abbr|acronym|b|bdi|bdo|big|cite|code|data|del|dfn|em|font|i|ins|kbd|mark|q|rp|rt|ruby"
    "|s|samp|small|span|strike|strong|sub|sup|time|tt|u|var|wbr"
)
# Case-insensitive only after the literal `<`, which keeps the regex engine's fast prefix scan.
_INLINE_TAG = re.compile(rf"</?(?i:{_INLINE})\b[^<>]*>")
_ANY_TAG = re.compile(r"<(?:[A-Za-z/][^<>]*|![^<>]*|\?[^<>]*)>")
_DANGLING_TAG = re.compile(r"<[A-Za-z/!?]")
# Elements whose content is not text. An unclosed one hides the rest of the input, as in a
# browser.
_HIDDEN = ("script", "style", "noscript", "template", "svg", "iframe", "object", "textarea")
_HIDDEN_START = re.compile(r"<!--|<(" + "|".join(_HIDDEN) + r")\b", re.IGNORECASE)
_HIDDEN_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _HIDDEN}
_LOOKS_HTML = re.compile(r"</[A-Za-z][A-Za-z0-9]*\s*>|<(?:br|hr|img|wbr)\b[^<>]*>|&#?\w+;", re.I)
# C0 controls other than whitespace, DEL, lone surrogates and noncharacters never belong in
# text (and XML cannot carry them).
_INVALID_CHARS = re.compile("[\x00-\x08\x0e-\x1b\x7f\ud800-\udfff\ufffe\uffff]")
_ASCII_INVALID = bytes([*range(0x00, 0x09), *range(0x0E, 0x1C), 0x7F])


def html_to_text(html_text: str | None, max_chars: int = 5000) -> str | None:
    """The visible text of an HTML fragment, whitespace collapsed; None if there is none.

    Tags are removed, `script`/`style`/comments and similar dropped with their content, entities
    decoded, control characters removed. Only the first `max_chars * 20` characters of input
    are read; a result longer than `max_chars` is cut at a word boundary and ends with "…".
    """
    if not html_text:
        return None
    text = html_text[: max(max_chars, 1) * 20]
    if "<" in text:
        text = strip_tags(text)
    if "&" in text:
        text = html.unescape(text)
    return _finish(text, max_chars) or None


def clean_title(s: str | None, *, html_markup: bool | None = None) -> str:
    """A title as one line of plain text, at most 1,000 characters ("" if there is none).

    With `html_markup=True` tags are stripped and entities decoded; with `False` the string is
    taken as plain text; with None (default) it is treated as HTML only if it looks like HTML
    (a closing tag, a `<br>`/`<hr>`/`<img>`, or an entity), so "Why <div> soup?" keeps its
    `<div>`.
    """
    if not s:
        return ""
    text = s[: TITLE_MAX_CHARS * 16]
    if html_markup is None:
        html_markup = looks_like_html(text)
    if html_markup:
        if "<" in text:
            text = strip_tags(text)
        if "&" in text:
            text = html.unescape(text)
    return _finish(text, TITLE_MAX_CHARS)


def plain_text(s: str | None, max_chars: int = 5000) -> str | None:
    """Plain text with whitespace collapsed and control characters removed; None if empty.

    Only the first `max_chars * 2` characters are read; a longer result is shortened as by
    `html_to_text`.
    """
    if not s:
        return None
    return _finish(s[: max(max_chars, 1) * 2], max_chars) or None


def looks_like_html(s: str) -> bool:
    """Whether a string that may be plain text contains HTML markup or entities."""
    return ("<" in s or "&" in s) and _LOOKS_HTML.search(s) is not None


def strip_tags(markup: str) -> str:
    """Markup with hidden elements and comments dropped and tags removed (entities kept)."""
    if "<!--" in markup or _has_hidden(markup.lower()):
        markup = _drop_hidden(markup)
    markup = _INLINE_TAG.sub("", markup)
    markup = _ANY_TAG.sub(" ", markup)
    last = markup.rfind("<")
    if last != -1 and ">" not in markup[last:] and _DANGLING_TAG.match(markup, last):
        markup = markup[:last]
    return markup


def shorten(text: str, max_chars: int) -> str:
    """`text` if it fits in `max_chars`, else cut at a word boundary and ended with "…"."""
    if len(text) <= max_chars:
        return text
    cut = text[: max(max_chars - 1, 0)]
    space = cut.rfind(" ")
    if space > max_chars * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _finish(text: str, max_chars: int) -> str:
    if _has_invalid(text):
        text = _INVALID_CHARS.sub("", text)
    return shorten(" ".join(text.split()), max_chars)


def _has_invalid(text: str) -> bool:
    if text.isascii():  # the common case, checked without the (slower) regex
        data = text.encode("ascii")
        return len(data.translate(None, _ASCII_INVALID)) != len(data)
    return _INVALID_CHARS.search(text) is not None


def _has_hidden(lowered: str) -> bool:
    # Spelled out: a generator over the names costs more than the searches themselves.
    return (
        "<script" in lowered
        or "<style" in lowered
        or "<noscript" in lowered
        or "<template" in lowered
        or "<svg" in lowered
        or "<iframe" in lowered
        or "<object" in lowered
        or "<textarea" in lowered
    )


def _drop_hidden(markup: str) -> str:
    """Remove comments and hidden elements with their content, in one forward pass."""
    m = _HIDDEN_START.search(markup)
    if m is None:
        return markup
    parts: list[str] = []
    pos = 0
    while m is not None:
        parts.append(markup[pos : m.start()])
        if m.group(1) is None:
            end = markup.find("-->", m.end())
            pos = -1 if end == -1 else end + 3
        else:
            close = _HIDDEN_END[m.group(1).lower()].search(markup, m.end())
            pos = -1 if close is None else close.end()
        if pos == -1:
            break
        parts.append(" ")
        m = _HIDDEN_START.search(markup, pos)
    else:
        parts.append(markup[pos:])
    return "".join(parts)
