"""The demo's article pages: what every story link of the corpus answers, and the main text
a perfect extractor would return from it.

Every article the feeds and platform posts link to (blog posts and news stories,
`model.Article`) has a realistic HTML page on its own (host, path): site header and
navigation, the article (title, byline, `<time datetime>`, 5-8 paragraphs, a subheading,
sometimes a bulleted list, a code block or a quote), a related-links sidebar, reader
comments, a footer full of links, and — per site — a cookie banner, JSON-LD and Open Graph
tags. Five layouts (`TEMPLATES`) are spread over the sites, so no one XPath finds the text:

- `classic`: semantic HTML5 (`<main><article>`), share links and comments after the article;
- `wordpress`: a WordPress theme (`div.entry-content`, widgets, `ol.comment-list`, a reply
  form, post navigation naming the neighbouring posts);
- `newsroom`: a news site's div soup, with "Read more" boxes, an ad slot and a newsletter
  pitch *inside* the story body, a most-read list and an author bio;
- `platform`: a hosted blog platform's hashed class names, clap and follow buttons,
  responses and "more from" cards, all inside `<article>`;
- `minimal`: a static-site generator's page: no `<article>`, paragraphs straight in `<main>`,
  headings with `#` anchors, highlighted code.

`ArticlePage.body_text` is the known main text: the blocks of the article body in reading
order (paragraphs, subheadings, list items one per line, code, quotes), separated by blank
lines — never the title, byline, figure captions, boilerplate or comments. Every page is a
pure function of (seed, its URL and the article), so it is byte-identical on every corpus
day that holds it (its ETag does not change as the window moves on).

Deliberately bad pages and links (deterministic for a seed; `ArticlePage.kind`, and the
outcome and `error_kind` the `articles` table should record in `EXPECTED`):

- `thin`: a cookie wall instead of the article on every post of one company blog
  (`cookie_wall`); a subscriber-only stub with one teaser paragraph and a paywall box on
  ~2-3% of articles (`paywall`, `Article.thin`); an empty client-side-rendered shell
  (`<div id="root">`, scripts, a `<noscript>` line) on every post of another blog
  (`js_shell`) -> `thin` / `thin_extraction`;
- `pdf`: each date a newsletter links a company whitepaper served as `application/pdf`
  -> `skipped` / `content_type`;
- `robots_disallowed`: one company blog's robots.txt disallows its article paths (`User-agent:
  *` / `Disallow: /posts/` or its own prefix) -> `blocked` / `robots_disallowed`;
- `robots_unavailable`: another blog's robots.txt answers 503 (`Retry-After: 3600`):
  "disallow for now" -> `blocked` / `robots_disallowed`;
- `not_found`: links aggregators post to drafts that were never published, and ~1% of blog
  posts removed after publication, answer 404 with the site's error page -> `failed` /
  `http_status`;
- `blocked_address`: in every corpus window, one community-site item links to the cloud
  metadata endpoint `http://169.254.169.254/latest/meta-data/` and one to an intranet page
  on `http://10.0.0.7/`. Neither is served, in `resolve` or in `allow_private_hosts`: the
  fetch guard must refuse them (`blocked` / `blocked_address`) before any packet is sent.

The robots rules come first: a removed post on the robots-disallowed host is `blocked`, not
`failed`. Every other host's robots.txt allows the article paths: most allow everything,
some disallow only non-article paths (`/admin/`, `/search`, …) and name a bot or two, and
some have no robots.txt at all (404: no restrictions).

- `discussion`: a community site's self post ("Ask …") links its own thread, a title and a
  few one-line comments, no article (the item carries no comments URL in Atom and JSON Feed
  feeds, so the pipeline cannot tell it is a discussion) -> `thin` / `thin_extraction`.

Not article links: newsletters' sponsored links to a company's home page (hidden by the demo
catalogue's block rule), and platforms' self posts. A few aggregator entries spell an
article URL with `https://`, which the plain-HTTP replay server cannot answer:
`connect_error` (`expected_outcome` knows).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from urllib.parse import urlsplit

from riverbed.demo.feeds import ItemSpec
from riverbed.demo.model import HTML, PRESS_RELEASE, ROBOTS_TXT, Article, DateContent, Doc
from riverbed.demo.plan import Plan, build_plan
from riverbed.demo.text import (
    Slots,
    brand_title,
    capitalise,
    discussion_page,
    fill,
    make_slots,
    sentences,
    slugify,
    summary_html,
    usable_templates,
)
from riverbed.demo.timeline import generate_date
from riverbed.demo.words import (
    ARTICLE_SENTENCES,
    COMMENT_LINES,
    FIRST_NAMES,
    LAST_NAMES,
    LIST_LINES,
    NAV_LINKS,
    NEWS_BY_KIND,
    NEWS_SENTENCES,
    NEWSLETTER_PITCHES,
    PRESS_BY_KIND,
    PRESS_SENTENCES,
    SENTENCES,
    TOPIC_BY_TAG,
)

WINDOW_DAYS = 3  # as riverbed.demo.corpus: a corpus holds the three dates before its day

# ArticlePage.kind
GOOD = "good"
THIN = "thin"
PDF = "pdf"
ROBOTS_DISALLOWED = "robots_disallowed"
ROBOTS_UNAVAILABLE = "robots_unavailable"
NOT_FOUND = "not_found"
BLOCKED_ADDRESS = "blocked_address"
DISCUSSION = "discussion"

# kind -> (articles.outcome, articles.error_kind) the pipeline should record
EXPECTED: dict[str, tuple[str, str | None]] = {
    GOOD: ("ok", None),
    THIN: ("thin", "thin_extraction"),
    PDF: ("skipped", "content_type"),
    ROBOTS_DISALLOWED: ("blocked", "robots_disallowed"),
    ROBOTS_UNAVAILABLE: ("blocked", "robots_disallowed"),
    NOT_FOUND: ("failed", "http_status"),
    BLOCKED_ADDRESS: ("blocked", "blocked_address"),
    DISCUSSION: ("thin", "thin_extraction"),
}

TEMPLATES = ("classic", "wordpress", "newsroom", "platform", "minimal")
PDF_TYPE = "application/pdf"
GONE_RATE = 0.012  # blog posts removed after publication (404)
MIN_BODY_WORDS = 220  # feed texts (summaries, full content) have at most ~170 words
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
INTRANET_HOST = "10.0.0.7"
PRIVATE_HOSTS = ("169.254.169.254", INTRANET_HOST)  # linked, never served, never resolved
ARTICLE_PREFIXES = ("/posts/", "/blog/", "/p/")  # post paths a robots rule can single out


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One article link of the corpus: what the replay server answers for it, and the main
    text a perfect extractor returns (`body_text`, "" when the page has no article)."""

    url: str  # as its origin published it (http, lower-case host)
    html_bytes: bytes  # the response body (a PDF for kind "pdf"; b"" when never served)
    content_type: str  # "" when never served
    body_text: str  # known main text: blocks separated by blank lines
    # good | thin | pdf | robots_disallowed | robots_unavailable | not_found | blocked_address
    # | discussion
    kind: str
    detail: str  # good: the template; thin: cookie_wall | paywall | js_shell; others: why
    status: int = 200  # HTTP status of the page (0: never served)
    template: str = ""  # the site's layout (TEMPLATES), "" for a page that is not HTML
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    site_name: str = ""
    event: str = ""  # the URL of the origin article of the event it reports ("" = `url`)
    relation: str = "origin"  # how it relates to that event (`riverbed.demo.model.ORIGIN`…)

    @property
    def event_key(self) -> str:
        """The event this link belongs to: the URL of the event's origin article."""
        return self.event or self.url

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def served(self) -> bool:
        return self.status != 0

    @property
    def expected_outcome(self) -> str:
        """`articles.outcome` for this link: ok | thin | blocked | failed | skipped."""
        return EXPECTED[self.kind][0]

    @property
    def expected_error_kind(self) -> str | None:
        return EXPECTED[self.kind][1]

    @property
    def paragraphs(self) -> list[str]:
        return [b for b in self.body_text.split("\n\n") if b]


