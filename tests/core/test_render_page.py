"""The digest page as readers and the browser tests see it, and the feeds as readers parse
them: the card contract (`article.story[data-story-id]`, `a.story-title`, `.sources`,
`.summary`, `.why`, `ul.discussions li a`), a page that loads nothing and works on a phone and
in the dark, tag links and tag slugs that cannot leave `published/tags/`, and RSS / JSON Feed /
Markdown carrying the same content as the page.
"""

from __future__ import annotations

import json
import re
from typing import Any

import feedparser
import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_render import XSS_CORPUS, assert_inert, hostile_digest, load_digest

from riverbed.core.models import Digest
from riverbed.core.render import (
    escape_markdown,
    render_digest_html,
    render_digest_markdown,
    render_index_html,
    render_json_feed,
    render_rss,
    render_tags_html,
    tag_slug,
    tags_by_slug,
)
from riverbed.core.render.view import entry_views

FEED_URL = "https://news.example.org/riverbed/feed.xml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.fixture
def digest() -> Digest:
    return load_digest()


def page(d: Digest, **kwargs: Any) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(render_digest_html(d, **kwargs))


# --- the card contract --------------------------------------------------------------------


def test_every_story_is_one_card_with_the_contract_selectors(digest: Digest) -> None:
    doc = page(digest)
    cards = doc.cssselect("article.story[data-story-id]")
    assert sorted(c.get("data-story-id") for c in cards) == sorted(
        e.story_id for e in digest.entries
    )
    views = {v.story_id: v for v in entry_views(digest)}
    for card in cards:
        v = views[card.get("data-story-id")]
        assert card.get("id") == f"story-{v.story_id}"
        (title,) = card.cssselect("h2 > a.story-title, h3 > a.story-title")
        assert title.text_content() == v.title
        assert title.get("href", "").startswith(("http://", "https://"))
        (sources,) = card.cssselect(".sources")
        assert sources.text_content() == ", ".join(v.source_ids)
        (why,) = card.cssselect(".why")
        assert v.why in why.text_content()
        # the summary, else the excerpt, else nothing
        assert [p.text_content() for p in card.cssselect(".summary")] == (
            [v.text] if v.text else []
        )
        items = card.cssselect("ul.discussions > li")
        assert len(items) == len(v.discussions)
        for li, d in zip(items, v.discussions, strict=True):
            hrefs = [a.get("href") for a in li.cssselect("a")]
            # every discussion with a link of its own shows it, its engagement beside it
            assert hrefs, (v.title, d)
            if d.comments_url:
                assert d.comments_url in hrefs
            assert d.engagement in li.text_content()
            if d.comments_url and d.engagement:
                (comments,) = li.cssselect(f"a[href='{d.comments_url}']")
                assert comments.text_content() == d.engagement


def test_topics_are_sections_listed_in_a_table_of_contents(digest: Digest) -> None:
    doc = page(digest)
    toc = [a.get("href") for a in doc.cssselect("nav.topics a")]
    sections = doc.cssselect("main section.topic")
    assert toc == [f"#{s.get('id')}" for s in sections]
    assert len(sections) == len({e.topic_label for e in digest.entries})
    for section in sections:
        heading = section.cssselect("h2")[0].text_content()
        cards = section.cssselect("article.story")
        assert cards and heading.endswith(
            f"{len(cards)} {'story' if len(cards) == 1 else 'stories'}"
        )
        assert all(c.cssselect("h3 > a.story-title") for c in cards)


@pytest.mark.parametrize(
    "title",
    [
        '<script>alert("x")</script>',
        "</h3><h1>fake</h1>",
        '" onmouseover="alert(1)',
        "Tom & Jerry's <b>bold</b> claim",
        "\u202eevil.exe\u202c",  # a bidi override that would reverse what follows
    ],
)
def test_a_hostile_title_is_shown_as_text_in_its_title_link(digest: Digest, title: str) -> None:
    first = min(digest.entries, key=lambda e: e.rank)
    first.title = title
    doc = page(digest)
    assert_inert(doc, fragment=False)
    (card,) = doc.cssselect(f"article[data-story-id='{first.story_id}']")
    (link,) = card.cssselect("a.story-title")
    assert link.text_content() == title.replace("\u202e", "").replace("\u202c", "")
    assert not link.getchildren()
    assert len(doc.cssselect("h1")) == 1


# --- self-contained, responsive, light and dark --------------------------------------------


