"""The demo corpus: deterministic, big and varied enough, overlapping where it should be,
broken where it says, and wired to nothing but its own hosts."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from demo_testkit import DAY
from ruamel.yaml import YAML

from riverbed.core.catalogue.loader import parse_catalogue
from riverbed.core.urls import canonical_url
from riverbed.demo.articles import PRIVATE_HOSTS
from riverbed.demo.corpus import (
    BROKEN_SOURCES,
    DEMO_TIMEOUT_S,
    Corpus,
    Doc,
    FeedInfo,
    build_corpus,
)
from riverbed.demo.platforms import PLATFORM_SOURCES

# URIs that name XML namespaces or a DTD: identifiers, never fetched by anything
IDENTIFIER_HOSTS = {"purl.org", "www.w3.org", "jsonfeed.org", "my.netscape.com", "schema.org"}
WINDOW_START = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) - timedelta(days=3)
WINDOW_END = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)


def feed_doc(corpus: Corpus, feed: FeedInfo) -> Doc:
    parts = urlsplit(feed.url)
    doc = corpus.lookup(parts.netloc, parts.path)
    assert doc is not None, feed.url
    return doc


def parsed_entries(corpus: Corpus, feed: FeedInfo) -> list[dict[str, object]]:
    """Entries as a generic parser sees them: (link, id, published datetime | None)."""
    body = feed_doc(corpus, feed).body
    if feed.format == "jsonfeed11":
        doc = json.loads(body)
        return [
            {
                "link": i.get("url"),
                "id": i["id"],
                "published": datetime.fromisoformat(i["date_published"])
                if "date_published" in i
                else None,
            }
            for i in doc["items"]
        ]
    parsed = feedparser.parse(body)
    assert not parsed.bozo, (feed.source_id, parsed.get("bozo_exception"))
    entries: list[dict[str, object]] = []
    for e in parsed.entries:
        when = e.get("published_parsed") or e.get("updated_parsed")  # RDF: dc:date
        entries.append(
            {
                "link": e.get("link"),
                "id": e.get("id"),
                "published": datetime(*when[:6], tzinfo=UTC) if when else None,
            }
        )
    return entries


def good_feeds(corpus: Corpus) -> list[FeedInfo]:
    """The working feeds (kind rss); platform sources are tested in test_demo_platforms."""
    return [f for f in corpus.feeds if f.role not in ("broken", "platform")]


# -- determinism ---------------------------------------------------------------------------


def test_same_day_and_seed_give_byte_identical_documents() -> None:
    first = build_corpus(DAY)
    random.seed(12345)  # global random state must not matter
    random.random()
    second = build_corpus(DAY)
    assert list(first.documents) == list(second.documents)
    assert first.documents == second.documents
    assert first.sources == second.sources
    assert first.catalogue_yaml(8080, 2.0) == second.catalogue_yaml(8080, 2.0)


def test_another_day_gives_other_items_from_the_same_catalogue(corpus: Corpus) -> None:
    other = build_corpus(DAY + timedelta(days=1))
    assert other.sources == corpus.sources  # the catalogue written once stays valid
    assert other.hosts == corpus.hosts
    changed = [k for k, d in corpus.documents.items() if other.documents.get(k) != d]
    assert changed


def test_another_seed_gives_another_corpus(corpus: Corpus) -> None:
    assert build_corpus(DAY, seed=8).sources != corpus.sources


def test_consecutive_days_repeat_the_overlapping_items_unchanged(corpus: Corpus) -> None:
    """A feed's window moves on by one day: the two shared dates come back identical."""
    other = build_corpus(DAY + timedelta(days=1))
    feed = next(f for f in good_feeds(corpus) if f.format == "jsonfeed11")
    today = {i["id"]: i for i in json.loads(feed_doc(corpus, feed).body)["items"]}
    tomorrow = {i["id"]: i for i in json.loads(feed_doc(other, feed).body)["items"]}
    overlap = [
        i
        for i in today.values()
        if datetime.fromisoformat(i["date_published"]) >= WINDOW_START + timedelta(days=1)
    ]
    assert overlap
    for item in overlap:
        assert tomorrow[item["id"]] == item
    assert set(tomorrow) - set(today)  # and tomorrow has new items