@dataclass(frozen=True, slots=True)
class SiteStyle:
    """How one publisher's site serves its articles (depends on the seed only)."""

    host: str
    site_name: str
    template: str
    cookie_banner: bool
    json_ld: bool
    open_graph: bool
    comments: bool
    robots: str  # allow_all | rules | none (404) | disallow_articles | unavailable (503)
    pages: str = "articles"  # articles | cookie_wall | js_shell
    disallowed_prefix: str = ""  # robots "disallow_articles": the article paths' prefix

    def robots_kind(self, path: str) -> str | None:
        """The kind of a link to `path` that robots.txt keeps the pipeline from fetching."""
        if self.robots == "unavailable":
            return ROBOTS_UNAVAILABLE
        if self.robots == "disallow_articles" and path.startswith(self.disallowed_prefix):
            return ROBOTS_DISALLOWED
        return None


@dataclass(slots=True)
class Window:
    """The article side of one corpus window."""

    styles: dict[str, SiteStyle]
    pages: list[ArticlePage] = field(default_factory=list)
    documents: dict[tuple[str, str], Doc] = field(default_factory=dict)
    extra_items: list[dict[str, list[ItemSpec]]] = field(default_factory=list)  # per date


# -- sites ---------------------------------------------------------------------------------


def site_styles(plan: Plan, seed: int) -> dict[str, SiteStyle]:
    """Layout, extras and robots policy of every site that publishes articles."""
    rng = random.Random(f"{seed}:article-sites")
    companies = [f for f in plan.by_kind("company") if not f.relative_links and not f.repeats_entry]
    prefixed = [f for f in companies if f.post_path.startswith(ARTICLE_PREFIXES)]
    disallowed = rng.choice(prefixed)
    others = [f for f in companies if f is not disallowed]
    unavailable, walled, shell = rng.sample(others, 3)
    styles: dict[str, SiteStyle] = {}
    for fp in plan.by_kind("company", "personal", "news", "wire", "crosspost"):
        host = fp.spec.host
        if host in styles:
            continue  # a news site has two feeds
        r = random.Random(f"{seed}:site:{host}")
        if fp.kind in ("news", "wire"):
            template = "classic" if r.random() < 0.2 else "newsroom"
            cookie, ld, og, comments = r.random() < 0.6, True, True, r.random() < 0.5
        elif fp.kind == "crosspost":  # a hosted blogging platform
            template, cookie, ld, og, comments = "platform", False, True, True, True
        else:
            weights = (3, 3, 0, 2, 1) if fp.kind == "company" else (1, 2, 0, 0, 3)
            template = r.choices(TEMPLATES, weights=weights)[0]
            cookie, ld, og = r.random() < 0.3, r.random() < 0.35, r.random() < 0.6
            comments = template == "wordpress" or r.random() < 0.4
        robots = r.choices(("allow_all", "rules", "none"), weights=(55, 30, 15))[0]
        pages, prefix = "articles", ""
        if fp is disallowed:
            robots, prefix = "disallow_articles", "/" + fp.post_path.split("/")[1] + "/"
        elif fp is unavailable:
            robots = "unavailable"
        elif fp is walled:
            pages = "cookie_wall"
        elif fp is shell:
            pages = "js_shell"
        styles[host] = SiteStyle(
            host, fp.site_name, template, cookie, ld, og, comments, robots, pages, prefix
        )
    return styles


def robots_document(style: SiteStyle | None) -> Doc | None:
    """robots.txt of a host (None: the host has none, 404)."""
    if style is None or style.robots == "allow_all":
        return Doc(ROBOTS_TXT, "text/plain; charset=utf-8")
    if style.robots == "none":
        return None
    if style.robots == "unavailable":
        page = _plain_error_page(503, "Service Unavailable", "Back soon: scheduled maintenance.")
        return Doc(page.encode(), HTML, status=503, headers={"Retry-After": "3600"})
    if style.robots == "disallow_articles":
        text = (
            f"# {style.site_name}: automated access to the blog needs a licence.\n"
            "User-agent: Googlebot\n"
            "Allow: /\n"
            "\n"
            "User-agent: *\n"
            f"Disallow: {style.disallowed_prefix}\n"
            "Disallow: /search\n"
        )
    else:
        text = (
            f"# robots.txt for {style.host}\n"
            "User-agent: *\n"
            "Disallow: /admin/\n"
            "Disallow: /search\n"
            "Disallow: /preview/\n"
            "Allow: /\n"
            "\n"
            "User-agent: GPTBot\n"
            "User-agent: CCBot\n"
            "Disallow: /\n"
            "\n"
            f"Sitemap: http://{style.host}/sitemap.xml\n"
        )
    return Doc(text.encode(), "text/plain; charset=utf-8")


# -- article bodies ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article body."""

    tag: str  # p | h2 | ul | pre | blockquote
    lines: tuple[str, ...]  # the text; list items or code lines one per entry

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Prose:
    """Sentences for one article: none repeats until every usable one has been used."""

    def __init__(self, rng: random.Random, slots: Slots, story_kind: str | None) -> None:
        if story_kind is None:  # a blog post
            pool = SENTENCES + ARTICLE_SENTENCES
        elif story_kind.startswith("press:"):  # a company's own announcement
            pool = PRESS_SENTENCES + PRESS_BY_KIND.get(story_kind.removeprefix("press:"), ())
        else:
            pool = NEWS_SENTENCES + NEWS_BY_KIND.get(story_kind, ())
        self.rng, self.slots = rng, slots
        self.templates = usable_templates(pool, slots)
        self.queue: list[str] = []

    def take(self, k: int) -> str:
        out: list[str] = []
        for _ in range(k):
            if not self.queue:
                self.queue = list(self.templates)
                self.rng.shuffle(self.queue)
            out.append(fill(self.queue.pop(), self.slots))
        return " ".join(out)


