"""Bytes to text for documents whose encoding has to be worked out (HTML pages, odd feeds)."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

# Labels that browsers treat as windows-1252 (a superset that decodes every byte the same way
# except 0x80-0x9F, where real-world "latin-1" pages mean cp1252 punctuation).
# codecs a latin-1 or ASCII label names, under any of Python's spellings ("l1", "cp819",
# "iso_8859-1", "646", "us" …): read as windows-1252, as browsers do (WHATWG Encoding)
_WINDOWS_1252 = {"iso8859-1", "ascii"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)["']""")
_SNIFF_BYTES = 4096


def text_codec(label: str | bytes | None) -> str | None:
    """Python's name of the text encoding a charset label names (latin-1 and ASCII labels read
    as windows-1252); None for an unknown label or a codec that is no text encoding."""
    if not label:
        return None
    text = label.decode("ascii", "replace") if isinstance(label, bytes) else label
    try:
        info = codecs.lookup(text.strip().lower())
    except LookupError:
        return None
    # bytes-to-bytes codecs (uu, base64, zlib, rot13 …) are in the same registry; a document
    # naming one has no text encoding (found by fuzzing: `charset=uu` raised LookupError)
    if not getattr(info, "_is_text_encoding", True):
        return None
    return "cp1252" if info.name in _WINDOWS_1252 else info.name


def charset_from_content_type(content_type: str | None) -> str | None:
    """The codec named by a Content-Type's `charset` parameter, if Python knows it."""
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return text_codec(m.group(1)) if m else None


def decode_text(body: bytes, content_type: str | None) -> str:
    """Decode a response body to text; never raises.

    Order: a byte-order mark (unambiguous, so it wins, as in browsers), the Content-Type
    charset, an in-document declaration (`<?xml encoding=…?>`, `<meta charset=…>`) within
    the first 4 KB, then UTF-8 if the bytes are valid UTF-8, then charset-normalizer's
    detection, then UTF-8 with replacement characters. A declared charset is used with
    replacement characters for bytes it cannot decode.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace")
    declared = charset_from_content_type(content_type)
    if declared is None:
        head = body[:_SNIFF_BYTES]
        m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        declared = text_codec(m.group(1)) if m else None
        # A page declaring UTF-16 in ASCII-compatible bytes is lying (HTML spec: use UTF-8).
        if declared is not None and declared.startswith("utf-16"):
            declared = "utf-8"
    if declared is not None:
        try:
            return body.decode(declared, "replace")
        except (UnicodeError, ValueError):
            pass  # a codec that fails even with "replace" (idna, punycode): guess instead
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body[: 256 * 1024]).best()
    if best is not None:
        return body.decode(best.encoding, "replace")
    return body.decode("utf-8", "replace")