# -- size, formats, dates ------------------------------------------------------------------


def test_at_least_150_feeds_in_every_format(corpus: Corpus) -> None:
    formats = Counter(f.format for f in good_feeds(corpus))
    assert sum(formats.values()) >= 150
    assert formats["rss20"] >= 40
    assert formats["atom10"] >= 30
    assert formats["jsonfeed11"] >= 20
    assert formats["rss10"] >= 3
    assert formats["rss091"] >= 3


def test_every_good_feed_parses_with_5_to_40_items_inside_the_window(corpus: Corpus) -> None:
    for feed in good_feeds(corpus):
        entries = parsed_entries(corpus, feed)
        assert 5 <= len(entries) <= 40, (feed.source_id, len(entries))
        assert len(entries) == feed.n_items
        for entry in entries:
            published = entry["published"]
            if feed.format == "rss091":
                assert published is None  # RSS 0.91 items carry no dates
                continue
            assert isinstance(published, datetime), (feed.source_id, entry)
            assert WINDOW_START <= published < WINDOW_END, (feed.source_id, published)


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("rss20", b'<rss version="2.0"'),
        ("atom10", b'<feed xmlns="http://www.w3.org/2005/Atom"'),
        ("jsonfeed11", b'"version": "https://jsonfeed.org/version/1.1"'),
        ("rss10", b"<rdf:RDF"),
        ("rss091", b'<rss version="0.91">'),
    ],
)
def test_format_is_what_the_document_says(corpus: Corpus, fmt: str, marker: bytes) -> None:
    feeds = [f for f in good_feeds(corpus) if f.format == fmt]
    assert feeds
    for feed in feeds:
        assert marker in feed_doc(corpus, feed).body


def test_summaries_carry_links_images_and_some_hostile_markup(corpus: Corpus) -> None:
    bodies = b"".join(feed_doc(corpus, f).body for f in good_feeds(corpus))
    assert bodies.count(b"&lt;img src=") + bodies.count(b"<img src=") > 100
    for hostile in (b"&lt;script&gt;", b"onerror=", b"javascript:"):
        assert hostile in bodies, hostile


def test_some_feeds_link_comments_and_count_them(corpus: Corpus) -> None:
    bodies = [feed_doc(corpus, f).body for f in good_feeds(corpus)]
    assert sum(b"<comments>" in b for b in bodies) >= 5
    assert sum(b"<slash:comments>" in b for b in bodies) >= 5
    assert sum(b"<thr:total>" in b for b in bodies) >= 1


# -- shared stories --------------------------------------------------------------------------


def test_at_least_60_stories_share_one_canonical_url_across_feeds(corpus: Corpus) -> None:
    big = [s for s in corpus.shared_stories if s.kind != "blog"]
    merged = 0
    for story in big:
        feeds_by_url: defaultdict[str | None, set[str]] = defaultdict(set)
        for occurrence in story.occurrences:
            feeds_by_url[canonical_url(occurrence.url)].add(occurrence.source_id)
        assert 2 <= len(story.source_ids) <= 8
        merged += len(feeds_by_url[canonical_url(story.url)]) >= 2
    assert merged >= 60


def test_shared_story_urls_are_spelled_differently(corpus: Corpus) -> None:
    variants = Counter(o.variant for s in corpus.shared_stories for o in s.occurrences)
    for kind in ("plain", "utm", "host_case", "trailing_slash", "https", "fragment"):
        assert variants[kind] > 0, kind
    retitled = [s for s in corpus.shared_stories if len({o.title for o in s.occurrences}) > 1]
    assert len(retitled) >= 10