def body_blocks(rng: random.Random, slots: Slots, *, story_kind: str | None) -> list[Block]:
    """An article body: a blog post (`story_kind` None) has 5-8 paragraphs of 3-5 sentences,
    sometimes a list or a code block; a news story (`story_kind` a STORY_TITLES kind) or a
    company's announcement of one (`"press:<kind>"`) 7-10 short paragraphs."""
    news = story_kind is not None
    prose = _Prose(rng, slots, story_kind)
    blocks: list[Block] = []
    paragraphs = rng.randint(7, 10) if news else rng.randint(5, 8)
    i = words = 0
    # at least MIN_BODY_WORDS: longer than any feed text of the corpus (a page saying less
    # than its feed is what the extraction gate calls thin)
    while i < paragraphs or words < MIN_BODY_WORDS:
        text = prose.take(rng.randint(1, 3) if news else rng.randint(3, 5))
        words += len(text.split())
        blocks.append(Block("p", (text,)))
        if i == 1 and not news and rng.random() < 0.3:
            lines = usable_templates(LIST_LINES, slots)
            picked = rng.sample(lines, k=min(len(lines), rng.randint(3, 4)))
            blocks.append(Block("ul", tuple(fill(x, slots) + "." for x in picked)))
        if i == 2:
            blocks.append(Block("h2", (capitalise(slots["feature"]),)))
        if i == 3 and not news and rng.random() < 0.35:
            cli = slugify(slots["product"])
            setting = slugify(slots["feature"], 30).replace("-", "_")
            code = (
                f"$ {cli} --version",
                f"{slots['product']} {slots['version']}",
                f"$ {cli} config set {setting} on",
            )
            blocks.append(Block("pre", code))
        if i == 4 and rng.random() < 0.2:
            blocks.append(Block("blockquote", (prose.take(1),)))
        i += 1
    return blocks


def _inline(text: str, slots: Slots, link: bool) -> str:
    """A paragraph's HTML: escaped, with the product linked once when `link`."""
    html = escape(text, quote=False)
    if link:
        name = escape(slots["product"], quote=False)
        html = re.sub(
            rf"\b{re.escape(name)}\b",
            f'<a href="/tag/{escape(slots["tag"])}/">{name}</a>',
            html,
            count=1,
        )
    return html


def _blocks_html(blocks: Sequence[Block], slots: Slots, flavour: str) -> list[str]:
    p_open = {
        "platform": '<p class="pw-post-body-paragraph kx ky gt kz b la lb"'
        ' data-selectable-paragraph="">',
        "newsroom": '<p class="story-text">',
    }.get(flavour, "<p>")
    out: list[str] = []
    linked = False
    for b in blocks:
        if b.tag == "p":
            link = not linked and slots["product"] in b.lines[0]
            linked = linked or link
            out.append(f"{p_open}{_inline(b.lines[0], slots, link)}</p>")
        elif b.tag == "h2":
            text = escape(b.lines[0])
            if flavour == "minimal":
                anchor = slugify(b.lines[0])
                out.append(
                    f'<h2 id="{anchor}">{text} <a class="anchor" href="#{anchor}"'
                    ' aria-hidden="true">#</a></h2>'
                )
            else:
                cls = {"wordpress": "wp-block-heading", "platform": "pw-post-body-heading"}
                attr = f' class="{cls[flavour]}"' if flavour in cls else ""
                out.append(f"<h2{attr}>{text}</h2>")
        elif b.tag == "ul":
            cls = {"wordpress": ' class="wp-block-list"', "newsroom": ' class="bullets"'}
            items = "\n".join(f"<li>{escape(x)}</li>" for x in b.lines)
            out.append(f"<ul{cls.get(flavour, '')}>{items}</ul>")
        elif b.tag == "pre":
            code = escape("\n".join(b.lines))
            if flavour == "minimal":
                out.append(
                    '<div class="highlight"><pre class="chroma"><code class="language-shell"'
                    f' data-lang="shell">{code}</code></pre></div>'
                )
            elif flavour == "wordpress":
                out.append(f'<pre class="wp-block-code"><code>{code}</code></pre>')
            else:
                out.append(f"<pre><code>{code}</code></pre>")
        elif b.tag == "blockquote":
            cls = {"wordpress": ' class="wp-block-quote"', "newsroom": ' class="pull-quote"'}
            quote = escape(b.lines[0])
            out.append(f"<blockquote{cls.get(flavour, '')}><p>{quote}</p></blockquote>")
    return out


# -- pages ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Page:
    """Everything a template needs for one article page."""

    style: SiteStyle
    url: str
    title: str
    author: str
    published: datetime
    description: str
    image_url: str | None
    slots: Slots
    blocks: list[Block]
    related: list[tuple[str, str]]  # (url, title) of other posts of the site
    comments: list[tuple[str, str, datetime]]  # (user, text, when)
    news: bool
    after_body: str = ""  # a paywall box, after a subscriber-only teaser

    @property
    def iso(self) -> str:
        return self.published.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def words(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


def _head(p: _Page, css: str, extra: Sequence[str] = ()) -> list[str]:
    s = p.style
    out = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(p.title)} | {escape(s.site_name)}</title>",
        f'<meta name="description" content="{escape(p.description)}">',
        f'<link rel="canonical" href="{escape(p.url)}">',
        f'<link rel="stylesheet" href="{css}">',
        '<link rel="icon" href="/favicon.ico">',
    ]
    if s.open_graph:
        out += [
            f'<meta property="og:title" content="{escape(p.title)}">',
            f'<meta property="og:description" content="{escape(p.description)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="{escape(p.url)}">',
            f'<meta property="og:site_name" content="{escape(s.site_name)}">',
            f'<meta property="article:published_time" content="{p.iso}">',
            f'<meta property="article:author" content="{escape(p.author)}">',
            '<meta name="twitter:card" content="summary_large_image">',
        ]
        if p.image_url:
            out.append(f'<meta property="og:image" content="{escape(p.image_url)}">')
    else:
        out.append(f'<meta name="author" content="{escape(p.author)}">')
    if s.json_ld:
        ld: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle" if p.news else "BlogPosting",
            "headline": p.title,
            "description": p.description,
            "datePublished": p.iso,
            "author": {"@type": "Person", "name": p.author},
            "publisher": {"@type": "Organization", "name": s.site_name},
            "mainEntityOfPage": p.url,
            "wordCount": p.words,
        }
        if p.image_url:
            ld["image"] = [p.image_url]
        body = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        out.append(f'<script type="application/ld+json">{body}</script>')
    out += [
        *extra,
        "<script>window.dataLayer=window.dataLayer||[];"
        "function track(){dataLayer.push(arguments)}track('js',new Date());"
        f"track('config','{slugify(s.site_name)}-web');</script>",
        "</head>",
    ]
    return out


