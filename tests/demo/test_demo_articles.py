"""The demo's article pages (riverbed.demo.articles): every article link of the corpus has a
realistic page whose known main text is in it, in several site layouts; the deliberately bad
pages and links are there, answer as documented, and the private-address links are refused
by the fetch guard before anything is sent."""

from __future__ import annotations

import asyncio
import re
import urllib.robotparser
from collections import Counter
from datetime import timedelta
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from demo_testkit import DAY, http_get
from lxml import html as lxml_html
from ruamel.yaml import YAML
from test_demo_corpus import good_feeds, parsed_entries
from test_demo_fetch import client_settings

from riverbed.core.errors import ErrorKind
from riverbed.demo.articles import (
    EXPECTED,
    METADATA_URL,
    PRIVATE_HOSTS,
    TEMPLATES,
    ArticlePage,
    article_pages,
    is_private_link,
)
from riverbed.demo.corpus import Corpus, build_corpus
from riverbed.demo.server import ReplayServer
from riverbed.fetch import FetchResponse, HttpClient

AGENT = "riverbed"  # the product token the articles asset matches robots.txt groups with


def by_kind(corpus: Corpus, kind: str, detail: str | None = None) -> list[ArticlePage]:
    return [
        p for p in corpus.article_pages if p.kind == kind and (detail is None or p.detail == detail)
    ]


def page_index(corpus: Corpus) -> dict[tuple[str, str], ArticlePage]:
    return {(p.host, p.path.rstrip("/")): p for p in corpus.article_pages}


def find_page(index: dict[tuple[str, str], ArticlePage], url: str) -> ArticlePage | None:
    parts = urlsplit(url)
    return index.get(((parts.hostname or "").lower(), parts.path.rstrip("/")))


def visible_text(page: ArticlePage) -> str:
    """The text of the page's <body> as a browser shows it, whitespace collapsed."""
    root = lxml_html.fromstring(page.html_bytes)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    body = root.find("body")
    assert body is not None
    return " ".join(body.text_content().split())


def robots_parser(corpus: Corpus, host: str) -> urllib.robotparser.RobotFileParser | None:
    """The host's rules as the articles asset reads them (None: 5xx, disallow for now)."""
    parser = urllib.robotparser.RobotFileParser()
    doc = corpus.lookup(host, "/robots.txt")
    if doc is None or 400 <= doc.status < 500:
        parser.parse([])  # no robots.txt: no restrictions
    elif doc.status >= 500:
        return None
    else:
        parser.parse(doc.body.decode().splitlines())
    return parser


def fetch(corpus: Corpus, port: int, urls: list[str]) -> list[FetchResponse]:
    settings = client_settings(corpus, port)

    async def go() -> list[FetchResponse]:
        async with HttpClient(settings) as client:
            return list(await asyncio.gather(*(client.get(u, trusted=False) for u in urls)))

    return asyncio.run(go())


# -- determinism -----------------------------------------------------------------------------


def test_article_pages_are_deterministic_and_what_the_corpus_serves(corpus: Corpus) -> None:
    pages = article_pages(corpus.seed, DAY)
    assert pages == corpus.article_pages
    assert pages == article_pages(corpus.seed, DAY)
    assert [p.url for p in article_pages(8, DAY)] != [p.url for p in pages]


def test_a_page_is_identical_on_every_corpus_day_that_holds_it(corpus: Corpus) -> None:
    """A page depends on the seed, its URL and its article only: its ETag never changes."""
    tomorrow = {p.url: p for p in article_pages(corpus.seed, DAY + timedelta(days=1))}
    shared = [p for p in corpus.article_pages if p.url in tomorrow]
    assert len(shared) > 500
    # unless a later post reuses the URL (a blog without dates in its paths): rare
    reused = [p for p in shared if p.published != tomorrow[p.url].published]
    assert len(reused) < 0.03 * len(shared)
    for page in shared:
        if page not in reused:
            assert tomorrow[page.url] == page, page.url


# -- every link has a page -------------------------------------------------------------------


