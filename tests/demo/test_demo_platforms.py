"""The demo's platform sources (Hacker News, Reddit, Lobsters): deterministic, in the real
APIs' shapes, cross-posting the corpus's own articles, and wired into the catalogue."""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
from demo_testkit import DAY, http_get
from ruamel.yaml import YAML

from riverbed.core.catalogue.loader import parse_catalogue
from riverbed.core.urls import canonical_url
from riverbed.demo.corpus import Corpus, PlatformPost, build_corpus
from riverbed.demo.platforms import (
    HN_HOST,
    HN_LIMIT,
    LOBSTERS_HOST,
    PLATFORM_SOURCES,
    REDDIT_HOST,
    REDDIT_LIMIT,
    lobsters_time,
)
from riverbed.demo.server import ReplayServer
from riverbed.sources.hackernews import parse_hn_item, parse_hn_list
from riverbed.sources.lobsters import parse_lobsters_listing
from riverbed.sources.reddit import listing_url, parse_reddit_listing

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms"
WINDOW_END = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
WINDOW_START = WINDOW_END - timedelta(days=3)
KINDS = ("hackernews", "reddit", "lobsters")


def doc_json(corpus: Corpus, host: str, path: str) -> Any:
    doc = corpus.lookup(host, path)
    assert doc is not None, (host, path)
    assert doc.status == 200
    assert doc.content_type.startswith("application/json")
    return json.loads(doc.body)


def posts(corpus: Corpus, kind: str, *, live: bool = True) -> list[PlatformPost]:
    return [p for p in corpus.platform_posts if p.kind == kind and (p.is_item or not live)]


def hn_items(corpus: Corpus) -> dict[int, Any]:
    ids = doc_json(corpus, HN_HOST, "/v0/topstories.json")
    return {i: doc_json(corpus, HN_HOST, f"/v0/item/{i}.json") for i in ids}


def reddit_children(corpus: Corpus) -> list[dict[str, Any]]:
    listing = doc_json(corpus, REDDIT_HOST, "/r/programming/hot.json")
    return [c["data"] for c in listing["data"]["children"]]


def lobsters_stories(corpus: Corpus) -> list[dict[str, Any]]:
    return doc_json(corpus, LOBSTERS_HOST, "/hottest.json")


def cross_posted(corpus: Corpus) -> dict[str, dict[str, PlatformPost]]:
    """Canonical article URL -> {kind: post}, for articles posted on every platform."""
    by_url: defaultdict[str, dict[str, PlatformPost]] = defaultdict(dict)
    for post in corpus.platform_posts:
        if post.url and post.is_item:
            by_url[str(canonical_url(post.url))][post.kind] = post
    return {url: found for url, found in by_url.items() if set(found) == set(KINDS)}


# -- determinism -----------------------------------------------------------------------------


def test_platform_posts_are_deterministic(corpus: Corpus) -> None:
    again = build_corpus(DAY)
    assert again.platform_posts == corpus.platform_posts
    platform_hosts = {HN_HOST, REDDIT_HOST, LOBSTERS_HOST}
    served = {k: d for k, d in corpus.documents.items() if k[0] in platform_hosts}
    assert len(served) > 30
    assert served == {k: d for k, d in again.documents.items() if k[0] in platform_hosts}
    assert build_corpus(DAY, seed=8).platform_posts != corpus.platform_posts