def _human_date(when: datetime, style: str) -> str:
    if style == "us":
        return f"{when:%B} {when.day}, {when.year}"
    if style == "iso":
        return when.strftime("%Y-%m-%d")
    return f"{when.day} {when:%B %Y}"


def _nav(links: Sequence[str] = NAV_LINKS) -> str:
    return " ".join(f'<a href="/{slugify(n)}/">{escape(n)}</a>' for n in links)


def _cookie_banner(style: SiteStyle) -> list[str]:
    if not style.cookie_banner:
        return []
    return [
        '<div id="cookie-notice" class="cookie-banner" role="dialog" aria-live="polite"'
        ' aria-label="Cookie consent">',
        f"<p>{escape(style.site_name)} uses cookies to understand how the site is used and to"
        ' improve it. See our <a href="/privacy/">privacy policy</a>.</p>',
        '<button type="button" data-consent="accept">Accept all</button>',
        '<button type="button" data-consent="reject">Reject non-essential</button>',
        "</div>",
    ]


def _footer_links(style: SiteStyle, year: int) -> str:
    links = ("About", "Careers", "Privacy", "Terms", "Contact", "RSS")
    hrefs = ("/about/", "/careers/", "/privacy/", "/terms/", "/contact/", "/feed/")
    inner = " · ".join(f'<a href="{h}">{n}</a>' for n, h in zip(links, hrefs, strict=True))
    return f"<p>&#169; {year} {escape(style.site_name)}. All rights reserved.</p><p>{inner}</p>"


def _related_list(related: Sequence[tuple[str, str]], tag: str) -> str:
    items = [f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for u, t in related]
    items.append(f'<li><a href="/tag/{escape(tag)}/">More on {escape(tag)}</a></li>')
    return "<ul>" + "".join(items) + "</ul>"


def _comment_rows(p: _Page, wrap: str) -> list[str]:
    rows = []
    for user, text, when in p.comments:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            wrap.format(
                user=escape(user),
                text=escape(text),
                iso=stamp,
                human=_human_date(when, "us"),
            )
        )
    return rows


def _figure(p: _Page) -> list[str]:
    if not p.image_url:
        return []
    caption = escape(capitalise(p.slots["thing"]))
    return [
        f'<figure><img src="{escape(p.image_url)}" alt="{caption}" width="1200" height="630">'
        f"<figcaption>{caption}. Illustration: {escape(p.style.site_name)}</figcaption></figure>"
    ]