def test_every_linked_article_has_a_page_or_a_documented_failure(corpus: Corpus) -> None:
    index = page_index(corpus)
    kinds: Counter[str] = Counter()
    not_articles: Counter[str] = Counter()
    links = [
        (urljoin(feed.url, str(entry["link"])), feed.role)
        for feed in good_feeds(corpus)
        for entry in parsed_entries(corpus, feed)
    ]
    links += [(str(p.url), "platform") for p in corpus.platform_posts if p.is_item and p.url]
    for url, role in links:
        page = find_page(index, url)
        if page is not None:
            kinds[page.kind] += 1
            continue
        parts = urlsplit(url)
        doc = corpus.lookup(parts.netloc, parts.path)
        assert doc is not None and doc.status == 200, url
        assert corpus.expected_article(url) is None
        if parts.path == "/" and "ref=" in parts.query:
            not_articles["sponsored"] += 1  # hidden by the demo catalogue's block rule
        else:
            pytest.fail(f"{url} ({role}) has no article page")
    assert kinds["good"] > 1000
    assert set(kinds) == set(EXPECTED), kinds
    assert not_articles["sponsored"]


def test_every_served_page_is_the_document_the_server_sends(corpus: Corpus) -> None:
    for page in corpus.article_pages:
        doc = corpus.lookup(page.host, page.path)
        if not page.served:
            assert doc is None, page.url
            continue
        assert doc is not None, page.url
        assert (doc.body, doc.status, doc.content_type) == (
            page.html_bytes,
            page.status,
            page.content_type,
        )


def test_pages_have_titles_bylines_and_dates(corpus: Corpus) -> None:
    for page in by_kind(corpus, "good"):
        assert page.title and page.author and page.published, page.url
        text = page.html_bytes.decode()
        assert f"<title>{page.title}" in text.replace("&#x27;", "'").replace("&amp;", "&")
        stamp = page.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert re.search(f'<time[^>]* datetime="{stamp}"', text), page.url


# -- known main text -------------------------------------------------------------------------


def test_the_known_body_is_in_the_page(corpus: Corpus) -> None:
    pages = by_kind(corpus, "good") + by_kind(corpus, "thin", "paywall")
    for page in pages[::7]:
        shown = visible_text(page)
        for block in page.paragraphs:
            for line in block.splitlines():  # list items and code lines: one per line
                assert " ".join(line.split()) in shown, (page.url, line[:60])
        assert page.title not in page.body_text


def test_good_pages_have_a_real_body_and_plenty_of_boilerplate(corpus: Corpus) -> None:
    pages = by_kind(corpus, "good")
    ratios = []
    for page in pages[::5]:
        words = len(page.body_text.split())
        assert words >= 80, page.url
        assert len(page.paragraphs) >= 5
        ratios.append(words / len(visible_text(page).split()))
    # the body is most of the page, but far from all of it: extraction has work to do
    assert 0.5 < sum(ratios) / len(ratios) < 0.9


def test_layouts_and_extras_vary_across_sites(corpus: Corpus) -> None:
    pages = by_kind(corpus, "good")
    assert Counter(p.template for p in pages).keys() == set(TEMPLATES)
    for marker in (
        b'<script type="application/ld+json">',
        b'property="og:title"',
        b'id="cookie-notice"',
        b'id="comments"',
        b"<pre",
        b"<ul",
        b"<blockquote",
        b'class="inline-related"',
    ):
        having = sum(marker in p.html_bytes for p in pages)
        assert 0 < having < len(pages), marker
    assert sum(b"<article" not in p.html_bytes for p in pages) > 100  # minimal: no <article>


# -- the deliberately bad pages --------------------------------------------------------------


def test_thin_pages_cookie_wall_paywall_and_js_shell(corpus: Corpus) -> None:
    walls = by_kind(corpus, "thin", "cookie_wall")
    stubs = by_kind(corpus, "thin", "paywall")
    shells = by_kind(corpus, "thin", "js_shell")
    assert walls and stubs and shells
    for page in walls + shells:
        assert page.body_text == ""
        assert len(visible_text(page).split()) < 90
        assert page.title not in page.html_bytes.decode()  # no article on the page at all
    for page in walls:
        assert b"Accept all" in page.html_bytes and b"<article" not in page.html_bytes
    for page in shells:
        assert b'<div id="root"></div>' in page.html_bytes
        assert b"You need to enable JavaScript" in page.html_bytes
    for page in stubs:
        assert len(page.paragraphs) == 1
        assert b"This article is for subscribers" in page.html_bytes
    # a cookie wall and a JS shell are whole sites; each is one host
    assert len({p.host for p in walls}) == len({p.host for p in shells}) == 1