def test_consecutive_days_repeat_the_overlapping_posts_unchanged(corpus: Corpus) -> None:
    """Posts depend on (seed, date): the window moves on and yesterday's posts come back
    identical, on the same ids (only their ranking in the listings changes)."""
    tomorrow = build_corpus(DAY + timedelta(days=1))
    cutoff = WINDOW_START + timedelta(days=1)
    overlap = [p for p in corpus.platform_posts if p.published >= cutoff]
    later = {(p.source_id, p.external_id): p for p in tomorrow.platform_posts}
    assert len(overlap) > 30
    for post in overlap:
        assert later[(post.source_id, post.external_id)] == post
    for post in overlap:
        if post.kind == "hackernews":
            path = f"/v0/item/{post.external_id}.json"
            assert tomorrow.lookup(HN_HOST, path) == corpus.lookup(HN_HOST, path)
    oldest = {(p.source_id, p.external_id) for p in corpus.platform_posts if p.published < cutoff}
    assert oldest
    assert not oldest & set(later)  # the oldest date has left tomorrow's window
    assert set(later) - {(p.source_id, p.external_id) for p in overlap}  # and a new one came


def test_posts_are_dated_inside_the_window(corpus: Corpus) -> None:
    assert len(corpus.platform_posts) == 3 * (9 + 7 + 7) + 1
    for post in corpus.platform_posts:
        assert post.published.tzinfo is UTC
        assert WINDOW_START <= post.published < WINDOW_END, post
        assert post.published.microsecond == 0


# -- the catalogue -----------------------------------------------------------------------------


def test_catalogue_has_one_source_of_each_platform_kind(corpus: Corpus) -> None:
    catalogue = parse_catalogue(corpus.catalogue_yaml(port=43210), env={})
    platform = {s.id: s for s in catalogue.sources if s.kind in KINDS}
    assert {s.kind for s in platform.values()} == set(KINDS)
    hn, reddit, lobsters = (
        platform["hackernews"],
        platform["reddit-programming"],
        platform["lobsters"],
    )
    assert (hn.url, hn.listing, hn.limit) == (f"http://{HN_HOST}", "top", HN_LIMIT)
    assert (reddit.url, reddit.subreddit, reddit.listing, reddit.limit) == (
        f"http://{REDDIT_HOST}",
        "programming",
        "hot",
        REDDIT_LIMIT,
    )
    assert (lobsters.url, lobsters.listing) == (f"http://{LOBSTERS_HOST}", "hottest")
    settings = catalogue.settings
    for host in (HN_HOST, REDDIT_HOST, LOBSTERS_HOST):
        assert settings.resolve[host] == "127.0.0.1:43210"
        assert host in settings.allow_private_hosts
    text = corpus.catalogue_yaml(port=43210)
    assert "  # Hacker News: top stories (Hacker News API v0, platform)" in text
    data = YAML(typ="safe").load(StringIO(text))
    assert [s for s in data["sources"] if s["kind"] in KINDS] == [
        s for s in corpus.sources if s["kind"] in KINDS
    ]


def test_platform_feed_info_counts_the_items_a_collector_keeps(corpus: Corpus) -> None:
    info = {f.source_id: f for f in corpus.feeds if f.role == "platform"}
    assert set(info) == {p.source_id for p in PLATFORM_SOURCES}
    for source_id, feed in info.items():
        kept = [p for p in corpus.platform_posts if p.source_id == source_id and p.is_item]
        assert feed.n_items == feed.n_distinct == len(kept) > 15
        assert feed.format in KINDS


def test_listings_fit_in_what_the_collectors_fetch(corpus: Corpus) -> None:
    assert len(doc_json(corpus, HN_HOST, "/v0/topstories.json")) <= HN_LIMIT
    listing = doc_json(corpus, REDDIT_HOST, "/r/programming/hot.json")
    assert len(listing["data"]["children"]) <= REDDIT_LIMIT
    assert listing["data"]["after"] is None  # the end of the listing: nothing to page through
    assert len(lobsters_stories(corpus)) <= 25  # one Lobsters page


# -- Hacker News (Firebase API v0) -----------------------------------------------------------