def _classic(p: _Page) -> str:
    s = p.style
    out = _head(p, "/assets/site.css")
    out += [
        '<body class="post-template">',
        '<a class="skip-link" href="#main">Skip to content</a>',
        f'<header class="site-header"><a class="logo" href="/">{escape(s.site_name)}</a>'
        f'<nav aria-label="Main">{_nav()}</nav>'
        '<form class="search" action="/search"><input type="search" name="q"'
        ' placeholder="Search"></form></header>',
        '<main id="main">',
        '<article class="post">',
        f"<header><h1>{escape(p.title)}</h1>",
        f'<p class="byline">By <a rel="author" href="/authors/{slugify(p.author)}/">'
        f'{escape(p.author)}</a> · <time datetime="{p.iso}">'
        f"{_human_date(p.published, 'uk')}</time> · {max(1, p.words // 230)} min read</p>",
        "</header>",
        *_figure(p),
        *_blocks_html(p.blocks, p.slots, "classic"),
        p.after_body,
        f'<footer class="post-tags">Filed under <a href="/tag/{escape(p.slots["tag"])}/">'
        f"{escape(p.slots['tag'])}</a></footer>",
        "</article>",
        '<section class="share"><h2>Share this post</h2><a href="/share/mastodon">Mastodon</a>'
        ' <a href="/share/linkedin">LinkedIn</a> <a href="/share/email">Email</a></section>',
        '<aside class="related"><h2>Related posts</h2>'
        + _related_list(p.related, p.slots["tag"])
        + "</aside>",
    ]
    if s.comments and p.comments:
        out.append(f'<section id="comments"><h2>{len(p.comments)} comments</h2>')
        out += _comment_rows(
            p,
            '<article class="comment"><header><b>{user}</b> <time datetime="{iso}">{human}'
            "</time></header><p>{text}</p></article>",
        )
        out.append("</section>")
    out += [
        "</main>",
        f'<footer class="site-footer">{_footer_links(s, p.published.year)}</footer>',
        *_cookie_banner(s),
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _wordpress(p: _Page) -> str:
    s = p.style
    tag = escape(p.slots["tag"])
    prev_next = p.related[:2]
    out = _head(
        p,
        "/wp-content/themes/twentytwenty/style.css?ver=2.8",
        ['<link rel="alternate" type="application/rss+xml" href="/feed/">'],
    )
    out += [
        '<body class="post-template-default single single-post">',
        '<div id="page" class="site">',
        '<header id="masthead" class="site-header"><div class="site-branding">'
        f'<p class="site-title"><a href="/" rel="home">{escape(s.site_name)}</a></p>'
        '<p class="site-description">Notes from the team</p></div>'
        '<nav id="site-navigation" class="main-navigation"><ul class="menu">'
        + "".join(f'<li class="menu-item"><a href="/{slugify(n)}/">{n}</a></li>' for n in NAV_LINKS)
        + "</ul></nav></header>",
        '<div id="content" class="site-content"><div id="primary" class="content-area">',
        '<main id="main" class="site-main">',
        '<article class="post type-post status-publish format-standard hentry">',
        '<header class="entry-header">',
        f'<h1 class="entry-title">{escape(p.title)}</h1>',
        '<div class="entry-meta"><span class="byline">by <span class="author vcard">'
        f'<a class="url fn n" href="/author/{slugify(p.author)}/">{escape(p.author)}</a>'
        '</span></span> <span class="posted-on"><time class="entry-date published"'
        f' datetime="{p.iso}">{_human_date(p.published, "us")}</time></span></div>',
        "</header>",
        '<div class="entry-content">',
        *_figure(p),
        *_blocks_html(p.blocks, p.slots, "wordpress"),
        p.after_body,
        "</div>",
        '<footer class="entry-footer"><span class="cat-links">Posted in'
        f' <a href="/category/{tag}/" rel="category tag">{tag}</a></span>'
        ' <span class="comments-link"><a href="#respond">Leave a comment</a></span></footer>',
        "</article>",
        '<nav class="navigation post-navigation" aria-label="Posts"><div class="nav-links">',
        *(
            f'<div class="nav-{side}"><a href="{escape(u)}" rel="{side}">'
            f'<span class="meta-nav">{label}</span> {escape(t)}</a></div>'
            for (u, t), side, label in zip(
                prev_next, ("previous", "next"), ("Previous post", "Next post"), strict=False
            )
        ),
        "</div></nav>",
    ]
    if p.comments:
        out.append(
            f'<div id="comments" class="comments-area"><h2 class="comments-title">'
            f"{len(p.comments)} thoughts on &#8220;{escape(p.title)}&#8221;</h2>"
            '<ol class="comment-list">'
        )
        out += _comment_rows(
            p,
            '<li class="comment"><article class="comment-body"><footer class="comment-meta">'
            '<b class="fn">{user}</b> <time datetime="{iso}">{human}</time> <span'
            ' class="says">says:</span></footer><div class="comment-content"><p>{text}</p>'
            '</div><div class="reply"><a class="comment-reply-link" href="#respond">Reply</a>'
            "</div></article></li>",
        )
        out.append("</ol>")
    else:
        out.append('<div id="comments" class="comments-area">')
    out += [
        '<div id="respond" class="comment-respond"><h3 class="comment-reply-title">Leave a'
        ' Reply</h3><form action="/wp-comments-post.php" method="post" id="commentform">'
        '<p class="comment-notes">Your email address will not be published.</p>'
        '<textarea id="comment" name="comment"></textarea><input name="submit" type="submit"'
        ' value="Post Comment"></form></div></div>',
        "</main></div>",
        '<aside id="secondary" class="widget-area">',
        '<section class="widget widget_search"><form role="search" action="/"><input'
        ' type="search" name="s" placeholder="Search …"></form></section>',
        '<section class="widget widget_recent_entries"><h2 class="widget-title">Recent'
        " Posts</h2>" + _related_list(p.related, p.slots["tag"]) + "</section>",
        '<section class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>'
        + "".join(
            f'<li><a href="/{(p.published - timedelta(days=31 * k)):%Y/%m}/">'
            f"{(p.published - timedelta(days=31 * k)):%B %Y}</a></li>"
            for k in range(4)
        )
        + "</ul></section>",
        "</aside></div>",
        f'<footer id="colophon" class="site-footer"><div class="site-info">'
        f"{_footer_links(s, p.published.year)}"
        '<a href="/wp-login.php">Log in</a> · Proudly powered by WordPress</div></footer>',
        "</div>",
        *_cookie_banner(s),
        '<script src="/wp-includes/js/wp-embed.min.js?ver=6.7"></script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _newsroom(p: _Page, rng: random.Random) -> str:
    s = p.style
    section = escape(capitalise(p.slots["tag"].replace("-", " ")))
    body = _blocks_html(p.blocks, p.slots, "newsroom")
    inserts = {
        2: '<div class="inline-related"><span class="label">Read more:</span> '
        + (
            f'<a href="{escape(p.related[0][0])}">{escape(p.related[0][1])}</a>'
            if p.related
            else f'<a href="/tag/{escape(p.slots["tag"])}/">More {section} news</a>'
        )
        + "</div>",
        4: '<div class="ad-slot" aria-hidden="true"><span>Advertisement</span>'
        '<div id="div-gpt-ad-1" style="min-height:250px"></div></div>',
        6: '<div class="newsletter-signup"><h3>Stay in the loop</h3><p>'
        + escape(rng.choice(NEWSLETTER_PITCHES).format(site=s.site_name, n=rng.randint(2, 9)))
        + '</p><form action="/newsletter/"><input type="email" name="email" placeholder='
        '"you@work.com"><button>Sign up</button></form></div>',
    }
    story: list[str] = []
    for i, html in enumerate(body):
        story.append(html)
        if i + 1 in inserts:
            story.append(inserts.pop(i + 1))
    dek = escape(p.description)
    robots_meta = '<meta name="robots" content="max-image-preview:large">'
    out = _head(p, "/static/css/main.4c1d2e.css", [robots_meta])
    out += [
        '<body class="article-page">',
        f'<div class="top-bar"><span class="date">{_human_date(p.published, "us")}</span>'
        ' <a href="/subscribe/">Subscribe</a> <a href="/login/">Sign in</a></div>',
        f'<div class="masthead"><a href="/" class="brand">{escape(s.site_name)}</a></div>',
        '<div class="nav"><ul>'
        + "".join(f'<li><a href="/{slugify(n)}/">{n}</a></li>' for n in NAV_LINKS)
        + "</ul></div>",
        '<div class="container"><div class="row">',
        '<div class="col-main">',
        f'<div class="breadcrumbs"><a href="/">Home</a> › <a href="/tag/'
        f'{escape(p.slots["tag"])}/">{section}</a></div>',
        f'<h1 class="headline">{escape(p.title)}</h1>',
        f'<div class="standfirst">{dek}</div>',
        f'<div class="author-line">By <a href="/staff/{slugify(p.author)}/">'
        f'{escape(p.author)}</a> <span class="dateline"><time datetime="{p.iso}">'
        f"{p.published:%H:%M} UTC, {_human_date(p.published, 'uk')}</time></span></div>",
        '<div class="share-tools"><a href="/share/email">Email</a> <a href="/share/x">Post'
        '</a> <a href="#comments">Comments</a></div>',
        *_figure(p),
        '<div class="article-body" itemprop="articleBody">',
        *story,
        p.after_body,
        "</div>",
        f'<div class="tags">Topics: <a href="/tag/{escape(p.slots["tag"])}/">{section}</a>'
        ' <a href="/tag/news/">News</a></div>',
        f'<div class="author-bio"><b>{escape(p.author)}</b> covers {section.lower()} for'
        f" {escape(s.site_name)}. Send tips to the newsroom.</div>",
    ]
    if s.comments and p.comments:
        out.append(f'<div class="comments" id="comments"><h3>Comments ({len(p.comments)})</h3>')
        out += _comment_rows(
            p,
            '<div class="comment"><span class="user">{user}</span> <span class="ago">'
            '<time datetime="{iso}">{human}</time></span><p>{text}</p></div>',
        )
        out.append("</div>")
    out += [
        "</div>",
        '<div class="col-side"><div class="most-read"><h3>Most read</h3><ol>'
        + "".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for u, t in p.related)
        + "</ol></div>"
        '<div class="ad-slot"><span>Advertisement</span></div></div>',
        "</div></div>",
        f'<div class="footer"><div class="footer-nav">{_nav()}</div>'
        f"{_footer_links(s, p.published.year)}</div>",
        *_cookie_banner(s),
        '<script async src="/static/js/ads.js"></script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _platform(p: _Page, rng: random.Random) -> str:
    s = p.style
    claps = rng.choice(("214", "1.2K", "87", "3.4K", "560"))
    out = _head(p, "/_/static/css/app.f3a9c2.css")
    out += [
        "<body>",
        '<div id="root"><div class="a b c">',
        '<nav class="gh gi gj"><a href="/" class="gk">'
        f'{escape(s.site_name)}</a><div class="gl"><a href="/search">Search</a>'
        ' <a href="/m/signin">Sign in</a> <a class="gm" href="/m/signup">Get started</a></div>'
        "</nav>",
        '<article class="meteredContent"><div class="l"><section>',
        f'<h1 class="pw-post-title hl hm hn" data-testid="storyTitle">{escape(p.title)}</h1>',
        '<div class="ho hp"><a data-testid="authorName" href="/@'
        f'{slugify(p.author).replace("-", "")}">{escape(p.author)}</a>'
        ' · <button class="hq">Follow</button></div>',
        f'<div class="hr"><span data-testid="storyReadTime">{max(1, p.words // 230)} min'
        f' read</span> · <span data-testid="storyPublishDate"><time datetime="{p.iso}">'
        f"{p.published:%b} {p.published.day}, {p.published.year}</time></span></div>",
        f'<div class="hs"><button aria-label="clap">{claps}</button>'
        f' <button aria-label="responses">{len(p.comments)}</button></div>',
        *_figure(p),
        *_blocks_html(p.blocks, p.slots, "platform"),
        p.after_body,
        "</section></div>",
        f'<div class="ht"><a href="/tag/{escape(p.slots["tag"])}">{escape(p.slots["tag"])}'
        f'</a></div><div class="hu"><button aria-label="clap">{claps}</button></div>',
        "</article>",
        f'<div class="hv"><h2>Written by {escape(p.author)}</h2><p>Engineer at'
        f" {escape(s.site_name)}.</p><button>Follow</button></div>",
    ]
    if s.comments and p.comments:
        out.append(f'<div class="hw"><h2>Responses ({len(p.comments)})</h2>')
        out += _comment_rows(
            p,
            '<div class="pw-response"><a href="/@x">{user}</a> <span>{human}</span>'
            "<p>{text}</p></div>",
        )
        out.append("</div>")
    out += [
        f'<div class="hx"><h2>More from {escape(s.site_name)}</h2>',
        *(
            f'<div class="card"><a href="{escape(u)}"><h3>{escape(t)}</h3></a></div>'
            for u, t in p.related
        ),
        "</div>",
        '<footer class="hy"><a href="/about">About</a> <a href="/help">Help</a>'
        ' <a href="/terms">Terms</a> <a href="/privacy">Privacy</a></footer>',
        "</div></div>",
        *_cookie_banner(s),
        '<script src="/_/static/js/main.8d2b1f.js"></script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _minimal(p: _Page) -> str:
    s = p.style
    out = _head(p, "/css/style.min.css")
    out += [
        "<body>",
        f'<header><a href="/" class="title">{escape(s.site_name)}</a>'
        '<nav><a href="/posts/">Posts</a> <a href="/about/">About</a>'
        ' <a href="/index.xml">RSS</a></nav></header>',
        "<main>",
        f'<h1 class="post-title">{escape(p.title)}</h1>',
        f'<p class="post-meta"><time datetime="{p.iso}">{_human_date(p.published, "iso")}'
        f"</time> · {escape(p.author)}</p>",
        *_blocks_html(p.blocks, p.slots, "minimal"),
        p.after_body,
        f'<p class="tags"><a href="/tags/{escape(p.slots["tag"])}/">#{escape(p.slots["tag"])}'
        "</a></p>",
    ]
    if s.comments and p.comments:
        out.append(f'<h3 id="webmentions">{len(p.comments)} replies</h3><ul class="mentions">')
        out += _comment_rows(p, "<li><b>{user}</b>: {text}</li>")
        out.append("</ul>")
    out += [
        '<nav class="post-nav">'
        + " ".join(f'<a href="{escape(u)}">{escape(t)}</a>' for u, t in p.related[:2])
        + "</nav>",
        "</main>",
        f"<footer><p>&#169; {p.published.year} {escape(s.site_name)} · Built with Hugo ·"
        ' <a href="/index.xml">RSS</a></p></footer>',
        *_cookie_banner(s),
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _render(p: _Page, rng: random.Random) -> str:
    template = p.style.template
    if template == "wordpress":
        return _wordpress(p)
    if template == "newsroom":
        return _newsroom(p, rng)
    if template == "platform":
        return _platform(p, rng)
    if template == "minimal":
        return _minimal(p)
    return _classic(p)


def _paywall_box(site: str) -> str:
    return (
        '<div class="paywall" data-paywall="hard"><h3>Subscribe to keep reading</h3>'
        f"<p>This article is for subscribers. Get unlimited access to {escape(site)} from"
        ' $5 a month.</p><a class="button" href="/subscribe/">Subscribe</a> <a href="/login/">'
        "Already a subscriber? Sign in</a></div>"
    )


def _cookie_wall(style: SiteStyle, title: str) -> str:
    site = escape(style.site_name)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Before you continue to {site}</title>\n"
        '<meta name="robots" content="noindex">\n'
        '<link rel="stylesheet" href="/consent/consent.css">\n</head>\n'
        '<body class="consent-wall">\n'
        '<div class="consent-modal" role="dialog" aria-modal="true">\n'
        f"<h1>{site} values your privacy</h1>\n"
        "<p>We and our 143 partners store and access information on your device, such as"
        " cookies, and process personal data such as unique identifiers and browsing data,"
        " for personalised advertising and content, measurement and audience research.</p>\n"
        "<p>You can accept, reject or change your choices at any time by visiting Privacy"
        " settings at the bottom of every page. Your choices apply to this site only.</p>\n"
        '<form method="post" action="/consent/"><input type="hidden" name="return_to" value="'
        f'{escape(slugify(title))}"><button name="consent" value="all">Accept all</button>'
        '<button name="consent" value="none">Reject all</button></form>\n'
        '<p><a href="/consent/manage/">Manage options</a> · <a href="/privacy/">Privacy'
        " policy</a></p>\n</div>\n</body>\n</html>\n"
    )


def _js_shell(style: SiteStyle, seed_hash: str) -> str:
    site = escape(style.site_name)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{site}</title>\n"
        f'<link rel="preload" href="/static/js/main.{seed_hash}.js" as="script">\n'
        f'<link rel="stylesheet" href="/static/css/main.{seed_hash}.css">\n</head>\n'
        "<body>\n<noscript>You need to enable JavaScript to run this app.</noscript>\n"
        '<div id="root"></div>\n'
        '<script>window.__INITIAL_STATE__={"route":"post","hydrate":true};</script>\n'
        f'<script src="/static/js/runtime.{seed_hash}.js"></script>\n'
        f'<script src="/static/js/main.{seed_hash}.js"></script>\n</body>\n</html>\n'
    )


def _plain_error_page(status: int, reason: str, line: str) -> str:
    return (
        f"<!doctype html>\n<html><head><title>{status} {reason}</title></head>\n"
        f"<body><h1>{status} {reason}</h1><p>{line}</p><hr><p>nginx</p></body></html>\n"
    )


def _not_found_page(style: SiteStyle | None, year: int) -> str:
    if style is None:
        return _plain_error_page(404, "Not Found", "The page you asked for does not exist.")
    site = escape(style.site_name)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Page not found | {site}</title>\n</head>\n<body>\n"
        f'<header class="site-header"><a class="logo" href="/">{site}</a>'
        f"<nav>{_nav()}</nav></header>\n"
        "<main><h1>Page not found</h1><p>Sorry, we couldn't find that page. It may have"
        ' been moved or deleted.</p><p><a href="/">Back to the home page</a> or try a'
        ' <a href="/search">search</a>.</p></main>\n'
        f"<footer>{_footer_links(style, year)}</footer>\n</body>\n</html>\n"
    )


def _pdf(title: str, lines: Sequence[str]) -> bytes:
    """A small, valid one-page PDF showing `title` and `lines` (Helvetica, Latin-1)."""

    def text(s: str) -> str:
        raw = s.encode("latin-1", "replace").decode("latin-1")
        return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = [f"BT /F1 18 Tf 72 720 Td ({text(title)}) Tj ET"]
    y = 690
    for line in lines:
        ops.append(f"BT /F1 11 Tf 72 {y} Td ({text(line)}) Tj ET")
        y -= 16
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


# -- one article ---------------------------------------------------------------------------


def _comments(
    rng: random.Random, slots: Slots, published: datetime
) -> list[tuple[str, str, datetime]]:
    lines = usable_templates(COMMENT_LINES, slots)
    out = []
    when = published
    for text in rng.sample(lines, k=rng.randint(2, 5)):
        when = when + timedelta(minutes=rng.randint(5, 180))
        user = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        out.append((user, fill(text, slots), when))
    return out


def article_page(
    seed: int,
    art: Article,
    style: SiteStyle,
    related: Sequence[tuple[str, str]],
    *,
    news: bool,
) -> tuple[ArticlePage, Doc]:
    """The page of one corpus article, and the document the replay server sends for it.

    A copy (`art.copy_of`) has its origin's body and description, and its credit line as
    the last paragraph; the rest of its page is its own."""
    rng = random.Random(f"{seed}:{art.url}")
    fate = random.Random(f"{seed}:fate:{art.url}").random()
    story_kind = art.story_kind if news else None
    if story_kind and art.relation == PRESS_RELEASE:
        story_kind = f"press:{story_kind}"
    text_rng = random.Random(f"{seed}:{art.copy_of}") if art.copy_of else rng
    blocks = body_blocks(text_rng, art.slots, story_kind=story_kind)
    description = _Prose(text_rng, art.slots, story_kind).take(1)
    if art.credit:
        blocks.append(Block("p", (art.credit,)))
    comments = _comments(rng, art.slots, art.published)
    robots = style.robots_kind(art.path)
    status, known = 200, ""
    if not news and style.pages == "articles" and fate < GONE_RATE:
        status, kind, detail = 404, NOT_FOUND, "removed after publication: 404"
        html = _not_found_page(style, art.published.year)
    elif style.pages == "cookie_wall":
        html, kind, detail = _cookie_wall(style, art.title), THIN, "cookie_wall"
    elif style.pages == "js_shell":
        digest = f"{random.Random(f'{seed}:{style.host}').getrandbits(32):08x}"
        html, kind, detail = _js_shell(style, digest), THIN, "js_shell"
    else:
        if art.thin:
            blocks = [Block("p", (description,))]
            kind, detail = THIN, "paywall"
        else:
            kind, detail = GOOD, style.template
        parts = _Page(
            style=style,
            url=art.url,
            title=art.title,
            author=art.author,
            published=art.published,
            description=description,
            image_url=art.image_url,
            slots=art.slots,
            blocks=blocks,
            related=list(related),
            comments=comments,
            news=news,
            after_body=_paywall_box(style.site_name) if art.thin else "",
        )
        html = _render(parts, rng)
        known = "\n\n".join(b.text for b in blocks)
    if robots:
        kind = robots
        detail = (
            "robots.txt answers 503: disallowed for now"
            if robots == ROBOTS_UNAVAILABLE
            else f"robots.txt disallows {style.disallowed_prefix}"
        )
    body = html.encode()
    page = ArticlePage(
        url=art.url,
        html_bytes=body,
        content_type=HTML,
        body_text=known,
        kind=kind,
        detail=detail,
        status=status,
        template=style.template,
        title=art.title,
        author=art.author,
        published=art.published,
        site_name=art.site_name,
        event=art.event,
        relation=art.relation,
    )
    return page, Doc(body, HTML, status=status, last_modified=art.published)


# -- links that are not corpus articles: PDFs, private addresses, dead links ----------------


def _extra_links(
    plan: Plan, seed: int, d: date, styles: dict[str, SiteStyle]
) -> tuple[dict[str, list[ItemSpec]], list[ArticlePage], dict[tuple[str, str], Doc]]:
    """A date's links to a PDF (every date) and to a private address (two dates in three)."""
    rng = random.Random(f"{seed}:extra-links:{d.isoformat()}")
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    items: dict[str, list[ItemSpec]] = {}
    pages: list[ArticlePage] = []
    docs: dict[tuple[str, str], Doc] = {}

    # a newsletter links a company's whitepaper, a PDF
    newsletter = rng.choice(plan.by_kind("newsletter"))
    plain = [
        f
        for f in plan.by_kind("company")
        if styles[f.spec.host].pages == "articles" and styles[f.spec.host].robots_kind("/") is None
    ]
    company = rng.choice(plain)
    slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(company.topics)], d.year, company.brand)
    paper = f"{capitalise(slots['thing'])} at scale: a field guide"
    path = f"/assets/whitepapers/{slugify(paper, 50)}.pdf"
    url = f"http://{company.spec.host}{path}"
    written = start + timedelta(seconds=rng.randint(0, 6 * 3600))
    lines = [f"{company.site_name} whitepaper, {d:%B %Y}", *sentences(rng, slots, 4)]
    pdf = _pdf(paper, lines)
    docs[(company.spec.host, path)] = Doc(pdf, PDF_TYPE, last_modified=written)
    pages.append(
        ArticlePage(
            url=url,
            html_bytes=pdf,
            content_type=PDF_TYPE,
            body_text="",
            kind=PDF,
            detail="a whitepaper served as application/pdf",
            title=paper,
            published=written,
            site_name=company.site_name,
        )
    )
    when = written + timedelta(seconds=rng.randint(3600, 12 * 3600))
    items.setdefault(newsletter.spec.source_id, []).append(
        ItemSpec(
            guid=f"tag:{newsletter.spec.host},{d.isoformat()}:whitepaper",
            title=f"{brand_title(company.brand)} whitepaper: {paper} (PDF)",
            link=url,
            published=when,
            categories=[slots["tag"]],
            summary_html=summary_html(rng, slots, url, None),
        )
    )

    # two dates in three: a community site links a private address (never served)
    which = d.toordinal() % WINDOW_DAYS
    if which < len(PRIVATE_HOSTS):
        site = random.Random(f"{seed}:private-links").choice(plan.by_kind("community"))
        slots = make_slots(rng, TOPIC_BY_TAG[rng.choice(site.topics)], d.year)
        if which == 0:
            url, title = METADATA_URL, "Everything your cloud instance knows about itself"
            detail = "the cloud metadata endpoint (link-local 169.254.169.254)"
        else:
            slug = slugify(f"{slots['product']} runbook")
            url = f"http://{INTRANET_HOST}/wiki/{slug}"
            title = f"Our internal runbook for {slots['product']}"
            detail = f"an intranet page (private {INTRANET_HOST})"
        number = rng.randint(100000, 999999)
        page = f"http://{site.spec.host}/item/{number}"
        thread = [
            (rng.choice(FIRST_NAMES).lower() + str(rng.randint(1, 99)), s)
            for s in sentences(rng, slots, 2)
        ]
        docs[(site.spec.host, f"/item/{number}")] = Doc(
            discussion_page(site.site_name, title, url, thread).encode(), HTML
        )
        items.setdefault(site.spec.source_id, []).append(
            ItemSpec(
                guid=page,
                title=title,
                link=url,
                published=start + timedelta(seconds=rng.randint(0, 20 * 3600)),
                author=rng.choice(FIRST_NAMES).lower() + str(rng.randint(1, 99)),
                categories=[slots["tag"]],
                summary_html=summary_html(rng, slots, url, None),
                comments_url=page,
                comments_count=len(thread),
            )
        )
        pages.append(
            ArticlePage(
                url=url,
                html_bytes=b"",
                content_type="",
                body_text="",
                kind=BLOCKED_ADDRESS,
                detail=detail,
                status=0,
                title=title,
            )
        )
    return items, pages, docs