def test_pdf_links_are_served_as_pdf(corpus: Corpus, server: ReplayServer) -> None:
    pdfs = by_kind(corpus, "pdf")
    assert len(pdfs) == 3  # one a date
    for page in pdfs:
        assert page.url.endswith(".pdf")
        assert page.html_bytes.startswith(b"%PDF-1.4") and page.html_bytes.rstrip().endswith(
            b"%%EOF"
        )
        reply = http_get(server.port, page.host, page.path)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/pdf"
        assert reply.body == page.html_bytes
    [response] = fetch(corpus, server.port, [pdfs[0].url])
    assert response.ok and response.content_type == "application/pdf"


def test_robots_disallowed_and_unavailable_hosts(corpus: Corpus, server: ReplayServer) -> None:
    disallowed = by_kind(corpus, "robots_disallowed")
    unavailable = by_kind(corpus, "robots_unavailable")
    assert len({p.host for p in disallowed}) == len({p.host for p in unavailable}) == 1
    host = disallowed[0].host
    rules = robots_parser(corpus, host)
    assert rules is not None
    assert rules.can_fetch(AGENT, f"http://{host}/")  # the home page and feed stay allowed
    for page in disallowed:
        assert not rules.can_fetch(AGENT, page.url), page.url
        assert page.body_text  # a real article: only robots.txt keeps it out
    assert http_get(server.port, host, "/robots.txt").status == 200
    assert robots_parser(corpus, unavailable[0].host) is None
    assert http_get(server.port, unavailable[0].host, "/robots.txt").status == 503


def test_robots_allow_every_other_article(corpus: Corpus) -> None:
    parsers: dict[str, urllib.robotparser.RobotFileParser | None] = {}
    for page in corpus.article_pages:
        if page.kind in ("robots_disallowed", "robots_unavailable", "blocked_address"):
            continue
        if page.host not in parsers:
            parsers[page.host] = robots_parser(corpus, page.host)
        rules = parsers[page.host]
        assert rules is not None and rules.can_fetch(AGENT, page.url), page.url
    assert any(corpus.lookup(h, "/robots.txt") is None for h in parsers)  # some have none


def test_dead_links_answer_404_with_the_sites_error_page(
    corpus: Corpus, server: ReplayServer
) -> None:
    gone = by_kind(corpus, "not_found")
    details = Counter(p.detail.split(":")[0] for p in gone)
    assert details["linked by an aggregator, never published"] >= 3
    assert details["removed after publication"] >= 3
    for page in gone[:5]:
        reply = http_get(server.port, page.host, page.path)
        assert reply.status == 404
        assert b"Page not found" in reply.body


def test_private_address_links_are_in_a_feed_and_nowhere_else(corpus: Corpus) -> None:
    private = by_kind(corpus, "blocked_address")
    assert {urlsplit(p.url).hostname for p in private} == set(PRIVATE_HOSTS)
    assert METADATA_URL in {p.url for p in private}
    assert all(not p.served and p.html_bytes == b"" for p in private)
    linked = [
        str(e["link"])
        for f in good_feeds(corpus)
        for e in parsed_entries(corpus, f)
        if is_private_link(str(e["link"]))
    ]
    assert sorted(linked) == sorted(p.url for p in private)
    text = corpus.catalogue_yaml(port=43210)
    settings = YAML(typ="safe").load(StringIO(text))["settings"]
    for host in PRIVATE_HOSTS:
        assert host not in corpus.hosts
        assert host not in settings["resolve"]
        assert host not in settings["allow_private_hosts"]
        assert host not in text  # not even in a comment