def test_hn_lists_are_arrays_of_item_ids(corpus: Corpus) -> None:
    items = hn_items(corpus)
    top = list(items)
    assert all(isinstance(i, int) and i > 0 for i in top)
    assert len(set(top)) == len(top) == len(posts(corpus, "hackernews", live=False))
    new = doc_json(corpus, HN_HOST, "/v0/newstories.json")
    assert new == sorted(new, reverse=True)
    best = doc_json(corpus, HN_HOST, "/v0/beststories.json")
    scores = [items[i]["score"] for i in best]
    assert scores == sorted(scores, reverse=True)
    ask = doc_json(corpus, HN_HOST, "/v0/askstories.json")
    assert ask and all(items[i]["title"].startswith("Ask HN:") for i in ask)
    assert set(new) == set(best) | set(ask)  # dead and deleted items only linger in top
    # a later id is a later post, as on the real site
    times = [items[i]["time"] for i in sorted(items)]
    assert times == sorted(times)


def test_hn_items_follow_the_firebase_schema(corpus: Corpus) -> None:
    kinds: Counter[str] = Counter()
    for item_id, item in hn_items(corpus).items():
        assert item["id"] == item_id
        assert item["type"] == "story"
        assert isinstance(item["time"], int)
        doc = corpus.lookup(HN_HOST, f"/v0/item/{item_id}.json")
        assert doc is not None
        assert doc.body == json.dumps(item, separators=(",", ":"), sort_keys=True).encode()
        if item.get("deleted"):
            kinds["deleted"] += 1
            assert set(item) == {"deleted", "id", "time", "type"}
            continue
        assert isinstance(item["by"], str) and item["by"]
        assert isinstance(item["title"], str) and item["title"]
        assert isinstance(item["score"], int)
        if item.get("dead"):
            kinds["dead"] += 1
            assert set(item) == {"by", "dead", "id", "score", "time", "title", "type", "url"}
            continue
        assert isinstance(item["descendants"], int) and item["descendants"] >= 0
        kids = item.get("kids", [])
        assert len(kids) <= item["descendants"]
        assert all(isinstance(k, int) and k > item_id for k in kids)
        assert bool(kids) == (item["descendants"] > 0)
        if "url" in item:
            kinds["link"] += 1
            assert "text" not in item
            assert item["url"].startswith("http://")
        else:
            kinds["ask"] += 1
            assert item["title"].startswith("Ask HN: ")
            assert "<p>" in item["text"] and "'" not in item["text"]  # HN writes &#x27;
            keys = {"by", "descendants", "id", "kids", "score", "text", "time", "title", "type"}
            assert set(item) == keys
    assert kinds == {"link": 21, "ask": 3, "dead": kinds["dead"], "deleted": kinds["deleted"]}
    assert kinds["dead"] >= 1 and kinds["deleted"] >= 1
    assert kinds["dead"] + kinds["deleted"] == 3


def test_hn_items_read_as_recorded(corpus: Corpus) -> None:
    expected = {p.external_id: p for p in posts(corpus, "hackernews", live=False)}
    for item_id in parse_hn_list(corpus.lookup(HN_HOST, "/v0/topstories.json").body):  # type: ignore[union-attr]
        post = expected.pop(str(item_id))
        parsed = parse_hn_item(corpus.lookup(HN_HOST, f"/v0/item/{item_id}.json").body)  # type: ignore[union-attr]
        if not post.is_item:
            assert parsed is None  # dead and deleted items are skipped
            continue
        assert parsed is not None
        assert (parsed.title, parsed.url, parsed.score, parsed.comments) == (
            post.title,
            post.url,
            post.score,
            post.comments,
        )
        assert parsed.published_at == post.published
        assert (
            parsed.comments_url
            == post.comments_url
            == f"https://news.ycombinator.com/item?id={item_id}"
        )
    assert not expected


# -- Reddit (subreddit listing JSON) ---------------------------------------------------------


def _fixture_post_keys() -> set[str]:
    listing = json.loads((FIXTURES / "reddit/r/programming/hot.json").read_bytes())
    link = next(c["data"] for c in listing["data"]["children"] if not c["data"]["is_self"])
    return set(link)