def _dead_link_page(url: str, styles: dict[str, SiteStyle], year: int) -> tuple[ArticlePage, Doc]:
    parts = urlsplit(url)
    host, path = parts.hostname or "", parts.path
    style = styles.get(host)
    body = _not_found_page(style, year).encode()
    kind = (style.robots_kind(path) if style else None) or NOT_FOUND
    page = ArticlePage(
        url=url,
        html_bytes=body,
        content_type=HTML,
        body_text="",
        kind=kind,
        detail="linked by an aggregator, never published: 404",
        status=404,
        template=style.template if style else "",
        site_name=style.site_name if style else "",
    )
    return page, Doc(body, HTML, status=404)


# -- a window ------------------------------------------------------------------------------


def build_window(
    plan: Plan, seed: int, dates: Sequence[date], contents: Sequence[DateContent]
) -> Window:
    """The article pages, documents and extra feed items of the dates of one corpus."""
    window = Window(site_styles(plan, seed))
    # A blog without dates in its post paths can publish one slug on two dates: the later
    # post is the page served at that URL (and the one listed), as on a real site.
    pages: dict[tuple[str, str], ArticlePage] = {}
    for d, content in zip(dates, contents, strict=True):
        by_host: dict[str, list[Article]] = {}
        for art in content.articles:
            by_host.setdefault(art.host, []).append(art)
        for art in content.articles:
            siblings = [(a.url, a.title) for a in by_host[art.host] if a is not art][:4]
            page, doc = article_page(
                seed, art, window.styles[art.host], siblings, news=bool(art.story_kind)
            )
            pages.pop((art.host, art.path), None)
            pages[(art.host, art.path)] = page
            window.documents[(art.host, art.path)] = doc
        for url in content.dead_links:
            page, doc = _dead_link_page(url, window.styles, d.year)
            if (page.host, page.path) not in window.documents:
                pages[(page.host, page.path)] = page
                window.documents[(page.host, page.path)] = doc
        for url in content.self_posts:
            parts = urlsplit(url)
            thread = content.discussions[(parts.hostname or "", parts.path)]
            pages[(parts.hostname or "", parts.path)] = ArticlePage(
                url=url,
                html_bytes=thread,
                content_type=HTML,
                body_text="",
                kind=DISCUSSION,
                detail="a community self post: its own thread, no article",
            )
        items, extra_pages, docs = _extra_links(plan, seed, d, window.styles)
        window.extra_items.append(items)
        pages.update(((p.host, p.path), p) for p in extra_pages)
        window.documents.update(docs)
    window.pages = list(pages.values())
    return window


