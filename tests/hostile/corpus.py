"""The hostile corpus: every case, where it is served, what riverbed must make of it.

Two catalogues, each run once by `riverbed run` (see `conftest.py`):

- `sources` — documents and servers that must fail their source *entirely* (entity bombs,
  XXE, compression bombs, endless and dripping bodies, redirect tricks, truncated and wrong
  documents). The run exits 1. Tight limits: `timeout_s` 3, `max_body_mb` 2 (the items run: 20 s, 12 MB).
- `items` — hostility riverbed must absorb item by item (a 10 MB title, impossible dates,
  duplicate GUIDs, script-laden markup, lying charsets, article links in every loopback
  spelling, hostile article pages). Only item-level problems: the run exits 0.

Both catalogues also hold good sources whose items must land in the same run. Realistic
host names are mapped to the loopback `HostileServer` with `resolve`; `127.0.0.1:<canary>`
is the `Canary`, which nothing may reach.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from html import escape

from hostile.server import (
    Reply,
    Route,
    Stream,
    brotli_bomb,
    deflate_bomb,
    drip,
    endless_feed,
    gzip_bomb,
    redirect,
)

RSS = "application/rss+xml"
GOOD_SOURCE = "good"  # the good source's id in both runs
ARTICLE_HOST = "news.example.com"  # serves a real article at every path


@dataclass(frozen=True)
class Case:
    """One hostile case. `stage` is the `errors.stage` its row carries; collect-stage cases
    are found by `source_id`, article cases by `url`. `error_kind` None: no error row at all
    (the case must be absorbed silently, e.g. a lying charset decoded right)."""

    name: str
    run: str  # "sources" | "items"
    stage: str  # "collect" | "articles"
    error_kind: str | None
    source_id: str | None = None
    url: str | None = None
    source_failed: bool = False


# -- document builders -------------------------------------------------------------------


def x(text: str) -> str:
    """XML-escaped text."""
    return escape(text, quote=False)


def item(
    title: str,
    link: str | None,
    *,
    guid: str | None = None,
    date: str | None = None,
    description: str | None = None,
    raw_title: bool = False,
) -> str:
    parts = [f"<title>{title if raw_title else x(title)}</title>"]
    if link is not None:
        parts.append(f"<link>{x(link)}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{x(guid)}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{x(date)}</pubDate>")
    if description is not None:
        parts.append(f"<description>{x(description)}</description>")
    return "<item>" + "".join(parts) + "</item>"


def rss(
    title: str, items: list[str], *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>'
) -> str:
    return (
        f'{prolog}\n<rss version="2.0"><channel><title>{x(title)}</title>'
        f"<link>http://{ARTICLE_HOST}/</link><description>{x(title)}</description>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def good_feed(tag: str, n: int = 3) -> bytes:
    return rss(
        f"Good feed {tag}",
        [
            item(
                f"Good {tag} story {i}",
                f"http://{ARTICLE_HOST}/{tag}/story-{i}",
                guid=f"{tag}-{i}",
                date="Mon, 03 Nov 2025 10:00:00 GMT",
                description=f"Good {tag} summary {i}.",
            )
            for i in range(1, n + 1)
        ],
    ).encode()


GOOD_TITLES = {tag: [f"Good {tag} story {i}" for i in range(1, 4)] for tag in ("sources", "items")}

PARAGRAPHS = [
    "Write-ahead logging keeps every change in an append-only file before the pages that hold "
    "the data are touched, so a crash in the middle of a write loses nothing that was "
    "acknowledged to the client.",
    "Checkpoints copy the logged changes back into the main database file. Readers keep reading "
    "the old pages while a checkpoint runs, which is why the mode suits workloads with many "
    "readers and one writer.",
    "The trade-off is a second file next to the database and a shared-memory index that every "
    "connection maps; network file systems cannot provide that, so the mode is off there by "
    "default.",
    "Benchmarks on a laptop show write throughput rising by a factor of four against the "
    "rollback journal, with read latency unchanged for small transactions.",
]


def article_page(title: str, open_tag: str = "<article>") -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{x(title)} | Example News</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/tech'>Tech</a></nav></header>"
        f"<main>{open_tag}<h1>{x(title)}</h1><p class='byline'>By Ada Lovelace</p>{paras}"
        "<script>alert('rbx-article')</script></article></main>"
        "<footer><a href='/about'>About</a></footer></body></html>"
    ).encode()


LOL = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
    for n in range(1, 10)
)


def billion_laughs() -> bytes:
    return rss(
        "laughs",
        [item("&lol9;", f"http://{ARTICLE_HOST}/laughs", raw_title=True)],
        prolog=f'<?xml version="1.0"?>\n<!DOCTYPE rss [{LOL}]>',
    ).encode()


def xxe(system_id: str) -> bytes:
    return rss(
        "xxe",
        [item("&xxe;", f"http://{ARTICLE_HOST}/xxe", raw_title=True)],
        prolog=f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{system_id}">]>',
    ).encode()


def xxe_parameter(system_id: str) -> bytes:
    return rss(
        "xxe parameter entity",
        [item("parameter entity", f"http://{ARTICLE_HOST}/xxe-param")],
        prolog=f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{system_id}"> %ext;]>',
    ).encode()


def external_dtd(system_id: str) -> bytes:
    """A plain RSS 0.91-style external DOCTYPE (allowed) whose DTD URL is the canary."""
    return rss(
        "external dtd",
        [
            item("External DTD caf&eacute; one", f"http://{ARTICLE_HOST}/dtd/1", raw_title=True),
            item("External DTD two", f"http://{ARTICLE_HOST}/dtd/2"),
        ],
        prolog=(
            '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS '
            f'0.91//EN" "{system_id}">'
        ),
    ).encode()


BIG_ENTITY = "A" * 20_000
BIG_REFS = "&big;" * 20_000


def entity_expansion() -> bytes:
    """HAZARDS: a 78 KB feed, one 20 KB entity referenced 20,000 times (400 MB expanded)."""
    return rss(
        "entity expansion",
        [item(BIG_REFS, f"http://{ARTICLE_HOST}/big", raw_title=True)],
        prolog=f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "{BIG_ENTITY}">]>',
    ).encode()


def entity_late() -> bytes:
    """The same expansion declared *after* the root starts, in a malformed document that a
    tolerant fallback parser would otherwise read."""
    return (
        '<rss version="2.0"><channel><title>late</title>'
        f'<!DOCTYPE rss [<!ENTITY big "{BIG_ENTITY}">]>'
        f"<item><title>{BIG_REFS}</title><link>http://{ARTICLE_HOST}/late</link></item>"
        "<item><title>mismatched <b>tags</title></b></item>"
        "</channel></rss>"
    ).encode()


def truncated_xml() -> bytes:
    body = good_feed("cut", n=4)
    return body[: body.index(b"<item>", body.index(b"<item>") + 1) + 40]


def json_feed(items: list[dict[str, object]], title: str = "json feed") -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    ).encode()


def truncated_json_feed() -> bytes:
    body = json_feed(
        [
            {"id": f"j{i}", "url": f"http://{ARTICLE_HOST}/j/{i}", "title": f"JSON {i}"}
            for i in range(5)
        ]
    )
    return body[: len(body) * 2 // 3]


def deep_json() -> bytes:
    depth = 200_000
    return b'{"hits": ' + b"[" * depth + b"]" * depth + b"}"


HTML_PAGE = (
    b"<!doctype html><html><head><title>Welcome to our site</title></head>"
    b"<body><h1>Hello</h1><p>This is a web page, not a feed.</p></body></html>"
)

# -- the items run -------------------------------------------------------------------------

HUGE_TITLE_CHARS = 10 * 1024 * 1024


def huge_title_feed() -> bytes:
    huge = ("Lorem ipsum " * (HUGE_TITLE_CHARS // 12 + 1))[:HUGE_TITLE_CHARS]
    return rss(
        "huge title",
        [
            item("Normal before the huge one", f"http://{ARTICLE_HOST}/huge/1", guid="h1"),
            item(huge, f"http://{ARTICLE_HOST}/huge/2", guid="h2"),
            item("Normal after the huge one", f"http://{ARTICLE_HOST}/huge/3", guid="h3"),
        ],
    ).encode()


BAD_DATES = {
    "d-year0": "Sat, 01 Jan 0000 00:00:00 GMT",
    "d-feb31": "Mon, 31 Feb 2025 10:00:00 GMT",
    "d-future": "Fri, 31 Dec 9999 23:59:59 GMT",
    "d-garbage": "the day after tomorrow ☃ 99:99",
    "d-iso-feb31": "2025-02-31T10:00:00Z",
    "d-iso-year0": "0000-01-01T00:00:00Z",
}
GOOD_DATE = ("d-valid", "Mon, 03 Nov 2025 10:00:00 GMT")


def bad_dates_feed() -> bytes:
    entries = [
        item(f"Dated {guid}", f"http://{ARTICLE_HOST}/dates/{guid}", guid=guid, date=date)
        for guid, date in [*BAD_DATES.items(), GOOD_DATE]
    ]
    return rss("dates", entries).encode()


def duplicate_guids_feed() -> bytes:
    return rss(
        "duplicates",
        [
            item("Dup first", f"http://{ARTICLE_HOST}/dup/1", guid="dup-1"),
            item("Dup second", f"http://{ARTICLE_HOST}/dup/2", guid="dup-1"),
            item("Unique in the middle", f"http://{ARTICLE_HOST}/dup/u", guid="dup-u"),
            item("Dup third", f"http://{ARTICLE_HOST}/dup/3", guid="dup-1"),
        ],
    ).encode()


# Every payload carries "rbx" so that a surviving one is easy to find in published output.
SCRIPT_SUMMARY = (
    "<p onclick=\"alert('rbx-1')\">Hello <b onmouseover=alert('rbx-2')>world</b></p>"
    "<img src=x onerror=\"alert('rbx-3')\">"
    "<a href=\"javascript:alert('rbx-4')\">plain js</a> "
    "<a href=\"jav&#x61;script:alert('rbx-5')\">entity js</a> "
    "<a href=\"jav&#x09;ascript:alert('rbx-6')\">tab js</a> "
    "<a href=\"javascript&colon;alert('rbx-7')\">colon js</a> "
    "<a href=\" JaVaScRiPt:alert('rbx-8')\">case js</a> "
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgncmJ4LTknKTwvc2NyaXB0Pg==">data</a> '
    "<script>alert('rbx-10')</script>"
    "<iframe src=\"javascript:alert('rbx-11')\"></iframe>"
    "<svg onload=\"alert('rbx-12')\"><circle r='1'/></svg>"
    "<style>p{background:url(\"javascript:alert('rbx-13')\")}</style>"
    "<form action=\"javascript:alert('rbx-14')\"><button formaction=\"javascript:alert('rbx-15')\">"
    "go</button></form>"
    "<a href='&#106;avascript:alert(\"rbx-16\")'>decimal js</a> "
    f'<a href="http://{ARTICLE_HOST}/fine">a fine link</a>'
)


def scripts_feed() -> bytes:
    return rss(
        "scripts",
        [
            item(
                "<script>alert('rbx-t1')</script>Scripted title one",
                # not an allowed article host: its article is refused, so the digest shows
                # the feed's own (hostile) summary as the excerpt
                "http://scripts.example.net/story/1",
                guid="s1",
                description=SCRIPT_SUMMARY,
            ),
            item(
                "<![CDATA[<img src=x onerror=alert('rbx-t2')>CDATA image title]]>",
                f"http://{ARTICLE_HOST}/scripts/2",
                guid="s2",
                description="<a href='javascript:alert(\"rbx-17\")'>x</a> second summary",
                raw_title=True,
            ),
            item("Plain javascript link", "javascript:alert('rbx-18')", guid="s3"),
            item("Entity javascript link", "jav&#x61;script:alert('rbx-19')", guid="s4"),
            # an XML character reference: the parser itself yields "javascript:"
            "<item><title>Char-ref javascript link</title>"
            "<link>jav&#x61;script:alert('rbx-20')</link><guid>s5</guid></item>",
            item(
                "Quote \"breaker\" ' onmouseover='alert(1)",
                f"http://{ARTICLE_HOST}/scripts/6?q=\"><script>alert('rbx-21')</script>",
                guid="s6",
            ),
        ],
    ).encode()


def scripts_json_feed() -> bytes:
    return json_feed(
        [
            {
                "id": "sj1",
                "url": f"http://{ARTICLE_HOST}/scripts-json/1",
                "title": "<img src=x onerror=alert('rbx-30')>JSON image title",
                "content_html": (
                    "<script>alert('rbx-31')</script>"
                    "<p onmouseover=\"alert('rbx-32')\">JSON body text</p>"
                    "<a href=\"jav&#x61;script:alert('rbx-33')\">entity js</a>"
                ),
            },
            {
                "id": "sj2",
                "url": "javascript:alert('rbx-34')",
                "title": "JSON javascript url",
                "summary": "<a href='jav&#x61;script:alert(\"rbx-35\")'>x</a>",
            },
        ],
        title="scripts json",
    )


CHARSET_TITLE = "Café crème brûlée – naïve"


def charset_feed(tag: str, encoding: str, declared: str | None) -> bytes:
    prolog = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    return rss(
        f"charset {tag}",
        [item(f"{CHARSET_TITLE} {tag}", f"http://{ARTICLE_HOST}/charset/{tag}", guid=tag)],
        prolog=prolog,
    ).encode(encoding)


def charset_meta_page() -> bytes:
    return (
        "<!doctype html><html><head><meta charset='windows-1252'><title>Listing</title></head>"
        f"<body><article class='post'><h2><a href='http://{ARTICLE_HOST}/charset/meta'>"
        f"{CHARSET_TITLE} meta</a></h2></article></body></html>"
    ).encode("cp1252")


def bom_utf8_lying() -> bytes:
    """A UTF-8 BOM, then a declaration that says ISO-8859-1 (and a header saying cp1252)."""
    return codecs.BOM_UTF8 + charset_feed("bom8", "utf-8", "ISO-8859-1")


def bom_utf16_lying() -> bytes:
    """A UTF-16LE BOM on a UTF-16 document whose declaration says UTF-8."""
    text = charset_feed("bom16", "utf-8", "utf-8").decode("utf-8")
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def loopback_spellings(canary_port: int) -> dict[str, str]:
    p = canary_port
    return {
        "dotted": f"http://127.0.0.1:{p}/spelling-dotted",
        "localhost": f"http://localhost:{p}/spelling-localhost",
        "ipv6": f"http://[::1]:{p}/spelling-ipv6",
        "decimal": f"http://2130706433:{p}/spelling-decimal",
        "hex": f"http://0x7f000001:{p}/spelling-hex",
        "short": f"http://127.1:{p}/spelling-short",
        "octal": f"http://0177.0.0.1:{p}/spelling-octal",
        "mapped-v6": f"http://[::ffff:127.0.0.1]:{p}/spelling-mapped-v6",
        # a realistic name that `resolve` maps to the canary, not in allow_private_hosts
        "resolved-name": f"http://intranet.example.com:{p}/spelling-resolved-name",
    }


def links_feed(canary_port: int) -> bytes:
    spellings = loopback_spellings(canary_port)
    return rss(
        "loopback links",
        [item(f"Link to {name}", url, guid=f"link-{name}") for name, url in spellings.items()],
    ).encode()


COOKIE_WALL = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Story | Example</title></head>"
    "<body><div class='consent'><h2>We value your privacy</h2>"
    + "".join(
        "<p>We and our partners use cookies and similar tracking technologies to store and "
        "access information on your device, for personalised ads and content, ad and content "
        "measurement, audience insights and product development. You can accept all cookies, "
        "reject all cookies or manage your privacy settings and consent choices at any time.</p>"
        for _ in range(2)
    )
    + "<button>Accept all</button><button>Reject all</button></div></body></html>"
).encode()

PDF = (
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def attribute_bomb_one_tag() -> bytes:
    """One tag with 200,000 attributes (lxml's parser is quadratic in them) before a real
    article: the flood must be disarmed and the article still extracted."""
    attrs = " ".join(f"a{i}=1" for i in range(200_000))
    return article_page("Attribute bomb survivor", open_tag=f"<article {attrs}>")


def attribute_flood() -> bytes:
    """6,000 elements of 64 attributes each: over the extraction budget of attributes."""
    attrs = " ".join(f"d{i}='v'" for i in range(64))
    cells = "".join(f"<span {attrs}>w{i}</span>" for i in range(6_000))
    return (
        "<!doctype html><html><head><title>Flood</title></head><body><article>"
        f"<p>{cells}</p></article></body></html>"
    ).encode()


ARTICLE_CASES = {
    # name -> (url, expected error kind)
    "cookie-wall": ("http://cookies.example.com/story/consent", "thin_extraction"),
    "pdf": ("http://papers.example.com/paper.pdf", "content_type"),
    "robots-500": ("http://robots500.example.com/story/blocked", "robots_disallowed"),
    "attribute-bomb": ("http://attrs.example.com/one-tag", None),
    "attribute-flood": ("http://attrs.example.com/flood", "too_large"),
    "article-redirect-to-canary": (f"http://{ARTICLE_HOST}/moved-to-canary", "blocked_address"),
}
ARTICLE_HOSTS = [
    ARTICLE_HOST,
    "cookies.example.com",
    "papers.example.com",
    "robots500.example.com",
    "attrs.example.com",
]


def article_hazards_feed() -> bytes:
    return rss(
        "article hazards",
        [
            item(f"Article hazard {name}", url, guid=f"art-{name}")
            for name, (url, _kind) in ARTICLE_CASES.items()
        ],
    ).encode()


def surrogate_api() -> bytes:
    # json.dumps escapes the lone surrogates as \ud800 / \udfff (valid JSON text)
    return json.dumps(
        {
            "hits": [
                {
                    "id": "api-1",
                    "title": "Surrogate \ud800 title",
                    "url": f"http://{ARTICLE_HOST}/api/1",
                    "author": "\udfffMallory",
                    "text": "text with a lone \udbff surrogate",
                },
                {"id": "api-2", "title": "Clean API title", "url": f"http://{ARTICLE_HOST}/api/2"},
            ]
        }
    ).encode()


def surrogate_json_feed() -> bytes:
    return json_feed(
        [
            {
                "id": "jf-\ud800",
                "url": f"http://{ARTICLE_HOST}/jf/1",
                "title": "JSON Feed \udc00 surrogate title",
                "content_text": "lone \ud800 surrogate in text",
            },
            {"id": "jf-2", "url": f"http://{ARTICLE_HOST}/jf/2", "title": "JSON Feed clean"},
        ],
        title="surrogates",
    )


# -- the two runs ----------------------------------------------------------------------------


@dataclass
class Corpus:
    routes: dict[tuple[str, str], Route]
    fallback: dict[str, Route]
    catalogues: dict[str, str]  # run -> sources.yaml text
    cases: list[Case]


def _source(sid: str, url: str, kind: str = "rss", extra: str = "") -> str:
    return f"  - {{id: {sid}, kind: {kind}, url: '{url}'{extra}}}\n"


def build(port: int, canary: int) -> Corpus:
    """Routes for the `HostileServer` on `port`, the two catalogues and the case list."""
    routes: dict[tuple[str, str], Route] = {}
    fallback: dict[str, Route] = {}
    cases: list[Case] = []
    hosts: dict[str, set[str]] = {"sources": set(), "items": set()}
    entries: dict[str, list[str]] = {"sources": [], "items": []}

    def source(
        run: str,
        sid: str,
        host: str,
        route: Route | None,
        *,
        kind: str = "rss",
        extra: str = "",
        path: str = "/feed",
        error_kind: str | None = None,
        failed: bool | None = None,
        case: bool = True,
    ) -> None:
        if route is not None:
            routes[(host, path)] = route
        hosts[run].add(host)
        entries[run].append(_source(sid, f"http://{host}{path}", kind, extra))
        if case:
            cases.append(
                Case(
                    sid,
                    run,
                    "collect",
                    error_kind,
                    source_id=sid,
                    source_failed=bool(failed if failed is not None else run == "sources"),
                )
            )

    canary_url = f"http://127.0.0.1:{canary}"

    # ---- sources: each must fail entirely, with the right kind ---------------------------
    s = "sources"
    source(
        s,
        GOOD_SOURCE,
        "daily.example.org",
        Reply(body=lambda: good_feed("sources")),
        path="/sources.xml",
        case=False,
    )
    source(
        s,
        "billion-laughs",
        "laughs.example.net",
        Reply(body=billion_laughs),
        error_kind="parse_error",
    )
    source(
        s,
        "xxe-file",
        "xxe-file.example.net",
        Reply(body=lambda: xxe("file:///etc/passwd")),
        error_kind="parse_error",
    )
    source(
        s,
        "xxe-http",
        "xxe-http.example.net",
        Reply(body=lambda: xxe(f"{canary_url}/xxe")),
        error_kind="parse_error",
    )
    source(
        s,
        "xxe-parameter",
        "xxe-param.example.net",
        Reply(body=lambda: xxe_parameter(f"{canary_url}/param.dtd")),
        error_kind="parse_error",
    )
    source(
        s,
        "entity-expansion",
        "entity.example.net",
        Reply(body=entity_expansion),
        error_kind="parse_error",
    )
    source(
        s,
        "entity-late",
        "entity-late.example.net",
        Reply(body=entity_late),
        error_kind="parse_error",
    )
    source(
        s,
        "gzip-bomb",
        "gzip.example.net",
        Stream(gzip_bomb, headers={"Content-Encoding": "gzip"}),
        error_kind="too_large",
    )
    source(
        s,
        "deflate-bomb",
        "deflate.example.net",
        Stream(deflate_bomb, headers={"Content-Encoding": "deflate"}),
        error_kind="too_large",
    )
    source(
        s,
        "brotli-bomb",
        "brotli.example.net",
        Stream(brotli_bomb, headers={"Content-Encoding": "br"}),
        error_kind="too_large",
    )
    source(s, "endless-body", "endless.example.net", Stream(endless_feed), error_kind="too_large")
    source(
        s,
        "slow-drip",
        "drip.example.net",
        Stream(lambda: drip(good_feed("drip")), pause_s=1.0),
        error_kind="timeout",
    )
    routes[("loop.example.net", "/a")] = redirect("/b")
    routes[("loop.example.net", "/b")] = redirect("http://loop.example.net/a")
    source(s, "redirect-loop", "loop.example.net", None, path="/a", error_kind="too_many_redirects")
    for hop in range(10):
        routes[("chain.example.net", f"/hop/{hop}")] = redirect(f"/hop/{hop + 1}")
    routes[("chain.example.net", "/hop/10")] = Reply(body=lambda: good_feed("chain"))
    source(
        s,
        "redirect-chain",
        "chain.example.net",
        None,
        path="/hop/0",
        error_kind="too_many_redirects",
    )
    source(
        s,
        "redirect-to-canary",
        "mirror.example.net",
        redirect(f"{canary_url}/feed.xml"),
        error_kind="blocked_address",
    )
    source(
        s,
        "redirect-to-canary-decimal",
        "mirror2.example.net",
        redirect(f"http://2130706433:{canary}/feed.xml", 301),
        error_kind="blocked_address",
    )
    source(
        s,
        "redirect-to-canary-name",
        "mirror3.example.net",
        redirect(f"http://intranet.example.com:{canary}/feed.xml", 307),
        error_kind="blocked_address",
    )
    source(
        s,
        "redirect-to-file",
        "scheme.example.net",
        redirect("file:///etc/passwd"),
        error_kind="scheme_rejected",
    )
    source(s, "empty-200", "empty.example.net", Reply(body=b""), error_kind="not_a_feed")
    source(
        s,
        "html-as-feed",
        "htmlpage.example.net",
        Reply(body=HTML_PAGE, content_type="text/html; charset=utf-8"),
        error_kind="not_a_feed",
    )
    source(
        s,
        "truncated-json-feed",
        "jsonfeed-cut.example.net",
        Reply(body=truncated_json_feed, content_type="application/feed+json"),
        error_kind="parse_error",
    )
    source(
        s,
        "truncated-xml",
        "xml-cut.example.net",
        Reply(body=truncated_xml),
        error_kind="parse_error",
    )
    source(
        s,
        "json-deep-nesting",
        "deep.example.net",
        Reply(body=deep_json, content_type="application/json"),
        kind="json_api",
        extra=", items: hits, fields: {title: title, url: url}",
        error_kind="parse_error",
    )
    source(
        s,
        "rate-limited",
        "busy.example.net",
        Reply(429, b"slow down", "text/plain", {"Retry-After": "3600"}),
        error_kind="rate_limited",
    )
    source(
        s,
        "gone-410",
        "gone.example.net",
        Reply(410, b"gone", "text/plain"),
        error_kind="http_status",
    )

    # ---- items: absorbed item by item; the run exits 0 -----------------------------------
    i = "items"
    source(
        i,
        GOOD_SOURCE,
        "daily.example.org",
        Reply(body=lambda: good_feed("items")),
        path="/items.xml",
        case=False,
    )
    # a plain RSS 0.91 DOCTYPE whose DTD URL is the canary: allowed, never fetched
    source(
        i,
        "external-dtd",
        "dtd.example.net",
        Reply(body=lambda: external_dtd(f"{canary_url}/rss.dtd")),
    )
    source(
        i,
        "huge-title",
        "hugetitle.example.net",
        Reply(body=huge_title_feed),
        error_kind="invalid_item",
    )
    source(i, "invalid-dates", "dates.example.net", Reply(body=bad_dates_feed))
    source(i, "duplicate-guids", "dupes.example.net", Reply(body=duplicate_guids_feed))
    source(i, "script-laden-rss", "scripts.example.net", Reply(body=scripts_feed))
    source(
        i,
        "script-laden-json-feed",
        "scripts-json.example.net",
        Reply(body=scripts_json_feed, content_type="application/feed+json"),
    )
    source(
        i,
        "charset-header-lies",
        "charset-header.example.net",
        Reply(
            body=lambda: charset_feed("cp1252", "cp1252", "windows-1252"),
            content_type="application/rss+xml; charset=utf-8",
        ),
    )
    source(
        i,
        "charset-utf16-label",
        "charset-utf16.example.net",
        Reply(
            body=lambda: charset_feed("label16", "utf-8", None),
            content_type="text/xml; charset=utf-16",
        ),
    )
    source(
        i,
        "charset-meta",
        "charset-meta.example.net",
        Reply(body=charset_meta_page, content_type="text/html"),
        kind="html",
        extra=", selectors: {item: article.post, title: h2, link: h2 a}",
        path="/blog/",
    )
    source(
        i,
        "bom-utf8-declares-latin1",
        "bom8.example.net",
        Reply(body=bom_utf8_lying, content_type="application/rss+xml; charset=windows-1252"),
    )
    source(
        i,
        "bom-utf16-declares-utf8",
        "bom16.example.net",
        Reply(body=bom_utf16_lying, content_type="application/rss+xml"),
    )
    source(
        i, "loopback-links", "links.example.net", Reply(body=lambda: links_feed(canary)), case=False
    )
    for name, url in loopback_spellings(canary).items():
        cases.append(Case(f"article-link-{name}", i, "articles", "blocked_address", url=url))
    source(i, "article-hazards", "pages.example.net", Reply(body=article_hazards_feed), case=False)
    for name, (url, kind) in ARTICLE_CASES.items():
        cases.append(Case(name, i, "articles", kind, url=url))
    source(
        i,
        "json-api-surrogates",
        "api.example.net",
        Reply(body=surrogate_api, content_type="application/json"),
        kind="json_api",
        extra=", items: hits, fields: {title: title, url: url, id: id, author: author, text: text}",
    )
    source(
        i,
        "json-feed-surrogates",
        "surrogates.example.net",
        Reply(body=surrogate_json_feed, content_type="application/feed+json"),
    )

    # article pages
    fallback[ARTICLE_HOST] = Reply(
        body=lambda: article_page("A good article"), content_type="text/html"
    )
    routes[(ARTICLE_HOST, "/moved-to-canary")] = redirect(f"{canary_url}/stolen")
    routes[("cookies.example.com", "/story/consent")] = Reply(
        body=COOKIE_WALL, content_type="text/html; charset=utf-8"
    )
    routes[("papers.example.com", "/paper.pdf")] = Reply(body=PDF, content_type="application/pdf")
    routes[("robots500.example.com", "/robots.txt")] = Reply(500, b"oops", "text/plain")
    routes[("robots500.example.com", "/story/blocked")] = Reply(
        body=lambda: article_page("Never fetched"), content_type="text/html"
    )
    routes[("attrs.example.com", "/one-tag")] = Reply(
        body=attribute_bomb_one_tag, content_type="text/html"
    )
    routes[("attrs.example.com", "/flood")] = Reply(body=attribute_flood, content_type="text/html")
    hosts[i].update(ARTICLE_HOSTS)

    target = f"127.0.0.1:{port}"
    catalogues = {}
    for run in ("sources", "items"):
        resolve = {h: target for h in sorted(hosts[run])}
        resolve["intranet.example.com"] = f"127.0.0.1:{canary}"
        settings = {
            # redirects are untrusted: hops to the (loopback-mapped) hosts of the redirect
            # cases are allowed, as `riverbed demo` allows its server; the canary never is
            "sources": "  timeout_s: 3\n  connect_timeout_s: 2\n  max_body_mb: 2\n"
            "  fetch_articles: false\n"
            "  allow_private_hosts: [loop.example.net, chain.example.net]\n",
            "items": "  timeout_s: 20\n  connect_timeout_s: 5\n  max_body_mb: 12\n"
            "  article_delay_ms: 0\n"
            f"  allow_private_hosts: [{', '.join(ARTICLE_HOSTS)}]\n",
        }[run]
        catalogues[run] = (
            "sources:\n"
            + "".join(entries[run])
            + "settings:\n"
            + settings
            + "  resolve:\n"
            + "".join(f"    '{h}': '{t}'\n" for h, t in resolve.items())
        )
    return Corpus(routes, fallback, catalogues, cases)