@pytest.mark.parametrize(
    "render",
    [
        render_digest_html,
        lambda d: render_digest_html(d, tags_base="../../tags/"),
        lambda d: render_index_html([("2025-09-25", len(d.entries))]),
    ],
    ids=["digest", "digest-with-tag-links", "archive"],
)
def test_pages_load_nothing_and_adapt_to_phones_and_dark_mode(digest: Digest, render: Any) -> None:
    doc = lxml.html.document_fromstring(render(digest))
    (csp,) = doc.cssselect("head meta[http-equiv='Content-Security-Policy']")
    directives = dict(d.strip().split(" ", 1) for d in csp.get("content").split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["style-src"].startswith("'sha256-")  # no 'unsafe-inline'
    assert "'unsafe-inline'" not in csp.get("content") and "http" not in csp.get("content")
    # nothing that loads: no src anywhere, every <link> and non-story href relative or local
    assert not doc.xpath("//*[@src or @srcset or @data or @poster or @style]")
    for el in doc.xpath("//link[@href]"):
        assert not re.match(r"(?i)^[a-z][a-z0-9+.-]*:|^//", el.get("href")), el.get("href")
    (style,) = doc.cssselect("head style")
    css = style.text
    assert "@media (prefers-color-scheme: dark)" in css
    assert re.search(r"@media \(max-width: [0-9.]+rem\)", css)  # one column on phones
    assert re.search(r"\.wrap \{[^}]*max-width: [0-9.]+rem", css)  # a measure on desktops
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    viewport = doc.cssselect("meta[name='viewport']")[0].get("content")
    assert "width=device-width" in viewport
    assert doc.cssselect("meta[name='color-scheme']")[0].get("content") == "light dark"


def test_tag_links_stay_relative_under_the_given_folder(digest: Digest) -> None:
    doc = page(digest, tags_base="../../tags/")
    hrefs = [a.get("href") for a in doc.cssselect("a.tag")]
    shown = {t for e in entry_views(digest) for t in e.tags}
    assert len(hrefs) == sum(len(e.tags) for e in entry_views(digest))
    assert {h.removeprefix("../../tags/").removesuffix("/index.html") for h in hrefs} == {
        tag_slug(t) for t in shown
    }
    assert not page(digest).cssselect("a.tag")  # without a base, tags are text


@pytest.mark.parametrize(
    "base", ["https://evil.example/", "//evil.example/", "javascript:", "/abs/"]
)
def test_a_tag_base_that_is_not_a_relative_folder_is_refused(digest: Digest, base: str) -> None:
    with pytest.raises(ValueError, match="tags_base"):
        render_digest_html(digest, tags_base=base)


def test_hostile_tags_link_to_slugs_only() -> None:
    d = hostile_digest(XSS_CORPUS)
    doc = page(d, tags_base="tags/")
    for a in doc.cssselect("a.tag"):
        slug = a.get("href").removeprefix("tags/").removesuffix("/index.html")
        assert SLUG.match(slug), a.get("href")


def test_the_tag_index_lists_slug_folders_only_most_stories_first() -> None:
    evil = '<img src=x onerror="alert(1)">'
    doc = lxml.html.document_fromstring(
        render_tags_html(
            [
                ("rust", "Rust", 2),
                ("tag-0123456789ab", evil, 5),
                ("../etc", "escape", 9),
                ("javascript:alert(1)", "js", 9),
                ("go", "Go", 2),
            ]
        )
    )
    assert not doc.xpath("//script|//img|//*[@src or @onerror]")
    relative = re.compile(r"^(?:\.\./)?(?:[a-z0-9-]+/)?(?:index\.html|feed\.xml|feed\.json)$")
    assert all(relative.match(a.get("href")) for a in doc.cssselect("a")), [
        a.get("href") for a in doc.cssselect("a")
    ]
    listed = [(a.text_content(), a.get("href")) for a in doc.cssselect("a.tag")]
    assert listed == [
        (evil, "tag-0123456789ab/index.html"),
        ("Go", "go/index.html"),
        ("Rust", "rust/index.html"),
    ]


# --- tag slugs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "slug"),
    [
        ("tech", "tech"),
        ("Machine Learning", "machine-learning"),
        ("  rust  ", "rust"),
        ("RUST!", "rust"),
        ("C++", "cplusplus"),
        ("c#", "csharp"),
        ("B-Bäume", "b-baume"),
        ("Ångström", "angstrom"),
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\windows", "windows"),
        ("a/b", "a-b"),
        ("x" * 200, "x" * 60),
        ("news\x00\x1b[31m", "news-31m"),
    ],
)
def test_tag_slug(tag: str, slug: str) -> None:
    assert tag_slug(tag) == slug