def article_pages(seed: int = 7, day: date | None = None) -> list[ArticlePage]:
    """Every article link of the demo corpus for `day` (default: today, UTC) and `seed`,
    without building feeds or platforms: what `build_corpus(day, seed).article_pages` holds.

    For an extraction benchmark: `[p for p in article_pages(7, day) if p.kind == "good"]`,
    scoring an extractor's text against `p.body_text`."""
    day = day or datetime.now(UTC).date()
    plan = build_plan(seed)
    dates = [day - timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]
    contents = [generate_date(plan, seed, d) for d in dates]
    return build_window(plan, seed, dates, contents).pages


PageIndex = dict[tuple[str, str], ArticlePage]


def page_index(pages: Sequence[ArticlePage]) -> PageIndex:
    """Pages by (host, path without a trailing slash), for `expected_outcome`."""
    return {(p.host, p.path.rstrip("/")): p for p in pages}


def expected_outcome(index: PageIndex, url: str) -> tuple[str, str | None] | None:
    """(`articles.outcome`, `error_kind`) the pipeline should record for a link of the corpus,
    in any spelling (host case, trailing slash, query and fragment do not matter), or None
    for a URL that is not an article link of the corpus (a platform's self post).

    An `https://` spelling of a served page fails with connect_error: the replay server
    speaks plain HTTP."""
    parts = urlsplit(url)
    page = index.get(((parts.hostname or "").lower(), parts.path.rstrip("/")))
    if page is None:
        return None
    if parts.scheme == "https" and page.served:
        return "failed", "connect_error"
    return page.expected_outcome, page.expected_error_kind


def is_private_link(url: str) -> bool:
    """True for the corpus's deliberate links to private addresses (never served)."""
    return (urlsplit(url).hostname or "") in PRIVATE_HOSTS


__all__ = [
    "BLOCKED_ADDRESS",
    "DISCUSSION",
    "EXPECTED",
    "GOOD",
    "NOT_FOUND",
    "PDF",
    "PRIVATE_HOSTS",
    "ROBOTS_DISALLOWED",
    "ROBOTS_UNAVAILABLE",
    "TEMPLATES",
    "THIN",
    "ArticlePage",
    "Block",
    "SiteStyle",
    "Window",
    "article_pages",
    "build_window",
    "expected_outcome",
    "is_private_link",
    "page_index",
    "robots_document",
    "site_styles",
]
