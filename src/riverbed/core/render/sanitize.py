"""Render-time sanitising: URLs, HTML fragments and plain text from untrusted feeds.

Everything a source published is hostile until it passes through here. The rules:

- `safe_url` keeps only absolute http(s) URLs. It judges the URL the way a browser (or a feed
  reader that entity-decodes once more) would see it: HTML entities are decoded until nothing
  changes (`&#106;`, `&colon;`, `&Tab;`), control and invisible format characters are removed,
  and the scheme is read from both that string and its percent-decoded form. Anything that is
  not plainly `http:`/`https:` with a host is refused (`None`): `javascript:`, `data:`,
  `vbscript:`, `file:`, relative paths, `https:\\\\host`, `http:host`. A protocol-relative
  `//host/path` is taken as `https://host/path`. Credentials (`user:pass@`) are dropped, and
  characters that do not belong in a URL (space, quotes, `<`, `>`, backslash, non-ASCII) are
  percent-encoded, so the result can go into an attribute, a Markdown link or a feed as is.
  A URL longer than `MAX_URL_CHARS`, before or after that encoding, is refused.
- `safe_html` cleans a fragment with nh3 against a small allowlist (no images, no styles, no
  scripts, no event handlers); every `href` goes through `safe_url`; links get
  `rel="nofollow noopener noreferrer"`.
- `xml_text` removes what XML 1.0 cannot carry (C0 controls other than tab/CR/LF, lone
  surrogates, U+FFFE/U+FFFF) and the C1 controls; `plain_text` also collapses whitespace,
  strips bidi overrides and truncates, for titles and other one-line fields.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import nh3

MAX_URL_CHARS = 4096
DEFAULT_HTML_CHARS = 4000
# nh3 is linear, but there is no reason to parse megabytes for a 4,000-character excerpt
_HTML_INPUT_FACTOR = 8
_HTML_INPUT_FLOOR = 65_536

ALLOWED_TAGS = frozenset(
    {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "br"}
)
LINK_REL = "nofollow noopener noreferrer"
# Dropped together with their content (other unknown tags are unwrapped, keeping their text).
_DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "textarea",
        "select",
        "title",
        "xmp",
        "noembed",
        "noframes",
    }
)

# XML 1.0 Char excludes C0 controls (bar \t \n \r), surrogates, U+FFFE and U+FFFF; C1 controls
# are legal but are always mojibake or tricks in a title, so they go too.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Explicit bidi embeddings/overrides/isolates: unbalanced ones reorder the text around them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
_HOST = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?)$")
# Reserved and unreserved URL characters plus '%': left as they are; the rest is encoded.
_URL_SAFE_CHARS = "!#$%&'()*+,/:;=?@[]~-._"
_MAX_UNESCAPE_ROUNDS = 10
_TERMINATED_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SAFE_SCHEMES = frozenset({"http", "https"})


def xml_text(s: str | None) -> str:
    """`s` without characters XML 1.0 cannot carry (and without C1 controls); '' for None."""
    if not s:
        return ""
    return _XML_INVALID.sub("", s)


def truncate(s: str, max_chars: int) -> str:
    """`s` cut to at most `max_chars` characters, at a word boundary when one is near, with '…'."""
    if len(s) <= max_chars:
        return s
    if max_chars <= 1:
        return "…"[:max_chars]
    cut = s[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def plain_text(s: str | None, max_chars: int) -> str:
    """A one-line display string: XML-safe, whitespace collapsed, bidi overrides removed,
    at most `max_chars` characters."""
    # Bound the work on hostile megabyte strings before the regexes run over them.
    text = xml_text(s[: max_chars * 4 + 64] if s else s)
    text = _BIDI_CONTROLS.sub("", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return truncate(text, max_chars)


def _decode_entities(s: str, *, terminated_only: bool = False) -> str:
    # `terminated_only` decodes only `&…;` references: HTML does not decode a legacy reference
    # such as `&not` in an attribute when `=` or a letter follows, and neither must we when
    # producing the URL (`?a=1&not=2` stays as it is). Judging uses the greedy decoding.
    for _ in range(_MAX_UNESCAPE_ROUNDS):
        if terminated_only:
            decoded = _TERMINATED_REFERENCE.sub(lambda m: html.unescape(m.group(0)), s)
        else:
            decoded = html.unescape(s)
        if decoded == s:
            return s
        s = decoded
    return s


def _strip_invisible(s: str) -> str:
    # Browsers drop tabs/newlines anywhere and C0 controls/space at the ends; removing every
    # control and format character (zero-width space, BOM, soft hyphen, bidi marks) can only
    # turn a would-be-harmless string into one we judge more strictly, never the reverse.
    return "".join(c for c in s if unicodedata.category(c) not in {"Cc", "Cf", "Cs"}).strip()


def _scheme(s: str) -> str:
    head, sep, _ = s.partition(":")
    return head.lower() if sep else ""


def _clean_host(hostname: str) -> str | None:
    """The host as it may appear in a netloc (IPv6 bracketed, IDN as punycode), or None."""
    if ":" in hostname:
        if "%" in hostname:  # a zone id means nothing outside the publisher's machine
            return None
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            return None
        return f"[{hostname.lower()}]"
    host = hostname.lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host if _HOST.match(host) else None


def safe_url(url: str | None) -> str | None:
    """`url` as an absolute http(s) URL safe to publish anywhere, or None when it is not one.

    See the module docstring for exactly what is refused and how the URL is normalised.
    """
    if not url:
        return None
    if len(url) > MAX_URL_CHARS * 4:
        return None
    candidate = _strip_invisible(_decode_entities(url, terminated_only=True))
    if candidate.startswith("//"):
        candidate = "https:" + candidate
    if len(candidate) > MAX_URL_CHARS:
        return None
    # Every reading a consumer might make -- the URL as we publish it, greedily
    # entity-decoded, percent-decoded -- must start with http(s):.
    greedy = _strip_invisible(_decode_entities(url))
    if greedy.startswith("//"):
        greedy = "https:" + greedy
    readings = (candidate, greedy, _strip_invisible(unquote(greedy)))
    if any(_scheme(r) not in _SAFE_SCHEMES for r in readings):
        return None
    # Browsers read '\' as '/' in http(s) URLs, urlsplit does not: refuse rather than disagree.
    if "\\" in candidate:
        return None
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return None
    if not candidate[len(parts.scheme) + 1 :].startswith("//") or not parts.hostname:
        return None
    host = _clean_host(parts.hostname)
    if host is None:
        return None
    netloc = host if port is None else f"{host}:{port}"

    def enc(part: str) -> str:
        return quote(part, safe=_URL_SAFE_CHARS)

    safe = urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            enc(parts.path),
            enc(parts.query),
            enc(parts.fragment),
        )
    )
    # over the bound once encoded (a space is three characters): refused, as it would be
    # when read again (found by fuzzing: safe_url refused its own output)
    return safe if len(safe) <= MAX_URL_CHARS else None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return safe_url(value)
    return value


def safe_html(fragment: str | None, max_chars: int | None = DEFAULT_HTML_CHARS) -> str:
    """`fragment` cleaned to the small allowlist (p, a[href], em, strong, code, pre, ul, ol,
    li, blockquote, br), links made safe and `rel="nofollow noopener noreferrer"`, cut to about
    `max_chars` characters of markup (ending with '…', tags closed; None: no cut). The result
    is also XML-safe. '' for None."""
    if not fragment:
        return ""
    if max_chars is not None:
        fragment = fragment[: max(_HTML_INPUT_FLOOR, max_chars * _HTML_INPUT_FACTOR)]
    cleaned = _clean(fragment)
    if max_chars is None or len(cleaned) <= max_chars:
        return cleaned
    cut = cleaned[:max_chars]
    # Do not end inside a tag or a character reference.
    lt, amp = cut.rfind("<"), cut.rfind("&")
    if lt > cut.rfind(">"):
        cut = cut[:lt]
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    space = cut.rfind(" ")
    if space > max(cut.rfind(">"), len(cut) * 0.8):
        cut = cut[:space]
    return _clean(cut.rstrip() + "…")


def _clean(fragment: str) -> str:
    # xml_text before (nh3 cannot take lone surrogates) and after (a reference such as `&#1;`
    # decodes to a control character).
    cleaned = nh3.clean(
        xml_text(fragment),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"a": {"href"}, "*": set()},  # "*": no generic title/lang attributes
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes={"http", "https"},
        # Relative links mean nothing once copied out of their page; '//host' becomes https.
        url_relative=safe_url,
    )
    return xml_text(cleaned)
