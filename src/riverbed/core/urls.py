"""The project's one URL canonicaliser: the same page spelled two ways gets one URL.

`canonical_url` is an identity key (stories merge on it) and also the link users click, so
every result is a working URL. Rules, in order:

Generic (every host)
- Only absolute http/https URLs; anything else (other schemes, relative or garbage) is None.
  Surrounding whitespace is stripped and tabs/newlines inside are removed (as browsers do).
  URLs longer than `MAX_URL_CHARS`, as given or once canonical (percent-encoding can
  multiply a length by up to 12), are None.
- Scheme and host are lower-cased; a non-ASCII host becomes IDNA punycode (`bücher.de` ->
  `xn--bcher-kva.de`, IDNA 2003 via Python's codec); a trailing dot is dropped; hosts with
  characters outside letters, digits, `-`, `_` and `.` are None. IPv6 literals are
  compressed (`[2001:DB8:0::1]` -> `[2001:db8::1]`).
- Userinfo (`user:pass@`) and the fragment are dropped; ports 80 (http) and 443 (https) are
  dropped, other ports kept.
- Percent-encoding: escapes of unreserved characters are decoded (`%7E` -> `~`), other escapes
  upper-cased (`%2f` -> `%2F`), a `%` not starting an escape becomes `%25`, and characters
  that may not appear raw (spaces, non-ASCII, `"<>\\^`{|}`) are UTF-8 percent-encoded.
  `+` is left alone (it only means a space in form-encoded queries).
- Path: `.` and `..` segments are resolved, an empty path is `/`, and trailing slashes are
  removed from every other path (`/blog/post/` -> `/blog/post`). Almost every site serves
  (or redirects) both spellings to the same page, so this merges more than it confuses.
- Query: empty pieces are dropped, tracking parameters are removed (`TRACKING_PARAMS`, and any
  name starting with `utm_`; names compared case-insensitively), the rest is sorted by name,
  stably (repeated names keep their order). `ref` and `source` are kept: they are real
  parameters on too many sites.
- The host is kept as written otherwise: `www.` is not removed (it can be another site).

Domain rules (these also force https)
- arXiv (`arxiv.org`, `www.`, `export.`, `lanl.`): `/abs/`, `/pdf/` (with or without `.pdf`),
  `/html/`, `/format/` and `/ps/` links to a paper, any version -> `https://arxiv.org/abs/<id>`
  with the version removed; new-style (`2401.01234`) and old-style (`hep-th/9901001`) ids.
- YouTube (`youtube.com`, `www.`, `m.`, `music.`, `youtube-nocookie.com`, `youtu.be`): a video
  link (`watch?v=`, `youtu.be/<id>`, `/shorts/`, `/embed/`, `/live/`, `/v/`) ->
  `https://www.youtube.com/watch?v=<id>` with every other parameter dropped; other pages move
  to `www.youtube.com`.
- GitHub (`github.com`, `www.github.com`) -> `github.com`; owner and repository (the first two
  path segments) are lower-cased (GitHub treats them case-insensitively) and a `.git`
  suffix is dropped; the rest of the path keeps its case.
- Reddit (`reddit.com`, `www.`, `old.`, `np.`, `m.`, `new.`, `i.`, and `redd.it/<id>`) ->
  `www.reddit.com` with the query dropped; a post (`/r/<sub>/comments/<id>/<slug>`,
  `/comments/<id>`, `redd.it/<id>`) -> `https://www.reddit.com/comments/<id>` and a comment
  permalink -> `https://www.reddit.com/comments/<id>/_/<comment id>`; subreddit and user
  names are lower-cased.
- Hacker News (`news.ycombinator.com`): `/item` keeps only its `id` parameter.

`canonical_url` never raises and is idempotent: `canonical_url(canonical_url(u)) ==
canonical_url(u)` whenever the first call is not None.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

MAX_URL_CHARS = 4096


def http_url_or_none(url: str) -> str | None:
    """`url` if it is an absolute http(s) URL with something after the scheme, its scheme
    lower-cased (`Http://x` is `http://x`: schemes are case-insensitive, and everything
    downstream compares them as `http://` / `https://`); else None. No other change."""
    head = url[:8].lower()
    if head.startswith("https://") and len(url) > 8:
        return "https" + url[5:]
    if head.startswith("http://") and len(url) > 7:
        return "http" + url[4:]
    return None


# Parameters whose only purpose is attributing a click or a campaign. Kept to well-known,
# unambiguous names: removing a parameter a site needs would merge different pages.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",  # Google Display
        "gbraid",
        "wbraid",
        "msclkid",  # Microsoft Ads
        "twclid",  # Twitter/X
        "ttclid",  # TikTok
        "li_fat_id",  # LinkedIn
        "mc_cid",  # Mailchimp
        "mc_eid",
        "yclid",  # Yandex
        "igshid",  # Instagram
        "igsh",
        "_hsenc",  # HubSpot
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",  # Marketo
        "_ga",  # Google Analytics cross-domain linker
        "_gl",
        "oly_anon_id",  # Omeda
        "oly_enc_id",
        "vero_id",  # Vero
        "vero_conv",
        "wickedid",
        "_openstat",
        "ref_src",  # Twitter embeds
        "ref_url",
    }
)
TRACKING_PREFIXES = ("utm_",)

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = frozenset("0123456789abcdefABCDEF")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = frozenset(_UNRESERVED | set(_SUB_DELIMS) | set(":@/"))
# Inside one query piece `&` cannot occur (it splits pieces); `=` is allowed in values.
_QUERY_SAFE = frozenset((_PATH_SAFE | set("?")) - {"&"})
_PATH_CLEAN = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*")
_QUERY_CLEAN = re.compile(r"[A-Za-z0-9\-._~!$'()*+,;=:@/?]*")
_HOST_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_STRIP_INSIDE = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(chr(c) for c in range(33))
_ESCAPE_LOWER = re.compile(r"%[0-9a-f]{2}")


def canonical_url(url: str) -> str | None:
    """The canonical spelling of an absolute http(s) URL, or None if it is not one.

    See the module docstring for the rules. Never raises; idempotent.
    """
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        return None
    try:
        canonical = _canonical(url)
    except (ValueError, UnicodeError):
        return None
    # A result over the limit would be refused when canonicalised again (not idempotent).
    if canonical is not None and len(canonical) > MAX_URL_CHARS:
        return None
    return canonical


def _canonical(url: str) -> str | None:
    url = url.strip(_C0_AND_SPACE).translate(_STRIP_INSIDE)
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS or not rest.startswith("//"):
        return None
    rest = rest[2:]
    rest = rest.partition("#")[0]
    end = len(rest)
    for ch in "/?":
        pos = rest.find(ch)
        if pos != -1 and pos < end:
            end = pos
    authority, rest = rest[:end], rest[end:]
    path, _, query = rest.partition("?")

    host_port = authority.rpartition("@")[2]
    parsed = _host_and_port(host_port, scheme)
    if parsed is None:
        return None
    host, port = parsed

    path = _normalise_path(path)
    pairs = _normalise_query(query)

    rule = _DOMAIN_RULES.get(host)
    if rule is not None:
        host, path, pairs = rule(host, path, pairs)
        scheme, port = "https", ""
    netloc = f"{host}:{port}" if port else host
    query_str = "&".join(pairs)
    return f"{scheme}://{netloc}{path}?{query_str}" if query_str else f"{scheme}://{netloc}{path}"


def _host_and_port(host_port: str, scheme: str) -> tuple[str, str] | None:
    if host_port.startswith("["):
        close = host_port.find("]")
        if close == -1:
            return None
        literal, after = host_port[1:close], host_port[close + 1 :]
        if after and not after.startswith(":"):
            return None
        port = after[1:]
        if "%" in literal:
            return None
        host = "[" + ipaddress.IPv6Address(literal).compressed + "]"
    else:
        name, _, port = host_port.partition(":")
        normal = _normalise_host(name)
        if normal is None:
            return None
        host = normal
    if port:
        if not (port.isascii() and port.isdigit()) or int(port) > 65535:
            return None
        port = str(int(port))
        if port == _DEFAULT_PORTS[scheme]:
            port = ""
    return host, port


def _normalise_host(host: str) -> str | None:
    if host.endswith("."):
        host = host[:-1]
    if not host or len(host) > 253:
        return None
    host = host.lower() if host.isascii() else host.encode("idna").decode("ascii").lower()
    if len(host) > 253:
        return None
    for label in host.split("."):
        if not _HOST_LABEL.fullmatch(label):
            return None
    return host


def _normalise_escapes(part: str, safe: frozenset[str]) -> str:
    """Percent-encoding normal form of a path or query component (see module docstring)."""
    out: list[str] = []
    i, n = 0, len(part)
    while i < n:
        ch = part[i]
        if ch == "%":
            if i + 2 < n and part[i + 1] in _HEX and part[i + 2] in _HEX:
                decoded = chr(int(part[i + 1 : i + 3], 16))
                out.append(decoded if decoded in _UNRESERVED else part[i : i + 3].upper())
                i += 3
                continue
            out.append("%25")
        elif ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _normalise_path(path: str) -> str:
    if "%" in path or not _PATH_CLEAN.fullmatch(path):
        path = _normalise_escapes(path, _PATH_SAFE)
    if "/." in path:
        path = _remove_dot_segments(path)
    path = path.rstrip("/")
    return path or "/"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 for an absolute path."""
    out: list[str] = []
    segments = path.split("/")[1:]
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/" + "/".join(out)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    if "%" in lowered:
        lowered = _unquote_ascii(lowered)
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _unquote_ascii(s: str) -> str:
    return re.sub(r"%([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)


def _normalise_query(query: str) -> list[str]:
    """Query pieces (`name=value` or `name`), tracking removed, sorted stably by name."""
    if not query:
        return []
    kept: list[tuple[str, str]] = []
    for raw in query.split("&"):
        if not raw:
            continue
        piece = raw
        if "%" in piece or not _QUERY_CLEAN.fullmatch(piece):
            piece = _normalise_escapes(piece, _QUERY_SAFE)
        name = piece.partition("=")[0]
        if not _is_tracking(name):
            kept.append((name, piece))
    kept.sort(key=lambda pair: pair[0])
    return [piece for _, piece in kept]


def _query_value(pairs: list[str], name: str) -> str | None:
    for piece in pairs:
        key, sep, value = piece.partition("=")
        if key == name and sep:
            return value
    return None


def _lower_keep_escapes(segment: str) -> str:
    return _ESCAPE_LOWER.sub(lambda m: m.group(0).upper(), segment.lower())


# --- domain rules: (host, path, query pieces) -> (host, path, query pieces), https forced ---

_Ruled = tuple[str, str, list[str]]

_ARXIV_PAPER = re.compile(
    r"/(?:abs|pdf|html|format|ps)/"
    r"(\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2,})?/\d{7})"
    r"(?:v\d+)?(?:\.pdf)?(?:/.*)?"
)
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_PATH = re.compile(r"/(?:shorts|embed|live|v|e)/([A-Za-z0-9_-]{11})")
_REDDIT_ID = re.compile(r"[a-z0-9]{1,16}")


def _arxiv(host: str, path: str, pairs: list[str]) -> _Ruled:
    m = _ARXIV_PAPER.fullmatch(path)
    if m:
        return "arxiv.org", "/abs/" + m.group(1), []
    # Other pages keep their host: export.arxiv.org serves the API, arxiv.org the site.
    return ("arxiv.org" if host == "www.arxiv.org" else host), path, pairs


def _youtube_watch(video_id: str) -> _Ruled:
    return "www.youtube.com", "/watch", ["v=" + video_id]


def _youtube(host: str, path: str, pairs: list[str]) -> _Ruled:
    if path == "/watch":
        video_id = _query_value(pairs, "v")
        if video_id is not None and _YOUTUBE_ID.fullmatch(video_id):
            return _youtube_watch(video_id)
    m = _YOUTUBE_PATH.fullmatch(path)
    if m:
        return _youtube_watch(m.group(1))
    if host == "youtu.be" and _YOUTUBE_ID.fullmatch(path[1:]):
        return _youtube_watch(path[1:])
    if host in ("youtube.com", "m.youtube.com"):
        host = "www.youtube.com"
    return host, path, pairs


def _github(host: str, path: str, pairs: list[str]) -> _Ruled:
    segments = path.split("/")  # ["", owner, repo, ...]
    if len(segments) > 1:
        segments[1] = _lower_keep_escapes(segments[1])
    if len(segments) > 2:
        segments[2] = re.sub(r"(?:\.git)+$", "", _lower_keep_escapes(segments[2]))
        if not segments[2] and len(segments) == 3:
            segments.pop()
    return "github.com", "/".join(segments) or "/", pairs


def _reddit_post(post_id: str, rest: list[str]) -> _Ruled | None:
    post_id = post_id.lower()
    if not _REDDIT_ID.fullmatch(post_id):
        return None
    path = "/comments/" + post_id
    if len(rest) >= 2:
        comment_id = rest[1].lower()
        if _REDDIT_ID.fullmatch(comment_id):
            path += "/_/" + comment_id
    return "www.reddit.com", path, []


def _reddit(host: str, path: str, pairs: list[str]) -> _Ruled:
    segments = path.strip("/").split("/")
    post: _Ruled | None = None
    if host == "redd.it":
        post = _reddit_post(segments[0], []) if len(segments) == 1 else None
        return post or (host, path, [])
    if len(segments) >= 4 and segments[0] in ("r", "u", "user") and segments[2] == "comments":
        post = _reddit_post(segments[3], segments[4:])
    elif len(segments) >= 2 and segments[0] == "comments":
        post = _reddit_post(segments[1], segments[2:])
    if post:
        return post
    if len(segments) >= 2 and segments[0] in ("r", "u", "user"):
        segments[1] = _lower_keep_escapes(segments[1])
        path = "/" + "/".join(segments)
    return "www.reddit.com", path, []


def _hacker_news(host: str, path: str, pairs: list[str]) -> _Ruled:
    if path == "/item":
        item = _query_value(pairs, "id")
        return host, path, [] if item is None else ["id=" + item]
    return host, path, pairs


_DOMAIN_RULES: dict[str, Callable[[str, str, list[str]], _Ruled]] = {
    **dict.fromkeys(("arxiv.org", "www.arxiv.org", "export.arxiv.org", "lanl.arxiv.org"), _arxiv),
    **dict.fromkeys(
        (
            "youtube.com",
            "www.youtube.com",
            "m.youtube.com",
            "music.youtube.com",
            "youtube-nocookie.com",
            "www.youtube-nocookie.com",
            "youtu.be",
        ),
        _youtube,
    ),
    **dict.fromkeys(("github.com", "www.github.com"), _github),
    **dict.fromkeys(
        (
            "reddit.com",
            "www.reddit.com",
            "old.reddit.com",
            "np.reddit.com",
            "m.reddit.com",
            "new.reddit.com",
            "i.reddit.com",
            "redd.it",
        ),
        _reddit,
    ),
    "news.ycombinator.com": _hacker_news,
}
