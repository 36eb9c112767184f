"""Feed bytes before any parser sees them: charset, the security check of the prolog, repairs.

Everything here is linear in the document size and works on bytes.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from html.entities import name2codepoint

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.fetch.text import text_codec

DTD_REFUSED = "DTD/entity declarations are not allowed"
_DOCTYPE_MAX_BYTES = 4096
# libxml2 refuses a whole document with a text node over 10,000,000 bytes (XML_MAX_TEXT_LENGTH
# without XML_PARSE_HUGE, which would lift its other limits too); text runs are cut below that.
# Every field's own cap (title 64 K, text 20 K, summary 100 K characters) is far smaller.
TEXT_RUN_MAX_BYTES = 8_000_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_ELEMENT_NAME = re.compile(rb"[A-Za-z_][\w.:-]{0,100}")
_DTD_ANYWHERE = re.compile(rb"<!\s*(?:ENTITY|DOCTYPE)", re.IGNORECASE)
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z_][\w.-]{0,31};)")
_BARE_LT = re.compile(rb"<(?![A-Za-z_:/!?])")
_XML_INVALID_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MARKUP_FREE_RUN = re.compile(rb"[^<>]+")


def strip_bom(data: bytes) -> tuple[bytes, str | None]:
    """Strip a BOM; UTF-16/32 documents come back as UTF-8. Returns the encoding to force."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                return data[len(bom) :], "utf-8"
            return transcode(data[len(bom) :], encoding), "utf-8"
    if data[:4] in (b"<\x00?\x00", b"<\x00r\x00", b"<\x00f\x00"):
        return transcode(data, "utf-16-le"), "utf-8"
    if data[:4] in (b"\x00<\x00?", b"\x00<\x00r", b"\x00<\x00f"):
        return transcode(data, "utf-16-be"), "utf-8"
    return data, None


def transcode(data: bytes, encoding: str) -> bytes:
    return data.decode(encoding, "replace").encode("utf-8")


