"""Is this response an HTML page? Decided by rule from the Content-Type and the first bytes,
before anything is parsed.

- Types that are HTML: `text/html`, `application/xhtml+xml` (the body is still checked for
  binary content: a PDF served as text/html is a PDF).
- Types that are sniffed: no Content-Type, `text/plain`, the generic binary types
  (`application/octet-stream`, `binary/octet-stream`, `application/unknown`, ...) and the
  XML types. Such a body is taken as HTML only if it is text that starts like an HTML
  document (`<!doctype html`, `<html`, `<head`, `<body`, after optional whitespace, an XML
  declaration and comments), or has a line starting with `<!doctype html`, `<html`, `<head`
  or `<body` in its first 4 KB (a page behind a PHP warning, say).
- Every other type (`application/pdf`, `image/*`, `application/json`, ...) is refused
  unread: the link is recorded, the body never parsed.

A body is binary when it starts with a known file signature (PDF, ZIP and Office files,
images, audio, video, fonts, compressed archives) or when its first 1 KB holds a NUL byte or
more than `BINARY_CONTROL_SHARE` control bytes (unless a UTF-16/32 byte-order mark or charset
says otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from riverbed.fetch.text import charset_from_content_type

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"})
SNIFFED_TYPES = frozenset(
    {
        "",
        "text/plain",
        "application/octet-stream",
        "binary/octet-stream",
        "application/unknown",
        "application/x-unknown",
        "unknown/unknown",
        "application/binary",
        "text/xml",
        "application/xml",
    }
)
SNIFF_BYTES = 1024  # how much of the body the binary check reads
BINARY_CONTROL_SHARE = 0.05  # more control bytes than this (in SNIFF_BYTES) means binary
HTML_SNIFF_CHARS = 4096  # how far into a sniffed body an <html>/<head>/<body> tag may be

# File signatures: (offset, magic, what it is).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive or Office document"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office (OLE) document"),
    (0, b"{\\rtf", "an RTF document"),
    (0, b"%!PS", "a PostScript document"),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"\x00\x00\x01\x00", "an icon"),
    (8, b"WEBP", "a WebP image"),
    (4, b"ftyp", "an MP4/QuickTime/HEIF file"),
    (8, b"AVI ", "an AVI video"),
    (8, b"WAVE", "a WAV file"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (0, b"OggS", "an Ogg file"),
    (0, b"fLaC", "a FLAC file"),
    (0, b"ID3", "an MP3 file"),
    (0, b"\x1f\x8b", "a gzip file"),
    (0, b"BZh", "a bzip2 file"),
    (0, b"\xfd7zXZ\x00", "an xz file"),
    (0, b"(\xb5/\xfd", "a zstd file"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"wOFF", "a WOFF font"),
    (0, b"wOF2", "a WOFF2 font"),
    (0, b"\x00\x01\x00\x00\x00", "a TrueType font"),
    (0, b"OTTO", "an OpenType font"),
    (0, b"\x7fELF", "an executable"),
    (0, b"SQLite format 3\x00", "a SQLite database"),
)
# A PDF may carry up to 1 KB of junk before its header (PDF 32000-1, annex H).
_PDF_ANYWHERE = re.compile(rb"%PDF-\d")
_UNICODE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# Control bytes that never occur in text (tab, LF, FF, CR and ESC are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.*?-->\s*){0,20}"
    r"<(?:!doctype\s+html|html|head|body|title|meta|link)\b",
    re.IGNORECASE | re.DOTALL,
)
# A doctype or an <html>/<head>/<body> tag starting a line (after, say, a PHP warning).
_HTML_LINE = re.compile(r"^[ \t]*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.M)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether to parse the body as HTML; `reason` says why not."""

    html: bool
    reason: str | None = None
    sniff: bool = False  # the type does not say HTML: the decoded text must look like it


def media_type(content_type: str | None) -> str:
    """`text/html; charset=utf-8` -> `text/html` ("" when absent)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def classify(body: bytes, content_type: str | None) -> Verdict:
    """Whether `body` (served as `content_type`) is to be read as HTML, by rule."""
    mtype = media_type(content_type)
    if mtype not in HTML_TYPES and mtype not in SNIFFED_TYPES:
        return Verdict(False, f"{mtype} is not HTML: recorded as a link, not parsed")
    binary = binary_kind(body, content_type)
    if binary is not None:
        served = f"served as {mtype}" if mtype else "served without a Content-Type"
        return Verdict(False, f"the body is {binary} ({served}): recorded as a link, not parsed")
    return Verdict(True, sniff=mtype not in HTML_TYPES)


def looks_like_html(text: str) -> bool:
    """Whether decoded text starts like an HTML document (for bodies served as text/plain,
    octet-stream, XML or with no type at all)."""
    head = text[:HTML_SNIFF_CHARS]
    return _HTML_START.match(head) is not None or _HTML_LINE.search(head) is not None


def binary_kind(body: bytes, content_type: str | None) -> str | None:
    """What binary format `body` is in ("a PDF document", "binary data"), None for text."""
    for offset, magic, name in _SIGNATURES:
        if body[offset : offset + len(magic)] == magic:
            return name
    head = body[:SNIFF_BYTES]
    if _PDF_ANYWHERE.search(head) and head.lstrip()[:1] != b"<":
        return "a PDF document"
    if head.startswith(_UNICODE_BOMS):
        return None  # UTF-16/32 text: NUL bytes are expected
    charset = charset_from_content_type(content_type) or ""
    if charset.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
        return None
    if not head:
        return None
    if b"\x00" in head:
        return "binary data"
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls > BINARY_CONTROL_SHARE * len(head):
        return "binary data"
    return None