def test_each_occurrence_is_in_its_feed_as_recorded(corpus: Corpus) -> None:
    links = {
        f.source_id: {urljoin(f.url, str(e["link"])) for e in parsed_entries(corpus, f)}
        for f in good_feeds(corpus)
    }
    for story in corpus.shared_stories:
        for occurrence in story.occurrences:
            assert occurrence.url in links[occurrence.source_id], occurrence


def test_linked_articles_are_served_except_deliberately_dead_links(corpus: Corpus) -> None:
    """Every feed link reaches its page in every spelling; the only links without a 200
    answer are the documented bad ones (riverbed.demo.articles): 404s and private addresses."""
    pages = {(p.host, p.path): p for p in corpus.article_pages}
    unanswered: list[str] = []
    served = 0
    for feed in good_feeds(corpus):
        base = urlsplit(feed.url)
        for entry in parsed_entries(corpus, feed):
            link = str(entry["link"])
            parts = urlsplit(link)
            host = parts.hostname or base.hostname or ""
            doc = corpus.lookup(host, parts.path)
            canonical = canonical_url(link) if parts.scheme else None
            if canonical:
                c = urlsplit(canonical)
                assert corpus.lookup(c.hostname or "", c.path) == doc
            if doc is not None and doc.status == 200:
                served += 1
                continue
            unanswered.append(link)
            page = pages.get((host.lower(), parts.path.rstrip("/") or "/")) or pages.get(
                (host.lower(), parts.path.rstrip("/") + "/")
            )
            assert page is not None, link
            assert page.kind in ("not_found", "blocked_address") or page.status == 404, page
            assert (doc is None) == (page.kind == "blocked_address")
    assert served > 1500
    assert any("/drafts/" in link for link in unanswered)
    assert any(link.startswith("http://169.254.169.254/") for link in unanswered)


# -- deliberately broken sources ------------------------------------------------------------


def test_broken_sources_are_in_the_catalogue_with_their_error_kind(corpus: Corpus) -> None:
    assert corpus.expected_failures == {
        "broken-malformed-xml": "parse_error",
        "broken-truncated": "parse_error",
        "broken-entity": "parse_error",
        "broken-gone-404": "http_status",
        "broken-server-500": "http_status",
        "broken-slow": "timeout",
        "broken-drip": "timeout",
        "broken-html-page": "not_a_feed",
        "broken-empty": "not_a_feed",
    }
    ids = {s["id"] for s in corpus.sources}
    assert set(corpus.expected_failures) <= ids


def _broken_doc(corpus: Corpus, source_id: str) -> Doc:
    b = next(b for b in BROKEN_SOURCES if b.source_id == source_id)
    doc = corpus.lookup(b.host, b.path)
    assert doc is not None
    return doc


@pytest.mark.parametrize("source_id", ["broken-malformed-xml", "broken-truncated"])
def test_malformed_and_truncated_feeds_are_not_well_formed(corpus: Corpus, source_id: str) -> None:
    doc = _broken_doc(corpus, source_id)
    assert doc.status == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(doc.body)


def test_entity_feed_declares_an_internal_entity(corpus: Corpus) -> None:
    body = _broken_doc(corpus, "broken-entity").body
    assert b"<!DOCTYPE rss [" in body
    assert b"<!ENTITY boiler" in body
    assert b"&boiler;" in body


@pytest.mark.parametrize(
    ("source_id", "status"), [("broken-gone-404", 404), ("broken-server-500", 500)]
)
def test_http_error_sources(corpus: Corpus, source_id: str, status: int) -> None:
    assert _broken_doc(corpus, source_id).status == status


def test_slow_sources_outlast_the_demo_timeout(corpus: Corpus) -> None:
    assert _broken_doc(corpus, "broken-slow").delay_s > 5 * DEMO_TIMEOUT_S
    assert _broken_doc(corpus, "broken-drip").drip_s > 5 * DEMO_TIMEOUT_S