@pytest.mark.parametrize("tag", ["..", ".", "/", "\\", "日本語", "!!!", "\u200b", ""])
def test_a_tag_with_nothing_ascii_left_gets_a_hashed_slug(tag: str) -> None:
    slug = tag_slug(tag)
    assert re.fullmatch(r"tag-[0-9a-f]{12}", slug)
    assert tag_slug(tag) == slug  # stable


def test_tags_differing_only_in_spelling_share_a_slug_shown_by_their_first_spelling() -> None:
    assert tags_by_slug(["Rust", "rust", "RUST", " ", "Go"]) == {"rust": "Rust", "go": "Go"}


@given(st.text(max_size=300))
def test_a_slug_is_always_one_safe_path_segment(tag: str) -> None:
    slug = tag_slug(tag)
    assert SLUG.match(slug) and len(slug) <= 60
    assert slug not in {".", ".."} and "/" not in slug and "\\" not in slug


# --- feeds carry what the page shows ------------------------------------------------------


def test_rss_parses_cleanly_with_every_story_its_why_topic_and_discussions(
    digest: Digest,
) -> None:
    parsed = feedparser.parse(render_rss(digest, feed_url=FEED_URL, title="riverbed digest"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "riverbed digest"
    views = {v.story_id: v for v in entry_views(digest)}
    assert [e.id for e in parsed.entries] == [v.story_id for v in entry_views(digest)]
    for entry in parsed.entries:
        v = views[entry.id]
        assert entry.title == v.title
        assert entry.link == v.link
        body = lxml.html.fragment_fromstring(entry.description, create_parent="div")
        text = body.text_content()
        assert f"Why: {v.why}" in text
        assert f"Sources: {', '.join(v.source_ids)}" in text
        if v.topic_label:
            assert f"Topic: {v.topic_label}" in text
        assert v.text in text
        hrefs = {a.get("href") for a in body.iter("a")}
        for d in v.discussions:
            assert d.engagement in text
            if d.comments_url:
                assert d.comments_url in hrefs
        assert [t.term for t in entry.get("tags", [])] == v.categories


# The keys JSON Feed 1.1 defines (https://www.jsonfeed.org/version/1.1/); extensions start '_'.
JSON_FEED_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment",
    "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
JSON_ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
    "banner_image", "date_published", "date_modified", "authors", "tags", "language",
    "attachments",
}  # fmt: skip


def test_json_feed_uses_only_defined_keys_and_carries_the_cards_content(digest: Digest) -> None:
    feed = json.loads(render_json_feed(digest, feed_url=FEED_URL, title="riverbed digest"))
    assert set(feed) <= JSON_FEED_KEYS
    assert {"version", "title", "items"} <= set(feed)
    views = {v.story_id: v for v in entry_views(digest)}
    for item in feed["items"]:
        assert {k for k in item if not k.startswith("_")} <= JSON_ITEM_KEYS
        assert isinstance(item["id"], str) and ("content_html" in item or "content_text" in item)
        v = views[item["id"]]
        ext = item["_riverbed"]
        assert (ext["why"], ext["topic_label"]) == (v.why, v.topic_label)
        assert item.get("summary") == (v.text or None)
        assert [(d["comments_url"], d["score"]) for d in ext["discussions"]] == [
            (d.comments_url, d.score) for d in v.discussions
        ]
        body = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
        assert f"Why: {v.why}" in body.text_content()


def test_markdown_has_each_storys_topic_summary_why_and_discussions(digest: Digest) -> None:
    md = render_digest_markdown(digest)
    sections = md.split("\n## ")[1:]
    for v in entry_views(digest):
        (section,) = [s for s in sections if f". [{escape_markdown(v.title)}]" in s]
        assert section.startswith(escape_markdown(v.topic_label or "Other stories") + " · ")
        assert f"Why: {escape_markdown(v.why)}" in section
        assert escape_markdown(v.text) in section
        for d in v.discussions:
            if d.comments_url:
                assert f"]({d.comments_url})" in section
            assert escape_markdown(d.engagement) in section


def test_without_topics_markdown_stories_are_second_level(digest: Digest) -> None:
    for e in digest.entries:
        e.topic_label = None
    md = render_digest_markdown(digest)
    assert len(re.findall(r"(?m)^## \d+\. ", md)) == len(digest.entries)
    assert not re.search(r"(?m)^###", md)
