"""Digest renderers: HTML page, Markdown, RSS 2.0, JSON Feed 1.1.

A realistic digest (tests/fixtures/render/digest.json) is rendered to all four formats and the
outputs are parsed back; a corpus of hostile inputs checks that nothing executable or
malformed gets through; hypothesis checks the feeds stay well-formed for arbitrary text.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import random
import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from riverbed.core.models import Digest, DigestEntry, Discussion
from riverbed.core.render import (
    escape_markdown,
    render_digest_html,
    render_digest_markdown,
    render_index_html,
    render_json_feed,
    render_rss,
)
from riverbed.core.render.view import topic_order

FIXTURE = Path(__file__).parents[1] / "fixtures" / "render" / "digest.json"
FEED_URL = "https://news.example.org/riverbed/feed.xml"
ATOM = "{http://www.w3.org/2005/Atom}"


def _ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def load_digest(path: Path = FIXTURE) -> Digest:
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries = []
    for e in raw.pop("entries"):
        first_seen = _ts(e.pop("first_seen_at"))
        assert first_seen is not None
        entries.append(
            DigestEntry(
                **{k: v for k, v in e.items() if k not in {"published_at", "discussions"}},
                published_at=_ts(e["published_at"]),
                first_seen_at=first_seen,
                discussions=[Discussion(**d) for d in e["discussions"]],
            )
        )
    generated = _ts(raw.pop("generated_at"))
    assert generated is not None
    return Digest(**raw, generated_at=generated, entries=entries)


@pytest.fixture
def digest() -> Digest:
    return load_digest()


def render_all(d: Digest) -> dict[str, bytes]:
    return {
        "html": render_digest_html(d).encode(),
        "md": render_digest_markdown(d).encode(),
        "rss": render_rss(d, feed_url=FEED_URL, title="riverbed digest"),
        "json": render_json_feed(d, feed_url=FEED_URL, title="riverbed digest"),
    }


def parse_rss(data: bytes) -> etree._Element:
    # strict: no recovery, so any malformation fails the test
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def by_rank(d: Digest) -> list[DigestEntry]:
    return sorted(d.entries, key=lambda e: e.rank)


# --- realistic digest ---------------------------------------------------------------------


def test_fixture_is_realistic(digest: Digest) -> None:
    assert len(digest.entries) >= 10
    assert sum(len(e.discussions) >= 2 for e in digest.entries) >= 8


def test_html_has_one_card_per_story_grouped_by_topic(digest: Digest) -> None:
    doc = lxml.html.document_fromstring(render_digest_html(digest))
    cards = doc.xpath("//article[@class='story']")
    assert len(cards) == len(digest.entries)
    sections = [s.find("h2").text_content() for s in doc.xpath("//section[@class='topic']")]
    # groups in order of their best-ranked story, each with its story count; unlabelled last
    assert sections == [
        "databases · 4 stories",
        "machine learning · 2 stories",
        "programming languages · 2 stories",
        "linux · 2 stories",
        "Other stories · 2 stories",
    ]
    # the order the digest rows carry (topic_rank) is the order the page shows
    by_group = sorted(digest.entries, key=lambda e: (e.topic_rank, e.rank))
    assert [int(r.text) for r in doc.xpath("//div[@class='rank']")] == [e.rank for e in by_group]
    ranks_in_databases = [
        int(r.text) for r in doc.xpath("//section[@id='t-1']//div[@class='rank']")
    ]
    assert ranks_in_databases == [1, 2, 8, 9]
    nav = [a.text for a in doc.xpath("//nav[@class='topics']//a")]
    assert nav[0] == "databases (4)"


def test_html_card_shows_title_link_sources_discussions_excerpt_why_and_time(
    digest: Digest,
) -> None:
    doc = lxml.html.document_fromstring(render_digest_html(digest))
    for entry in digest.entries:
        (card,) = doc.xpath(f"//article[.//div[@class='rank' and text()='{entry.rank}']]")
        assert card.get("id") == f"story-{entry.story_id}"
        assert card.get("data-story-id") == entry.story_id
        (heading,) = card.xpath("h3")  # under its topic's h2
        (link,) = heading.xpath("a[@class='story-title']")
        # a link-less post (Ask HN) points at its first discussion, as its feed item does
        assert link.get("href") == (entry.url or entry.discussions[0].comments_url)
        assert link.get("rel") == "nofollow noopener noreferrer"
        assert link.text_content() == entry.title
        (sources,) = card.xpath("p[@class='meta']/span[@class='sources']")
        assert sources.text_content() == ", ".join(entry.source_ids)
        hrefs = {a.get("href") for a in card.iter("a")}
        for d in entry.discussions:
            if d.comments_url:
                assert d.comments_url in hrefs
        engagement = card.xpath(".//ul[@class='discussions']")[0].text_content()
        for d in entry.discussions:
            assert d.source_id in engagement
            if d.comments is not None:
                assert f"{d.comments} comment" in engagement
            if d.score is not None:
                assert f"{d.score} point" in engagement
        # the summary replaces the excerpt when there is one; either is `.summary`
        shown = [(p.get("class"), p.text_content()) for p in card.find_class("summary")]
        if entry.summary:
            assert shown == [("summary", entry.summary)]
        else:
            assert shown == ([("summary excerpt", entry.excerpt)] if entry.excerpt else [])
        keywords = card.xpath(".//p[@class='keywords']")
        if entry.keywords:
            assert keywords[0].text_content() == "Keywords: " + ", ".join(entry.keywords)
        else:
            assert not keywords
        assert entry.why in card.xpath(".//p[@class='why']")[0].text_content()
        times = [t.get("datetime") for t in card.iter("time")]
        if entry.published_at is not None:
            assert entry.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") in times


def test_html_is_self_contained_with_a_strict_csp(digest: Digest) -> None:
    page = render_digest_html(digest)
    doc = lxml.html.document_fromstring(page)
    head = doc.find("head")
    metas = {m.get("http-equiv") or m.get("name"): m.get("content") for m in head.iter("meta")}
    assert metas["referrer"] == "no-referrer"
    csp = metas["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("img-src", "script-src", "font-src", "object-src", "base-uri", "form-action"):
        assert directives[name] == "'none'"
    (style,) = head.findall("style")
    digest_b64 = base64.b64encode(hashlib.sha256(style.text.encode()).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest_b64}'"
    # the CSP comes before the style it governs
    children = list(head)
    (csp_meta,) = head.xpath("meta[@http-equiv='Content-Security-Policy']")
    assert children.index(csp_meta) < children.index(style)
    assert "prefers-color-scheme: dark" in style.text
    assert "@import" not in style.text and "url(" not in style.text
    # no element can load anything
    assert not doc.xpath("//script|//img|//iframe|//object|//embed|//video|//audio|//source")
    assert not doc.xpath("//*[@src or @srcset or @style or @background or @poster]")
    for link in doc.iter("link"):
        assert link.get("rel") == "alternate"
        assert link.get("href") in {"feed.xml", "feed.json"}


def test_html_without_topics_is_one_ranked_list(digest: Digest) -> None:
    for e in digest.entries:
        e.topic_label = None
    doc = lxml.html.document_fromstring(render_digest_html(digest))
    assert not doc.xpath("//nav[@class='topics']")
    assert not doc.xpath("//section/h2|//h3")
    # no topic level: the cards' headings are the page's h2s
    assert len(doc.xpath("//article[@class='story']/h2/a[@class='story-title']")) == len(
        digest.entries
    )
    ranks = [int(r.text) for r in doc.xpath("//div[@class='rank']")]
    assert ranks == sorted(e.rank for e in digest.entries)


def test_html_heading_overrides_the_title_for_tag_pages(digest: Digest) -> None:
    doc = lxml.html.document_fromstring(render_digest_html(digest, heading="riverbed — rust"))
    assert doc.findtext(".//h1") == "riverbed — rust"
    assert doc.findtext(".//title").startswith("riverbed — rust")


def test_html_of_an_empty_digest_says_so(digest: Digest) -> None:
    digest.entries = []
    doc = lxml.html.document_fromstring(render_digest_html(digest))
    assert "No stories in this digest." in doc.text_content()
    assert not doc.xpath("//article")


def test_index_html_lists_digests_newest_first_and_skips_bad_dates() -> None:
    page = render_index_html([("2025-09-24", 40), ("2025-09-25", 50), ("../../etc", 1)])
    doc = lxml.html.document_fromstring(page)
    links = [(a.get("href"), a.text) for a in doc.xpath("//ol[@class='archive']//a")]
    assert links == [
        ("digest/2025-09-25/index.html", "2025-09-25"),
        ("digest/2025-09-24/index.html", "2025-09-24"),
    ]


def test_markdown_has_every_story_with_its_links(digest: Digest) -> None:
    md = render_digest_markdown(digest)
    assert md.startswith("# riverbed digest — 2025\\-09\\-25\n") or md.startswith(
        "# riverbed digest — 2025-09-25\n"
    )
    for entry in digest.entries:
        for d in entry.discussions:
            if d.comments_url:
                assert f"]({d.comments_url})" in md
    assert "## databases · 4 stories\n" in md
    assert "## Other stories · 2 stories\n" in md
    # summary where there is one, else the excerpt; keywords on their own line
    for entry in digest.entries:
        if entry.summary:
            assert f"> {escape_markdown(entry.summary)}\n" in md
        if entry.keywords:
            assert "Keywords: " + escape_markdown(", ".join(entry.keywords)) in md
    assert digest.entries[0].excerpt[:40] not in md  # summarised: excerpt not shown
    pg = by_rank(digest)[0]
    assert f"### 1. [{pg.title}]({pg.url}) (postgresql.org)" in md
    # link-less story: the title links to its discussion, like its feed item
    ask = next(e for e in digest.entries if e.url is None)
    assert (
        f"### {ask.rank}. [Ask HN: How do you keep a personal knowledge base?]"
        f"({ask.discussions[0].comments_url})\n"
    ) in md


def test_markdown_escapes_title_syntax(digest: Digest) -> None:
    md = render_digest_markdown(digest)
    assert r"I rewrote my C++ \*template\* metaprogramming library in Rust \[part 2\]" in md
    assert r"B-Bäume, LSM \& mehr" in md
    assert r"reddit\_programming" in md


def test_rss_has_one_item_per_story(digest: Digest) -> None:
    root = parse_rss(render_rss(digest, feed_url=FEED_URL, title="riverbed digest"))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "riverbed digest"
    assert channel.findtext("link") == "https://news.example.org/riverbed/"
    assert channel.find(f"{ATOM}link").get("href") == FEED_URL
    assert channel.find(f"{ATOM}link").get("rel") == "self"
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == digest.generated_at
    items = channel.findall("item")
    assert len(items) == len(digest.entries)
    for item, entry in zip(items, by_rank(digest), strict=True):
        assert item.findtext("title") == entry.title
        guid = item.find("guid")
        assert guid.text == entry.story_id and guid.get("isPermaLink") == "false"
        expected_date = min(entry.published_at or entry.first_seen_at, entry.first_seen_at)
        assert parsedate_to_datetime(item.findtext("pubDate")) == expected_date
        if entry.url:
            assert item.findtext("link") == entry.url
        else:  # a link-less post points at its discussion
            assert item.findtext("link") == entry.discussions[0].comments_url
        # the topic first, then the tags, each once
        expected = list(
            dict.fromkeys([*([entry.topic_label] if entry.topic_label else []), *entry.tags])
        )
        assert [c.text for c in item.findall("category")] == expected
        body = lxml.html.fragment_fromstring(item.findtext("description"), create_parent="div")
        hrefs = {a.get("href") for a in body.iter("a")}
        for d in entry.discussions:
            if d.comments_url:
                assert d.comments_url in hrefs
        text = body.text_content()
        if entry.summary:
            assert entry.summary in text and (entry.excerpt or "") not in text
        elif entry.excerpt:
            assert entry.excerpt in text
        if entry.topic_label:
            assert f"Topic: {entry.topic_label}" in text


def test_rss_without_urls_leaves_out_channel_link_and_self(digest: Digest) -> None:
    digest.home_url = None
    channel = parse_rss(render_rss(digest, feed_url=None, title="t")).find("channel")
    assert channel.find("link") is None
    assert channel.find(f"{ATOM}link") is None


def test_json_feed_items(digest: Digest) -> None:
    feed = json.loads(render_json_feed(digest, feed_url=FEED_URL, title="riverbed digest"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "riverbed digest"
    assert feed["feed_url"] == FEED_URL
    assert feed["home_page_url"] == "https://news.example.org/riverbed/"
    assert len(feed["items"]) == len(digest.entries)
    for item, entry in zip(feed["items"], by_rank(digest), strict=True):
        assert item["id"] == entry.story_id
        assert item["title"] == entry.title
        assert item.get("url") == (entry.url or entry.discussions[0].comments_url)
        published = datetime.fromisoformat(item["date_published"].replace("Z", "+00:00"))
        assert published == min(entry.published_at or entry.first_seen_at, entry.first_seen_at)
        topic = [entry.topic_label] if entry.topic_label else []
        assert item.get("tags", []) == list(dict.fromkeys([*topic, *entry.tags]))
        assert item.get("summary") == (entry.summary or entry.excerpt)
        ext = item["_riverbed"]
        assert ext["rank"] == entry.rank
        assert ext["score"] == entry.score
        assert ext["why"] == entry.why
        assert ext["source_ids"] == entry.source_ids
        assert ext["topic_label"] == entry.topic_label
        assert ext["summary_method"] == entry.summary_method
        assert ext["keywords"] == entry.keywords
        assert (ext["interest"], ext["interest_score"]) == (entry.interest, entry.interest_score)
        assert [d["source_id"] for d in ext["discussions"]] == [
            d.source_id for d in entry.discussions
        ]
        assert [(d["score"], d["comments"]) for d in ext["discussions"]] == [
            (d.score, d.comments) for d in entry.discussions
        ]
        body = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
        assert "Why:" in body.text_content()


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([], []),
        ([None, None], [1, 1]),
        (["db", "ml", "db"], [1, 2, 1]),
        # the unlabelled group comes after every labelled one, even holding the best story
        ([None, "ml", "db", None, "ml"], [3, 1, 2, 3, 1]),
        (["b", "a", "b", "a"], [1, 2, 1, 2]),  # order of best rank, not of the label
    ],
)
def test_topic_order_follows_each_groups_best_rank(
    labels: list[str | None], expected: list[int]
) -> None:
    assert topic_order(labels) == expected


@pytest.mark.parametrize(
    ("summary", "excerpt", "shown_class", "shown"),
    [
        ("A two-sentence summary.", "The feed's opening.", "summary", "A two-sentence summary."),
        (None, "The feed's opening.", "summary excerpt", "The feed's opening."),
        ("  \n\t ", "The feed's opening.", "summary excerpt", "The feed's opening."),
        ("Only a summary.", None, "summary", "Only a summary."),
        (None, None, None, None),
    ],
)
def test_a_card_shows_the_summary_else_the_excerpt(
    digest: Digest,
    summary: str | None,
    excerpt: str | None,
    shown_class: str | None,
    shown: str | None,
) -> None:
    entry = by_rank(digest)[0]
    entry.summary, entry.excerpt = summary, excerpt
    d = Digest(digest_date=digest.digest_date, generated_at=digest.generated_at, entries=[entry])
    doc = lxml.html.document_fromstring(render_digest_html(d))
    texts = {p.get("class"): p.text_content() for p in doc.find_class("summary")}
    assert texts == ({shown_class: shown} if shown_class else {})
    feed = json.loads(render_json_feed(d, feed_url=None, title="t"))
    assert feed["items"][0].get("summary") == shown
    md = render_digest_markdown(d)
    assert ("> " in md) == (shown is not None)


def test_a_topic_of_one_story_says_one_story(digest: Digest) -> None:
    entries = by_rank(digest)[:2]
    entries[1].topic_label = "a topic of its own"
    d = Digest(digest_date=digest.digest_date, generated_at=digest.generated_at, entries=entries)
    doc = lxml.html.document_fromstring(render_digest_html(d))
    headings = [h.text_content() for h in doc.xpath("//section[@class='topic']/h2")]
    assert headings == ["databases · 1 story", "a topic of its own · 1 story"]
    nav = [a.text for a in doc.xpath("//nav[@class='topics']//a")]
    assert nav == ["databases (1)", "a topic of its own (1)"]


def test_hostile_topic_labels_keywords_and_summaries_are_shown_as_text() -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    d = hostile_digest([evil])
    page = render_digest_html(d)
    doc = lxml.html.document_fromstring(page)
    assert_inert(doc, fragment=False)
    assert [h.text_content() for h in doc.xpath("//section[@class='topic']/h2")] == [
        f"{evil} · 2 stories"
    ]
    assert [p.text_content() for p in doc.xpath("//p[@class='summary']")] == [evil]
    assert {p.text_content() for p in doc.xpath("//p[@class='keywords']")} == {
        f"Keywords: {evil}, ok"
    }
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = render_digest_markdown(d)
    assert "## \\<script\\>alert(1)\\</script\\>" in md
    assert "Keywords: \\<script\\>" in md
    assert re.search(r"(?<!\\)<", md) is None
    root = parse_rss(render_rss(d, feed_url=None, title="t"))
    categories = [c.text for c in root.find("channel/item").findall("category")]
    assert categories == [evil, "ok"]  # the topic label, then the tags (the label is one)
    for desc in root.iter("description"):
        if desc.getparent().tag == "item":
            body = lxml.html.fragment_fromstring(desc.text, create_parent="div")
            assert_inert(body, fragment=True)
            assert f"Keywords: {evil}, ok" in body.text_content()
    feed = json.loads(render_json_feed(d, feed_url=None, title="t"))
    first = feed["items"][0]
    assert first["summary"] == evil and first["tags"] == [evil, "ok"]
    assert first["_riverbed"]["keywords"] == [evil, "ok"]


def test_times_without_a_zone_are_taken_as_utc(digest: Digest) -> None:
    entry = by_rank(digest)[0]
    aware = entry.first_seen_at
    entry.first_seen_at = aware.replace(tzinfo=None)
    entry.published_at = None
    feed = json.loads(render_json_feed(digest, feed_url=None, title="t"))
    assert feed["items"][0]["date_published"] == aware.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- determinism --------------------------------------------------------------------------


def test_same_digest_gives_the_same_bytes(digest: Digest) -> None:
    first = render_all(digest)
    again = render_all(load_digest())
    assert first == again
    shuffled = copy.deepcopy(digest)
    random.Random(7).shuffle(shuffled.entries)
    assert render_all(shuffled) == first


def test_outputs_do_not_depend_on_the_clock(digest: Digest) -> None:
    outputs = b"".join(render_all(digest).values()).decode()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert today == "2025-09-25" or today not in outputs


# --- hostile input ------------------------------------------------------------------------

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "'><body onload=alert(1)>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "javascript&colon;alert(1)",
    "\x00javascript:alert(1)",
    " \x01java\nscript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    '<p style="width: expression(alert(1))">css</p>',
    "<a href=\"javascript:alert(1)\" onclick='alert(1)'>click</a>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=https://evil.example/>",
    "<form action=https://evil.example><input name=q></form>",
    "]]><script>alert(1)</script><![CDATA[",
    "-->\x0b\x0c<!--",
    "title with \x00 nul, \x1b esc, \ud800 lone surrogate, \ufffe nonchar",
    "\u202eevil bidi override",
    "*bold* _em_ [link](javascript:alert(1)) ![img](https://evil.example/x.png) `code`",
    "# heading\n\n- list\n<div>raw</div>",
    "//evil.example/protocol-relative",
]

SAFE_ATTRIBUTES = {
    "href",
    "rel",
    "id",
    "class",
    "lang",
    "dir",
    "charset",
    "content",
    "name",
    "http-equiv",
    "datetime",
    "aria-label",
    "data-story-id",
    "type",
    "title",
    "reversed",
}
ALLOWED_TAGS = {
    "html",
    "head",
    "body",
    "meta",
    "title",
    "link",
    "style",
    "div",
    "header",
    "main",
    "footer",
    "nav",
    "section",
    "article",
    "h1",
    "h2",
    "h3",
    "p",
    "span",
    "a",
    "ul",
    "ol",
    "li",
    "time",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "br",
}


def hostile_digest(corpus: list[str]) -> Digest:
    """Two stories per hostile value, which fills every text and URL field: one whose own
    URL is the value too, one with a safe URL (so the hostile title sits inside a link)."""
    at = datetime(2025, 9, 25, 12, 0, tzinfo=UTC)
    entries = []
    for n, evil in enumerate(corpus, start=1):
        for rank, url in ((2 * n - 1, evil), (2 * n, f"https://example.com/{n}")):
            entries.append(
                DigestEntry(
                    rank=rank,
                    story_id=f"id-{rank}-{evil}",
                    title=evil,
                    url=url,
                    score=float(rank),
                    why=evil,
                    published_at=at,
                    first_seen_at=at,
                    source_ids=[evil, "hackernews"],
                    discussions=[
                        Discussion(
                            source_id=evil, url=evil, comments_url=evil, score=1, comments=2
                        ),
                        Discussion(
                            source_id=evil,
                            url="https://example.com/ok",
                            comments_url=evil,
                            score=None,
                            comments=None,
                        ),
                        Discussion(
                            source_id="hn",
                            url=evil,
                            comments_url="https://news.example.com/item?id=1",
                            score=5,
                            comments=None,
                        ),
                    ],
                    excerpt=evil,
                    topic_id=evil,
                    topic_label=evil if n % 2 else None,
                    tags=[evil, "ok"],
                    summary=evil if rank % 2 else None,
                    summary_method=evil,
                    keywords=[evil, "ok"],
                    interest=evil,
                    interest_score=0.5,
                )
            )
    return Digest(
        digest_date="2025-09-25",
        generated_at=at,
        entries=entries,
        title=corpus[0],
        home_url=corpus[min(5, len(corpus) - 1)],
    )


def _scheme_of(url: str) -> str:
    decoded = html.unescape(url)
    decoded = "".join(c for c in decoded if unicodedata.category(c)[0] != "C").strip().lower()
    return decoded.split(":", 1)[0] if ":" in decoded else ""


def assert_inert(root: lxml.html.HtmlElement, *, fragment: bool) -> None:
    """Walk every element and attribute: nothing that could run or load anything."""
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions
            continue
        tag = el.tag.lower()
        allowed = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "br"}
        assert tag in (allowed | {"div"} if fragment else ALLOWED_TAGS), tag
        for name, value in el.attrib.items():
            lname = name.lower()
            assert not lname.startswith("on"), (tag, name)
            assert lname in SAFE_ATTRIBUTES, (tag, name)
            if lname == "href":
                scheme = _scheme_of(value)
                if tag == "a" and value.startswith("#"):
                    continue
                if value in {"feed.xml", "feed.json", "index.md"}:
                    continue
                assert scheme in {"http", "https"}, (tag, value)
                assert value.startswith(("http://", "https://")), value
        if tag == "meta":
            assert (el.get("http-equiv") or "").lower() in {"", "content-security-policy"}
        if tag == "link":
            assert el.get("rel") == "alternate"


def test_xss_corpus_is_large_enough() -> None:
    assert len(XSS_CORPUS) >= 15


def test_html_with_hostile_input_has_nothing_executable() -> None:
    page = render_digest_html(hostile_digest(XSS_CORPUS))
    doc = lxml.html.document_fromstring(page)
    assert_inert(doc, fragment=False)
    assert len(doc.xpath("//style")) == 1
    assert len(doc.xpath("//meta[@http-equiv]")) == 1
    lowered = page.lower()
    assert "<script" not in lowered
    assert "<svg" not in lowered and "<iframe" not in lowered and "<img" not in lowered
    # text '<' is escaped, so every '<' left opens a real tag: none carries a handler
    assert re.search(r"<[^>]*\son[a-z]+\s*=", page, flags=re.IGNORECASE) is None
    # the hostile text is shown, escaped, rather than dropped
    titles = [h.text_content() for h in doc.xpath("//h3")]
    assert any("<script>alert(1)</script>" in t for t in titles)


@pytest.mark.parametrize("evil", XSS_CORPUS)
def test_each_hostile_value_alone_stays_inert(evil: str) -> None:
    d = hostile_digest([evil])
    assert_inert(lxml.html.document_fromstring(render_digest_html(d)), fragment=False)
    root = parse_rss(render_rss(d, feed_url=evil, title=evil))
    for desc in root.iter("description"):
        if desc.getparent().tag == "item":
            body = lxml.html.fragment_fromstring(desc.text, create_parent="div")
            assert_inert(body, fragment=True)
    feed = json.loads(render_json_feed(d, feed_url=evil, title=evil))
    for item in feed["items"]:
        body = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
        assert_inert(body, fragment=True)
        for key in ("url", "external_url"):
            if key in item:
                assert item[key].startswith(("http://", "https://"))
        for disc in item["_riverbed"]["discussions"]:
            for key in ("url", "comments_url"):
                assert disc[key] is None or disc[key].startswith(("http://", "https://"))


def test_feeds_with_hostile_input_are_well_formed() -> None:
    d = hostile_digest(XSS_CORPUS)
    root = parse_rss(render_rss(d, feed_url=XSS_CORPUS[5], title=XSS_CORPUS[0]))
    items = root.findall("channel/item")
    assert len(items) == 2 * len(XSS_CORPUS)
    for item in items:
        link = item.findtext("link")
        assert link is None or link.startswith(("http://", "https://"))
    assert root.find("channel/link") is None  # javascript: home_url dropped
    # `]]>` in a title is escaped text, not a CDATA end
    assert any("]]>" in (i.findtext("title") or "") for i in items)
    feed = json.loads(render_json_feed(d, feed_url=None, title="t"))
    assert len(feed["items"]) == 2 * len(XSS_CORPUS)


def test_markdown_with_hostile_input_has_no_raw_html_or_unsafe_links() -> None:
    md = render_digest_markdown(hostile_digest(XSS_CORPUS))
    # every '<' is backslash-escaped, so no raw HTML or autolink can start
    assert re.search(r"(?<!\\)<", md) is None
    for destination in re.findall(r"(?<!\\)\]\(([^)\s]*)\)", md):
        assert destination.startswith(("http://", "https://")), destination
    assert re.search(r"(?<!\\)\]\(javascript", md, flags=re.IGNORECASE) is None
    assert r"\[link\](javascript:alert(1))" in md  # shown as text, brackets escaped
    # every field stays on its line: no injected headings or lists
    for line in md.splitlines():
        assert not line.startswith(("# heading", "- list", "<div"))


def test_a_megabyte_title_is_truncated_everywhere() -> None:
    d = hostile_digest(["A" * 1_000_000 + "<script>"])
    outputs = render_all(d)
    for name, data in outputs.items():
        assert len(data) < 60_000, name
        # the longest field shown is the excerpt (600 characters)
        assert b"A" * 601 not in data, name
    root = parse_rss(outputs["rss"])
    title = root.findtext("channel/item/title")
    assert title.endswith("…") and len(title) <= 300


def test_feed_item_titles_drop_control_characters_and_surrogates() -> None:
    d = hostile_digest(["a\x00b\x0bc\ud800d\x7fe\ufffff"])
    root = parse_rss(render_rss(d, feed_url=None, title="t"))
    assert root.findtext("channel/item/title") == "abcdef"
    feed = json.loads(render_json_feed(d, feed_url=None, title="t"))
    assert feed["items"][0]["title"] == "abcdef"


ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=ANY_TEXT,
    text=ANY_TEXT,
    url=ANY_TEXT | st.just("https://example.com/") | st.none(),
    label=ANY_TEXT,
)
def test_feeds_are_well_formed_for_arbitrary_text(
    title: str, text: str, url: str | None, label: str
) -> None:
    at = datetime(2025, 9, 25, 12, 0, tzinfo=UTC)
    entry = DigestEntry(
        rank=1,
        story_id=label or "x",
        title=title,
        url=url,
        score=1.0,
        why=text,
        published_at=None,
        first_seen_at=at,
        source_ids=[label],
        discussions=[Discussion(source_id=label, url=url, comments_url=url, score=3)],
        excerpt=text,
        topic_label=label,
        tags=[label, title],
    )
    d = Digest(digest_date="2025-09-25", generated_at=at, entries=[entry], title=title)
    rss = render_rss(d, feed_url=url, title=title)
    root = parse_rss(rss)
    assert len(root.findall("channel/item")) == 1
    guid = root.findtext("channel/item/guid")
    assert guid is not None
    feed_bytes = render_json_feed(d, feed_url=url, title=title)
    feed: dict[str, Any] = json.loads(feed_bytes.decode("utf-8"))
    assert len(feed["items"]) == 1
    assert feed["items"][0]["id"] == guid
    page = render_digest_html(d)
    page.encode("utf-8")
    assert_inert(lxml.html.document_fromstring(page), fragment=False)
    render_digest_markdown(d).encode("utf-8")
    # deterministic for every input
    assert render_rss(d, feed_url=url, title=title) == rss
    assert render_json_feed(d, feed_url=url, title=title) == feed_bytes