def test_not_a_feed_sources(corpus: Corpus) -> None:
    page = _broken_doc(corpus, "broken-html-page")
    assert page.content_type.startswith("text/html")
    assert page.body.startswith(b"<!doctype html>")
    empty = feedparser.parse(_broken_doc(corpus, "broken-empty").body)
    assert not empty.bozo
    assert empty.entries == []


# -- the catalogue -------------------------------------------------------------------------


def test_every_catalogue_source_has_a_document(corpus: Corpus) -> None:
    assert len({s["id"] for s in corpus.sources}) == len(corpus.sources)
    listings = {p.source_id: p.listing_path for p in PLATFORM_SOURCES}
    kinds = Counter(s["kind"] for s in corpus.sources)
    assert kinds == {"rss": len(corpus.sources) - 3, "hackernews": 1, "reddit": 1, "lobsters": 1}
    for source in corpus.sources:
        assert re.fullmatch(r"[a-z0-9_-]+", source["id"])
        parts = urlsplit(source["url"])
        assert parts.scheme == "http"
        assert parts.hostname in corpus.hosts
        # a platform source's url is a base URL: the collector appends the API paths
        path = parts.path + listings[source["id"]] if source["kind"] != "rss" else parts.path
        assert corpus.lookup(parts.netloc, path) is not None, source


def test_catalogue_yaml_maps_every_host_to_the_server(corpus: Corpus) -> None:
    text = corpus.catalogue_yaml(port=43210, timeout_s=2.0)
    data = YAML(typ="safe").load(StringIO(text))
    settings = data["settings"]
    assert settings["resolve"] == {h: "127.0.0.1:43210" for h in corpus.hosts}
    assert settings["allow_private_hosts"] == corpus.hosts
    assert settings["timeout_s"] == 2.0
    assert data["sources"] == corpus.sources


def test_catalogue_is_valid_for_the_riverbed_loader(corpus: Corpus) -> None:
    catalogue = parse_catalogue(corpus.catalogue_yaml(port=43210), env={})
    assert len(catalogue.sources) == len(corpus.sources)
    assert catalogue.settings.timeout_s == DEMO_TIMEOUT_S


def test_every_url_in_the_corpus_points_at_a_corpus_host(corpus: Corpus) -> None:
    """So `resolve` covers every link the pipeline may follow: no DNS query, ever."""
    hosts = set(corpus.hosts)
    strange: Counter[str] = Counter()
    for doc in corpus.documents.values():
        for raw in re.findall(rb"https?://[^\s\"'<>\\)\]]+", doc.body):
            host = urlsplit(raw.decode("utf-8", "replace").replace("&amp;", "&")).hostname
            if host in PRIVATE_HOSTS:
                continue  # the deliberate links to private addresses: refused, never resolved
            if host not in hosts and host not in IDENTIFIER_HOSTS:
                strange[str(host)] += 1
    assert not strange, strange.most_common(5)


def test_hosts_look_like_real_sites(corpus: Corpus) -> None:
    assert len(corpus.hosts) >= 150
    for host in corpus.hosts:
        assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host), host
        assert not host.endswith((".local", ".test", ".example", ".invalid", ".localhost"))


def test_corpus_dates_never_pass_the_start_of_the_day() -> None:
    day = date(2024, 2, 29)
    corpus = build_corpus(day)
    limit = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for doc in corpus.documents.values():
        assert doc.last_modified is not None
        assert doc.last_modified < limit


def test_corpus_does_not_depend_on_the_hash_seed() -> None:
    """Set and dict iteration order must not leak into the documents."""
    script = (
        "import hashlib, sys\n"
        "from datetime import date\n"
        "from riverbed.demo.corpus import build_corpus\n"
        "c = build_corpus(date(2025, 6, 12))\n"
        "h = hashlib.sha256(c.catalogue_yaml(1234).encode())\n"
        "for key, doc in c.documents.items():\n"
        "    h.update(repr(key).encode() + doc.body)\n"
        "print(h.hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