def test_reddit_listing_follows_the_api_schema(corpus: Corpus) -> None:
    listing = doc_json(corpus, REDDIT_HOST, "/r/programming/hot.json")
    assert listing["kind"] == "Listing"
    assert list(listing["data"]) == ["after", "dist", "modhash", "geo_filter", "children", "before"]
    children = listing["data"]["children"]
    assert listing["data"]["dist"] == len(children)
    real_keys = _fixture_post_keys()
    for child in children:
        assert child["kind"] == "t3"
        post = child["data"]
        keys = set(post)
        assert keys == (real_keys - {"url_overridden_by_dest"} if post["is_self"] else real_keys)
        assert post["name"] == f"t3_{post['id']}"
        assert re.fullmatch(r"[0-9a-z]{7}", post["id"])
        assert isinstance(post["created_utc"], float) and post["created_utc"].is_integer()
        assert post["created"] == post["created_utc"]
        assert isinstance(post["score"], int) and post["ups"] == post["score"]
        assert isinstance(post["num_comments"], int)
        assert post["permalink"].startswith(f"/r/programming/comments/{post['id']}/")
        assert post["subreddit"] == "programming" and post["subreddit_id"] == "t5_2fwo"
        for field in ("title", "url", "selftext"):  # & < > escaped as entities, once
            assert not re.search(r"&(?!amp;|lt;|gt;)|[<>]", post[field]), (field, post[field])
        if post["is_self"]:
            assert post["domain"] == "self.programming" and post["thumbnail"] == "self"
            assert post["url"] == "https://www.reddit.com" + post["permalink"]
            assert post["selftext_html"].startswith('&lt;!-- SC_OFF --&gt;&lt;div class="md"&gt;')
        else:
            assert post["url_overridden_by_dest"] == post["url"]
            assert post["domain"] == urlsplit(html.unescape(post["url"])).hostname.removeprefix(
                "www."
            )  # type: ignore[union-attr]
            assert post["selftext"] == "" and post["selftext_html"] is None


def test_reddit_has_self_stickied_and_over_18_posts(corpus: Corpus) -> None:
    children = reddit_children(corpus)
    stickied = [p for p in children if p["stickied"]]
    assert len(stickied) == 1
    assert children[0] is stickied[0]  # pinned on top of hot
    assert stickied[0]["is_self"] and stickied[0]["distinguished"] == "moderator"
    assert "&amp;" in stickied[0]["title"] and "&amp;amp;" in stickied[0]["selftext_html"]
    nsfw = [p for p in children if p["over_18"]]
    assert len(nsfw) == 1 and nsfw[0]["thumbnail"] == "nsfw" and not nsfw[0]["is_self"]
    selfs = [p for p in children if p["is_self"] and not p["stickied"]]
    assert len(selfs) == 3 and all(p["selftext"] for p in selfs)
    assert any("&amp;utm_medium=" in p["url"] for p in children)  # a tracked, escaped link
    hot = [p["name"] for p in children]
    new = [
        c["data"]["name"]
        for c in doc_json(corpus, REDDIT_HOST, "/r/programming/new.json")["data"]["children"]
    ]
    assert sorted(hot) == sorted(new) and hot != new


def test_reddit_posts_read_as_recorded(corpus: Corpus) -> None:
    body = corpus.lookup(REDDIT_HOST, "/r/programming/hot.json").body  # type: ignore[union-attr]
    parsed = {i.external_id: i for i in parse_reddit_listing(body).items}
    expected = {p.external_id: p for p in posts(corpus, "reddit")}
    assert set(parsed) == set(expected)
    for fullname, post in expected.items():
        item = parsed[fullname]
        assert (item.title, item.url, item.score, item.comments) == (
            post.title,
            post.url,
            post.score,
            post.comments,
        )
        assert item.published_at == post.published
        assert item.comments_url == post.comments_url
        assert post.comments_url.startswith("https://www.reddit.com/r/programming/comments/")
    titles = [p.title or "" for p in expected.values()]
    assert any("&" in t for t in titles)  # unescaped exactly once


