"""The demo corpus's labelled near-duplicate groups: one event under several URLs (coverage
by other outlets, syndicated copies, cross-posts, press releases, https spellings), hard
negatives beside them, and labels for every item the corpus serves."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import feedparser

from riverbed.core.urls import canonical_url
from riverbed.demo.articles import ArticlePage
from riverbed.demo.corpus import Corpus, build_corpus
from riverbed.demo.labels import page_key
from riverbed.demo.model import (
    COVERAGE,
    CROSSPOST,
    HTTPS,
    ORIGIN,
    PRESS_RELEASE,
    SIBLING,
    SYNDICATED,
    DupEvent,
)


def pages_by_url(corpus: Corpus) -> dict[str, ArticlePage]:
    return {p.url: p for p in corpus.article_pages}


def members(corpus: Corpus, relation: str) -> list[tuple[DupEvent, str, str]]:
    """(event, member URL, member title) of every member with `relation`."""
    return [
        (e, m.url, m.title)
        for e in corpus.near_duplicates
        for m in e.members
        if m.relation == relation
    ]


def test_every_kind_of_near_duplicate_is_there_in_numbers(corpus: Corpus) -> None:
    relations = Counter(m.relation for e in corpus.near_duplicates for m in e.members)
    assert relations[ORIGIN] == len(corpus.near_duplicates) >= 60
    assert relations[COVERAGE] >= 30
    assert relations[SYNDICATED] >= 8
    assert relations[CROSSPOST] >= 8
    assert relations[PRESS_RELEASE] >= 8
    assert relations[HTTPS] >= 3
    sizes = Counter(len({canonical_url(m.url) for m in e.members}) for e in corpus.near_duplicates)
    assert min(sizes) == 2 and max(sizes) >= 4  # pairs, and bigger groups
    kinds = {e.kind for e in corpus.near_duplicates}
    assert {"release", "incident", "security", "acquisition", "funding", "blog"} <= kinds


def test_no_two_urls_of_an_event_share_a_canonical_url(corpus: Corpus) -> None:
    """Exact-URL merging cannot join them: only near-duplicate merging can."""
    for event in corpus.near_duplicates:
        urls = [canonical_url(m.url) for m in event.members]
        assert len(set(urls)) == len(urls), event.key
        assert event.members[0].relation == ORIGIN and event.members[0].url == event.key


def test_coverage_is_another_outlet_rewording_the_same_facts(corpus: Corpus) -> None:
    pages = pages_by_url(corpus)
    same_facts = 0
    for event, url, title in members(corpus, COVERAGE):
        origin, cover = pages[event.key], pages[url]
        assert origin.published and cover.published and origin.published <= cover.published
        if cover.relation != COVERAGE:
            # drawn on its own, yet stating an earlier story's facts (the same release,
            # CVE, deal…): the same event, whoever wrote it and whichever day
            same_facts += 1
            continue
        assert cover.host != origin.host
        assert title != event.members[0].title  # another headline form
        assert cover.body_text != origin.body_text or not cover.body_text  # its own text
        assert cover.site_name != origin.site_name
    assert same_facts < len(members(corpus, COVERAGE)) / 2


def test_syndicated_copies_and_cross_posts_republish_the_origin_text(corpus: Corpus) -> None:
    pages = pages_by_url(corpus)
    compared = 0
    for relation in (SYNDICATED, CROSSPOST):
        for _, url, title in members(corpus, relation):
            copy = pages[url]
            origin = pages[copy.event_key]  # the story it republishes (its event may be
            assert copy.host != origin.host  # one with an earlier story of the same facts)
            original = origin.title or ""
            assert title == original or (original in title and title != original)
            # (a blog without dates in its paths may reuse a slug on a later date: that
            # later post is what its URL serves, and not what was copied)
            copied = origin.published and copy.published and origin.published <= copy.published
            if copied and origin.kind == copy.kind == "good" and origin.detail != "paywall":
                credit = copy.paragraphs[-1]
                assert origin.site_name in credit
                assert copy.body_text == origin.body_text + "\n\n" + credit
                compared += 1
    assert compared >= 10


def test_press_releases_are_on_the_companys_own_blog(corpus: Corpus) -> None:
    blog_hosts = {urlsplit(f.url).hostname for f in corpus.feeds if f.role == "blog"}
    pages = pages_by_url(corpus)
    found = members(corpus, PRESS_RELEASE)
    assert found
    for event, url, _ in found:
        assert event.kind in ("incident", "acquisition", "funding")
        assert pages[url].host in blog_hosts
    # an acquisition is sometimes announced by both companies (within a few days)
    both = [
        e
        for day in (corpus, *(build_corpus(corpus.day + timedelta(days=k)) for k in (1, 2)))
        for e in day.near_duplicates
        if Counter(m.relation for m in e.members)[PRESS_RELEASE] > 1
    ]
    assert both and {e.kind for e in both} == {"acquisition"}


def test_siblings_are_events_of_their_own(corpus: Corpus) -> None:
    siblings = [p for p in corpus.article_pages if p.relation == SIBLING]
    # (unless another story happened to state the very facts a sibling changed)
    apart = [p for p in siblings if corpus.labels.relation_of(p.url) == SIBLING]
    assert len(apart) >= 4 and len(apart) >= len(siblings) - 1
    for page in apart:
        assert page.event_key == page.url
        assert corpus.labels.event_of("any", None, page.url) == page.url
        # (a later story may state the sibling's own facts: then it is that event's origin)
        assert all(
            m.url != page.url or e.key == page.url
            for e in corpus.near_duplicates
            for m in e.members
        )


def test_every_url_of_an_event_is_served_by_the_replay_server(corpus: Corpus) -> None:
    pages = pages_by_url(corpus)
    for event in corpus.near_duplicates:
        for member in event.members:
            if member.relation == HTTPS:
                continue  # a spelling of the origin: the plain-HTTP server cannot answer it
            page = pages[member.url]
            doc = corpus.lookup(page.host, page.path)
            assert doc is not None and doc.body == page.html_bytes, member.url


def test_aggregators_link_other_urls_of_shared_stories(corpus: Corpus) -> None:
    moved = [
        o
        for s in corpus.shared_stories
        for o in s.occurrences
        if page_key(o.url) != page_key(s.url)
    ]
    assert len(moved) >= 10
    for story in corpus.shared_stories:
        for o in story.occurrences:
            event = corpus.labels.event_of("feed", None, story.url)
            assert corpus.labels.event_of(o.source_id, None, o.url) == event, o


def test_labels_cover_every_feed_entry_and_platform_post(corpus: Corpus) -> None:
    labels = corpus.labels
    checked = 0
    for feed in corpus.feeds:
        if feed.role in ("broken", "platform"):
            continue
        parts = urlsplit(feed.url)
        doc = corpus.lookup(parts.netloc, parts.path)
        assert doc is not None
        if feed.format == "jsonfeed11":
            links = [i.get("url") for i in json.loads(doc.body)["items"]]
        else:
            links = [e.get("link") for e in feedparser.parse(doc.body).entries]
        for link in links:
            assert link, feed.source_id
            assert labels.event_of(feed.source_id, None, urljoin(feed.url, link)), link
            checked += 1
    for post in corpus.platform_posts:
        assert labels.event_of(post.source_id, post.external_id, post.url)
        if post.article_url:
            assert labels.event_of(post.source_id, post.external_id, None) == labels.event_of(
                "feed", None, post.article_url
            )
        checked += 1
    assert checked > 2000


def test_https_spellings_belong_to_their_origins_event(corpus: Corpus) -> None:
    for event, url, _ in members(corpus, HTTPS):
        assert url.startswith("https://")
        assert corpus.labels.event_of("feed", None, url) == event.key
        assert corpus.labels.relation_of(url) == HTTPS
