"""What the `items` catalogue's hostility must turn into: neighbours of a bad entry land,
impossible dates are dropped (not guessed), lying charsets are read right, article hazards
get their outcomes, and the published digest, feeds and Markdown carry no executable markup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from lxml import etree

from hostile.conftest import Hostile, Run
from hostile.corpus import ARTICLE_CASES, BAD_DATES, CHARSET_TITLE, GOOD_DATE


def _items(hostile: Hostile) -> Run:
    return hostile.runs["items"]


def test_a_ten_megabyte_title_is_one_invalid_item(hostile: Hostile) -> None:
    run = _items(hostile)
    titles = run.rows("select external_id, title from items where source_id = 'huge-title'")
    assert sorted(titles) == [
        ("h1", "Normal before the huge one"),
        ("h3", "Normal after the huge one"),
    ]
    ((url, message),) = run.rows("select url, message from errors where source_id = 'huge-title'")
    assert url.endswith("/huge/2")
    assert message.startswith("title is ") and "(limit 65536)" in message


def test_impossible_dates_are_dropped_and_the_items_kept(hostile: Hostile) -> None:
    run = _items(hostile)
    dates = dict(
        run.rows("select external_id, published_at from items where source_id = 'invalid-dates'")
    )
    assert set(dates) == {*BAD_DATES, GOOD_DATE[0]}
    assert {k: v for k, v in dates.items() if k in BAD_DATES} == dict.fromkeys(BAD_DATES)
    good = dates[GOOD_DATE[0]]
    assert good is not None and (good.year, good.month, good.day) == (2025, 11, 3)


def test_duplicate_guids_keep_the_first_entry(hostile: Hostile) -> None:
    run = _items(hostile)
    rows = run.rows("select external_id, title from items where source_id = 'duplicate-guids'")
    assert sorted(rows) == [("dup-1", "Dup first"), ("dup-u", "Unique in the middle")]


@pytest.mark.parametrize(
    ("source_id", "tag"),
    [
        ("charset-header-lies", "cp1252"),
        ("charset-utf16-label", "label16"),
        ("charset-meta", "meta"),
        ("bom-utf8-declares-latin1", "bom8"),
        ("bom-utf16-declares-utf8", "bom16"),
    ],
)
def test_lying_charsets_are_read_right(hostile: Hostile, source_id: str, tag: str) -> None:
    rows = _items(hostile).rows("select title from items where source_id = ?", source_id)
    assert rows == [(f"{CHARSET_TITLE} {tag}",)]


def test_an_external_dtd_is_never_fetched_and_the_feed_is_read(hostile: Hostile) -> None:
    rows = _items(hostile).rows("select title from items where source_id = 'external-dtd'")
    assert sorted(rows) == [("External DTD café one",), ("External DTD two",)]
    assert hostile.canary.requests == []


def test_lone_surrogates_are_removed_and_the_items_land(hostile: Hostile) -> None:
    run = _items(hostile)
    api = dict(
        run.rows("select external_id, title from items where source_id = 'json-api-surrogates'")
    )
    assert api == {"api-1": "Surrogate title", "api-2": "Clean API title"}
    feed = {
        t for (t,) in run.rows("select title from items where source_id = 'json-feed-surrogates'")
    }
    assert feed == {"JSON Feed surrogate title", "JSON Feed clean"}
    everything = run.rows("select title, coalesce(author, ''), coalesce(text, '') from items")
    assert not any(re.search("[\ud800-\udfff]", "".join(r)) for r in everything)


def test_script_laden_titles_and_links_are_cleaned_in_the_lake(hostile: Hostile) -> None:
    run = _items(hostile)
    rows = dict(
        run.rows("select external_id, title from items where source_id = 'script-laden-rss'")
    )
    assert rows["s1"] == "Scripted title one"
    assert rows["s2"] == "CDATA image title"
    urls = dict(run.rows("select external_id, url from items where kind in ('rss', 'json_api')"))
    for guid in ("s3", "s5", "sj2"):  # javascript: links are not links
        assert urls[guid] is None
    canonical = [u for (u,) in run.rows("select canonical_url from items") if u]
    assert all(urlsplit(u).scheme in ("http", "https") for u in canonical)


# -- article pages ----------------------------------------------------------------------------


def _article(run: Run, name: str) -> dict[str, Any]:
    path = urlsplit(ARTICLE_CASES[name][0]).path
    con_rows = run.rows(
        "select outcome, error_kind, reason, title, word_count from articles"
        " where canonical_url like ?",
        f"%{path}",
    )
    ((outcome, kind, reason, title, words),) = con_rows
    return {"outcome": outcome, "kind": kind, "reason": reason, "title": title, "words": words}


def test_article_hazards_get_their_outcomes(hostile: Hostile) -> None:
    run = _items(hostile)
    cookie = _article(run, "cookie-wall")
    assert (cookie["outcome"], cookie["kind"]) == ("thin", "thin_extraction")
    assert cookie["reason"].startswith("cookie_wall")
    assert _article(run, "pdf")["outcome"] == "skipped"
    assert _article(run, "attribute-flood")["outcome"] == "failed"
    robots = _article(run, "robots-500")
    assert (robots["outcome"], robots["kind"]) == ("blocked", "robots_disallowed")
    redirected = _article(run, "article-redirect-to-canary")
    assert (redirected["outcome"], redirected["kind"]) == ("blocked", "blocked_address")


def test_an_attribute_bomb_is_disarmed_and_the_article_still_read(hostile: Hostile) -> None:
    page = _article(_items(hostile), "attribute-bomb")
    assert (page["outcome"], page["kind"]) == ("ok", None)
    assert page["title"] == "Attribute bomb survivor"
    assert page["words"] >= 80


def test_robots_500_means_the_page_is_never_requested(hostile: Hostile) -> None:
    server = hostile.server
    assert server.count("robots500.example.com", "/robots.txt") >= 1
    assert server.count("robots500.example.com", "/story/blocked") == 0


def test_good_articles_are_extracted(hostile: Hostile) -> None:
    rows = _items(hostile).rows(
        "select outcome, title from articles where canonical_url like 'http://news.example.com/items/%'"
    )
    assert rows == [("ok", "A good article")] * 3


def test_loopback_links_are_blocked_before_connecting(hostile: Hostile) -> None:
    rows = _items(hostile).rows(
        "select outcome, error_kind, http_status from articles where canonical_url like '%/spelling-%'"
    )
    assert len(rows) == 9
    assert set(rows) == {("blocked", "blocked_address", None)}
    assert hostile.canary.connections == 0


# -- published output -------------------------------------------------------------------------

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
    "cite",
    "longdesc",
    "ping",
    "srcset",
    "manifest",
}
FORBIDDEN_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "svg",
    "math",
    "form",
}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _unsafe_url(value: str) -> bool:
    """A URL a browser would not treat as plain http(s) (or a relative/fragment link)."""
    compact = _INVISIBLE.sub("", value)
    m = _SCHEME.match(compact)
    return m is not None and m.group(1).lower() not in ("http", "https")


def html_problems(markup: str, where: str) -> Iterator[str]:
    """Script elements, event handler attributes and non-http(s) URLs in an HTML document
    or fragment, as a browser would parse it."""
    if not markup.strip():
        return
    root = (
        lxml.html.fromstring(f"<div>{markup}</div>")
        if "<html" not in markup
        else (lxml.html.document_fromstring(markup))
    )
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in FORBIDDEN_ELEMENTS:
            yield f"{where}: <{tag}> element"
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            yield f"{where}: meta refresh"
        for name, value in el.attrib.items():
            lname = name.lower()
            if lname.startswith("on"):
                yield f"{where}: event handler {name}={value!r} on <{tag}>"
            if lname in URL_ATTRIBUTES and _unsafe_url(value):
                yield f"{where}: {name}={value!r} on <{tag}>"
            if lname == "style" and "javascript" in value.lower():
                yield f"{where}: style {value!r}"
        if tag == "style" and "javascript" in (el.text or "").lower():
            yield f"{where}: javascript in <style>"


def rss_problems(data: bytes, where: str) -> Iterator[str]:
    root = etree.fromstring(data)
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("description", content):
            yield from html_problems(el.text or "", f"{where} <{el.tag}>")
        if el.tag in ("link", "comments") and _unsafe_url(el.text or ""):
            yield f"{where}: <{el.tag}>{el.text}"
        if el.tag == "guid" and el.get("isPermaLink") != "false" and _unsafe_url(el.text or ""):
            yield f"{where}: <guid>{el.text}"
        for name in ("url", "href"):
            if el.get(name) is not None and _unsafe_url(el.get(name) or ""):
                yield f"{where}: {name}={el.get(name)!r} on <{el.tag}>"


JSON_URL_KEYS = {
    "url",
    "external_url",
    "home_page_url",
    "feed_url",
    "next_url",
    "icon",
    "favicon",
    "image",
    "banner_image",
    "comments_url",
}


def json_feed_problems(data: Any, where: str) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "content_html" and isinstance(value, str):
                yield from html_problems(value, f"{where}.content_html")
            elif key in JSON_URL_KEYS and isinstance(value, str) and _unsafe_url(value):
                yield f"{where}.{key} = {value!r}"
            else:
                yield from json_feed_problems(value, f"{where}.{key}")
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from json_feed_problems(value, f"{where}[{n}]")


_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
_MD_RAW_TAG = re.compile(r"(?<!\\)<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)")


def markdown_problems(text: str, where: str) -> Iterator[str]:
    for m in _MD_LINK.finditer(text):
        if _unsafe_url(m.group(1)):
            yield f"{where}: link {m.group(1)!r}"
    for m in _MD_RAW_TAG.finditer(text):  # Markdown renderers pass raw HTML through
        yield f"{where}: raw HTML tag <{m.group(1)}> at {m.start()}"


def _published(hostile: Hostile) -> list[Path]:
    base = _items(hostile).lake_dir / "published"
    return sorted(p for p in base.rglob("*") if p.suffix in (".html", ".xml", ".json", ".md"))


def test_the_hostile_stories_are_in_the_published_digest(hostile: Hostile) -> None:
    """Otherwise the checks below would pass vacuously."""
    titles = {t for (t,) in _items(hostile).rows("select title from digest")}
    assert {"Scripted title one", "CDATA image title", "Plain javascript link"} <= titles
    assert any("JSON image title" in t for t in titles)
    page = (_items(hostile).lake_dir / "published" / "index.html").read_text()
    assert "Hello world plain js" in page  # the hostile summary, as the excerpt
    kinds = {p.suffix for p in _published(hostile)}
    assert kinds == {".html", ".xml", ".json", ".md"}


def test_published_output_carries_no_script_handlers_or_javascript_urls(
    hostile: Hostile,
) -> None:
    problems: list[str] = []
    for path in _published(hostile):
        where = str(path.relative_to(_items(hostile).lake_dir))
        data = path.read_bytes()
        if path.name in ("latest.json", "archive.json"):  # indexes, not feeds
            continue
        if path.suffix == ".html":
            problems += html_problems(data.decode("utf-8"), where)
        elif path.suffix == ".xml":
            problems += rss_problems(data, where)
        elif path.suffix == ".json":
            problems += json_feed_problems(json.loads(data), where)
        else:
            problems += markdown_problems(data.decode("utf-8"), where)
        # script content of an article page must never become text anywhere
        assert b"rbx-article" not in data, where
    assert problems == []


def test_the_checkers_catch_what_they_look_for() -> None:
    """The published-output checks must be able to fail."""
    bad = (
        "<p onclick='x()'>a</p><script>x()</script><a href=' jav&#x61;script:x()'>b</a>"
        "<iframe src='data:text/html,x'></iframe>"
    )
    found = list(html_problems(bad, "t"))
    assert len(found) == 5, found
    rss = b"<rss><channel><item><link>javascript:x()</link><description>&lt;img src=x onerror=y()&gt;</description></item></channel></rss>"
    assert len(list(rss_problems(rss, "t"))) == 2
    feed = {"items": [{"url": "javascript:x()", "content_html": "<svg onload=x()>"}]}
    assert len(list(json_feed_problems(feed, "t"))) == 3
    assert len(list(markdown_problems("[a](javascript:x()) <img src=x>", "t"))) == 2
    assert (
        list(html_problems("<a href='http://ok.example/'>ok</a> <a href='#top'>t</a>", "t")) == []
    )