# -- Lobsters ----------------------------------------------------------------------------------


def test_lobsters_stories_follow_the_api_schema(corpus: Corpus) -> None:
    real_keys = set(json.loads((FIXTURES / "lobsters/hottest.json").read_bytes())[0])
    stories = lobsters_stories(corpus)
    newest = doc_json(corpus, LOBSTERS_HOST, "/newest.json")
    assert sorted(s["short_id"] for s in stories) == sorted(s["short_id"] for s in newest)
    assert len({s["short_id"] for s in stories}) == len(stories)
    for story in stories:
        assert set(story) == real_keys
        short_id = story["short_id"]
        assert re.fullmatch(r"[a-z0-9]{6}", short_id)
        assert story["short_id_url"] == f"https://lobste.rs/s/{short_id}"
        assert story["comments_url"].startswith(story["short_id_url"] + "/")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000-0[56]:00", story["created_at"]), (
            story["created_at"]
        )
        assert isinstance(story["score"], int) and isinstance(story["comment_count"], int)
        assert isinstance(story["submitter_user"], str)
        assert story["tags"] and all(isinstance(t, str) for t in story["tags"])
        if story["url"] == "":
            assert "ask" in story["tags"]
            assert story["description"].startswith("<p>") and story["description_plain"]
        else:
            assert story["url"].startswith("http://")
    times = [datetime.fromisoformat(s["created_at"]) for s in newest]
    assert times == sorted(times, reverse=True)


def test_lobsters_time_is_us_central() -> None:
    assert (
        lobsters_time(datetime(2025, 1, 15, 12, 0, tzinfo=UTC)) == "2025-01-15T06:00:00.000-06:00"
    )
    assert (
        lobsters_time(datetime(2025, 6, 12, 12, 0, tzinfo=UTC)) == "2025-06-12T07:00:00.000-05:00"
    )
    # 2025-03-09 02:00 CST = 08:00 UTC (spring forward); 2025-11-02 02:00 CDT = 07:00 UTC
    assert lobsters_time(datetime(2025, 3, 9, 7, 59, tzinfo=UTC)).endswith("-06:00")
    assert lobsters_time(datetime(2025, 3, 9, 8, 0, tzinfo=UTC)).endswith("-05:00")
    assert lobsters_time(datetime(2025, 11, 2, 6, 59, tzinfo=UTC)).endswith("-05:00")
    assert lobsters_time(datetime(2025, 11, 2, 7, 0, tzinfo=UTC)).endswith("-06:00")


def test_lobsters_stories_read_as_recorded(corpus: Corpus) -> None:
    body = corpus.lookup(LOBSTERS_HOST, "/hottest.json").body  # type: ignore[union-attr]
    parsed = {i.external_id: i for i in parse_lobsters_listing(body).items}
    expected = {p.external_id: p for p in posts(corpus, "lobsters")}
    assert set(parsed) == set(expected)
    for short_id, post in expected.items():
        item = parsed[short_id]
        assert (item.title, item.url, item.score, item.comments) == (
            post.title,
            post.url,
            post.score,
            post.comments,
        )
        assert item.published_at == post.published
        assert item.comments_url == post.comments_url


# -- what the platforms link to --------------------------------------------------------------


def test_every_platform_link_is_a_served_corpus_article(corpus: Corpus) -> None:
    """Links canonicalise to the article's own URL (http: what the replay server serves)."""
    links = [p for p in corpus.platform_posts if p.is_item and p.url]
    assert len(links) == 3 * (7 + 6 + 6)
    pages = {p.url: p for p in corpus.article_pages}
    for post in links:
        assert post.article_url is not None
        assert post.url.startswith("http://")  # type: ignore[union-attr]
        assert canonical_url(post.url) == canonical_url(post.article_url)  # type: ignore[arg-type]
        parts = urlsplit(post.article_url)
        doc = corpus.lookup(parts.netloc, parts.path)
        page = pages[post.article_url]  # an article of the corpus, with its known outcome
        assert doc is not None and doc.body == page.html_bytes and doc.status == page.status
    variants = Counter(p.url == p.article_url for p in links)
    assert variants[True] and variants[False]  # some submitters spell links differently