def to_declared_utf8(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """UTF-8 bytes of an XML document in the charset it declares (XML declaration first, then
    the HTTP charset). Returns the encoding to force on the parser (None: as declared)."""
    m = _XML_ENCODING.match(data, 0, 256)
    encoding = _codec(m.group(1).decode("ascii")) if m else None
    if encoding is None and content_type:
        http = _HTTP_CHARSET.search(content_type)
        encoding = _codec(http.group(1)) if http else None
    if encoding is None or encoding == "utf-8":
        return data, None
    return transcode(data, encoding), "utf-8"


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label (`text_codec`: latin-1/ASCII read as
    windows-1252, no bytes-to-bytes codec such as uu or base64 — found by fuzzing); None
    for UTF-16/32 without a BOM."""
    name = text_codec(label)
    if name is None or name.startswith(("utf-16", "utf-32")):
        return None  # no BOM and no NUL bytes (checked before): the label is wrong
    return name


def read_prolog(data: bytes) -> tuple[str, bool]:
    """(root element name, whether a DOCTYPE precedes it).

    Raises PARSE_ERROR for an internal DTD subset or an ENTITY declaration (nothing may expand
    entities on our behalf), for a document with no root element, or a broken prolog.
    """
    pos = 0
    doctype = False
    while True:
        start = data.find(b"<", pos)
        if start == -1:
            raise RiverbedError(ErrorKind.PARSE_ERROR, "no root element")
        if data.startswith(b"<?", start):
            end, width = data.find(b"?>", start + 2), 2
        elif data.startswith(b"<!--", start):
            end, width = data.find(b"-->", start + 4), 3
        elif data.startswith(b"<!", start):
            keyword = data[start + 2 : start + 9].upper()
            if keyword.startswith(b"ENTITY"):
                raise RiverbedError(ErrorKind.PARSE_ERROR, DTD_REFUSED)
            doctype = doctype or keyword == b"DOCTYPE"
            end, width = (_doctype_end(data, start), 1) if keyword == b"DOCTYPE" else (-1, 1)
        else:
            m = _ELEMENT_NAME.match(data, start + 1)
            if m is None:
                raise RiverbedError(ErrorKind.PARSE_ERROR, "malformed markup before the root")
            return m.group(0).decode("ascii", "replace"), doctype
        if end == -1:
            raise RiverbedError(ErrorKind.PARSE_ERROR, "malformed or truncated prolog")
        pos = end + width


def _doctype_end(data: bytes, start: int) -> int:
    """Index of the `>` closing a DOCTYPE; an internal subset (`[`) is refused."""
    quote = 0
    stop = min(len(data), start + _DOCTYPE_MAX_BYTES)
    for i in range(start + 9, stop):
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif c == 0x5B:  # "["
            raise RiverbedError(ErrorKind.PARSE_ERROR, DTD_REFUSED)
        elif c == 0x3E:  # ">"
            return i
    return -1


def has_dtd_markup(data: bytes) -> bool:
    """Whether DOCTYPE or ENTITY markup appears anywhere (tolerant parsers may act on it)."""
    return _DTD_ANYWHERE.search(data) is not None


def closes_root(data: bytes, root_name: str) -> bool:
    """Whether the root element's end tag appears near the end (else: truncated)."""
    end_tag = b"</" + re.escape(root_name.encode("ascii", "replace")) + rb"\s*>"
    return re.search(end_tag, data[-65536:]) is not None


def cap_text_runs(data: bytes, limit: int = TEXT_RUN_MAX_BYTES) -> bytes:
    """Character data over `limit` bytes cut to `limit` (at a UTF-8 character boundary, never
    inside a reference), so that one absurd field (a 10 MB title) stays that entry's
    `invalid_item` problem instead of making libxml2 refuse the whole feed.

    A run is character data when it follows a `>` or opens a CDATA section; a CDATA section
    keeps its closing `]]`. Attribute values, comments and the like are left alone. Linear;
    documents of at most `limit` bytes are returned as they are.
    """
    if len(data) <= limit:
        return data
    parts: list[bytes] = []
    pos = 0
    for m in _MARKUP_FREE_RUN.finditer(data):
        start, end = m.span()
        if end - start <= limit:
            continue
        if not ((start > 0 and data[start - 1] == 0x3E) or data.startswith(b"![CDATA[", start)):
            continue
        cut = start + limit
        while cut > start and data[cut] & 0xC0 == 0x80:  # inside a UTF-8 sequence
            cut -= 1
        amp = data.rfind(b"&", max(start, cut - 40), cut)
        if amp != -1 and data.find(b";", amp, cut) == -1:  # inside `&...;`
            cut = amp
        parts.append(data[pos:cut])
        if data.endswith(b"]]", start, end):
            parts.append(b"]]")
        pos = end
    if not parts:
        return data
    parts.append(data[pos:])
    return b"".join(parts)


def entities_to_refs(data: bytes) -> bytes:
    """HTML named entities (`&eacute;`) as character references, outside CDATA sections.

    An external DTD (RSS 0.91's) is never loaded, so its entities would otherwise vanish.
    """
    return _outside_cdata(data, lambda part: _NAMED_ENTITY.sub(_entity_ref, part))


def repair(data: bytes, utf8_checked: bool) -> bytes:
    """The usual damage undone: bytes that are not UTF-8 re-decoded (unless `utf8_checked`),
    control characters removed, HTML entities referenced, bare `&` and `<` escaped."""
    if not utf8_checked:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = _redecode(data)
    data = _XML_INVALID_CONTROLS.sub(b"", data)
    return _outside_cdata(data, _repair_text)


def _repair_text(part: bytes) -> bytes:
    part = _NAMED_ENTITY.sub(_entity_ref, part)
    part = _BARE_AMPERSAND.sub(b"&amp;", part)
    return _BARE_LT.sub(b"&lt;", part)


def _redecode(data: bytes) -> bytes:
    """Bytes that are not the UTF-8 they claim: guess the charset (usually windows-1252)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    encoding = _codec(best.encoding) if best is not None else None
    return transcode(data, encoding or "cp1252")


def _entity_ref(m: re.Match[bytes]) -> bytes:
    name = m.group(1).decode("ascii")
    if name in _XML_ENTITIES or name not in name2codepoint:
        return m.group(0)
    return b"&#%d;" % name2codepoint[name]


def _outside_cdata(data: bytes, fix: Callable[[bytes], bytes]) -> bytes:
    parts: list[bytes] = []
    pos = 0
    while True:
        start = data.find(b"<![CDATA[", pos)
        if start == -1:
            parts.append(fix(data[pos:]))
            break
        parts.append(fix(data[pos:start]))
        end = data.find(b"]]>", start + 9)
        if end == -1:
            parts.append(data[start:])
            break
        parts.append(data[start : end + 3])
        pos = end + 3
    return b"".join(parts)