def test_private_address_links_are_refused_before_anything_is_sent(
    corpus: Corpus, server: ReplayServer
) -> None:
    """The package's network guard (conftest) raises on any non-loopback connect: the
    client's own guard must refuse first, with blocked_address."""
    private = [p.url for p in by_kind(corpus, "blocked_address")]
    before = server.total_requests
    robots = [f"http://{urlsplit(u).hostname}/robots.txt" for u in private]
    responses = fetch(corpus, server.port, private + robots)
    for response in responses:
        assert response.error_kind == ErrorKind.BLOCKED_ADDRESS, response
    assert server.total_requests == before


def test_articles_fetch_through_the_guard_as_untrusted_urls(
    corpus: Corpus, server: ReplayServer
) -> None:
    """The catalogue's resolve and allow_private_hosts let every served article through."""
    pages = [p for p in corpus.article_pages if p.served][::40]
    responses = fetch(corpus, server.port, [p.url for p in pages])
    for page, response in zip(pages, responses, strict=True):
        assert response.status == page.status, (page.url, response.error_message)
        if page.status == 200:
            assert response.body == page.html_bytes


def test_catalogue_fetches_articles_and_resolves_every_article_host(corpus: Corpus) -> None:
    data = YAML(typ="safe").load(StringIO(corpus.catalogue_yaml(port=43210)))
    settings = data["settings"]
    assert settings["fetch_articles"] is True
    # every article of the window on the first demo run, with no politeness spacing (every
    # host is the one loopback server)
    assert settings["article_budget"] >= len(corpus.article_pages)
    assert settings["article_delay_ms"] == 0
    served_hosts = {p.host for p in corpus.article_pages if p.served}
    assert served_hosts <= set(settings["resolve"])
    assert served_hosts <= set(settings["allow_private_hosts"])
    assert all(re.fullmatch(r"127\.0\.0\.1:43210", v) for v in settings["resolve"].values())


def test_expected_article_outcomes_in_any_spelling(corpus: Corpus) -> None:
    index = page_index(corpus)
    for story in corpus.shared_stories:
        assert find_page(index, story.url) is not None
        for occurrence in story.occurrences:
            # an aggregator may link another URL of the story's event (a syndicated copy)
            page = find_page(index, occurrence.url)
            assert page is not None, occurrence
            assert page.event_key == story.url
            got = corpus.expected_article(occurrence.url)
            if occurrence.variant == "https":  # the replay server speaks plain HTTP
                assert got == ("failed", "connect_error"), occurrence
            else:
                assert got == (page.expected_outcome, page.expected_error_kind), occurrence
    for page in corpus.article_pages:
        assert corpus.expected_article(page.url) == EXPECTED[page.kind]
    assert corpus.expected_article("https://www.reddit.com/comments/1abcdef") is None


def test_discussion_pages_are_threads_without_an_article(corpus: Corpus) -> None:
    threads = by_kind(corpus, "discussion")
    assert threads
    for page in threads:
        assert page.body_text == "" and page.path.startswith("/item/")
        assert b'class="comment"' in page.html_bytes
        assert len(visible_text(page).split()) < 120


def test_expected_outcomes_follow_the_contract() -> None:
    outcomes = {"ok", "thin", "blocked", "failed", "skipped"}
    kinds = {"thin_extraction", "content_type", "robots_disallowed", "http_status"}
    kinds.add("blocked_address")
    for outcome, error_kind in EXPECTED.values():
        assert outcome in outcomes
        assert error_kind is None or error_kind in kinds
        assert error_kind in {e.value for e in ErrorKind} | {None}


def test_other_days_have_every_bad_case_too() -> None:
    for offset in (1, 2, 200):
        pages = build_corpus(DAY + timedelta(days=offset)).article_pages
        kinds = Counter(p.kind for p in pages)
        assert set(kinds) == set(EXPECTED), (offset, kinds)
        private = {urlsplit(p.url).hostname for p in pages if p.kind == "blocked_address"}
        assert private == set(PRIVATE_HOSTS)
        details = {p.detail for p in pages if p.kind == "thin"}
        assert details == {"cookie_wall", "paywall", "js_shell"}