def test_articles_on_every_platform_are_also_in_the_feeds(corpus: Corpus) -> None:
    everywhere = cross_posted(corpus)
    assert len(everywhere) >= 6  # two a date: the top shared news story and a blog post
    feed_links: defaultdict[str, set[str]] = defaultdict(set)
    for feed in corpus.feeds:
        if feed.role in ("blog", "news", "aggregator"):
            parts = urlsplit(feed.url)
            body = corpus.lookup(parts.netloc, parts.path).body  # type: ignore[union-attr]
            for link in _feed_links(feed.format, body):
                feed_links[str(canonical_url(link))].add(feed.role)
    for url in everywhere:
        assert feed_links[url], url  # so the story merges feeds and platforms
    roles = Counter(r for url in everywhere for r in feed_links[url])
    assert roles["news"] >= 3 and roles["blog"] >= 3
    blog_links = sum(
        1
        for p in corpus.platform_posts
        if p.url and "blog" in feed_links[str(canonical_url(p.url))]
    )
    assert blog_links >= 15  # many platform posts share demo blog posts


def _feed_links(fmt: str, body: bytes) -> list[str]:
    if fmt == "jsonfeed11":
        return [i["url"] for i in json.loads(body)["items"] if i.get("url")]
    return [e.get("link") for e in feedparser.parse(body).entries if e.get("link")]


def test_self_posts_link_nowhere(corpus: Corpus) -> None:
    selfs = [p for p in corpus.platform_posts if p.is_item and p.url is None]
    labels = Counter((p.kind, label) for p in selfs for label in p.labels)
    assert labels[("hackernews", "ask")] == 3
    assert labels[("reddit", "self")] == 4 and labels[("reddit", "stickied")] == 1
    assert labels[("lobsters", "self")] == 3
    for post in selfs:
        assert post.article_url is None
        assert "self" in post.labels


# -- served over HTTP ------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORM_SOURCES, ids=lambda p: p.source_id)
def test_server_answers_the_urls_the_collectors_build(
    corpus: Corpus, server: ReplayServer, platform: Any
) -> None:
    catalogue = parse_catalogue(corpus.catalogue_yaml(port=server.port), env={})
    source = next(s for s in catalogue.sources if s.id == platform.source_id)
    if source.kind == "reddit":
        url = listing_url(source.url, source.subreddit, source.listing, source.limit)
        assert url.endswith("/r/programming/hot.json?limit=25")
    else:
        url = source.url + platform.listing_path
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    reply = http_get(server.port, parts.netloc, path)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.body == corpus.lookup(parts.netloc, parts.path).body  # type: ignore[union-attr]
    if source.kind == "reddit":  # Reddit's rate-limit headers come with every answer
        assert float(reply.headers["x-ratelimit-remaining"]) > 10
        assert reply.headers["x-ratelimit-used"] and reply.headers["x-ratelimit-reset"]
    if source.kind == "lobsters":  # the next page, as the collector would ask for it
        page2 = http_get(server.port, parts.netloc, parts.path + "?page=2")
        assert page2.status == 200 and json.loads(page2.body) == []
        again = http_get(server.port, parts.netloc, parts.path + "?utm_source=x")
        assert again.body == reply.body  # any other query is ignored
    if source.kind == "hackernews":
        first = json.loads(reply.body)[0]
        item = http_get(server.port, parts.netloc, f"/v0/item/{first}.json")
        assert item.status == 200 and json.loads(item.body)["id"] == first
        assert http_get(server.port, parts.netloc, "/v0/item/1.json").status == 404
