"""What `riverbed demo` publishes, read from the session's demo lake (`local_demo`'s pristine
copy, never changed): the latest digest page keeps the card contract the browser tests rely
on, and every tag of the latest digest has its own page and feeds under `published/tags/`."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import feedparser
import lxml.html
import pytest

from riverbed.core.render import tags_by_slug
from riverbed.core.render.view import MAX_TAGS
from riverbed.lake import Lake
from riverbed.lake.query import connect

pytestmark = pytest.mark.slow

FILES = {"index.html", "index.md", "feed.xml", "feed.json"}


@pytest.fixture(scope="module")
def published(local_demo: dict[str, object]) -> dict[str, object]:
    lake = local_demo["pristine"]
    assert isinstance(lake, Path)
    con = connect(Lake(lake))
    (day,) = con.execute("select max(digest_date) from digest").fetchone()
    rows = con.execute(
        "select story_id, rank, tags from digest where digest_date = ? order by rank", [day]
    ).fetchall()
    return {"dir": lake / "published", "day": day, "rows": rows}


def test_the_latest_page_keeps_the_card_contract(published: dict[str, object]) -> None:
    top = published["dir"]
    assert isinstance(top, Path)
    doc = lxml.html.document_fromstring((top / "index.html").read_bytes())
    cards = doc.cssselect("article.story[data-story-id]")
    assert [c.get("data-story-id") for c in cards] and sorted(
        c.get("data-story-id") for c in cards
    ) == sorted(r[0] for r in published["rows"])  # type: ignore[union-attr]
    for card in cards:
        assert card.get("id") == "story-" + card.get("data-story-id")
        (title,) = card.cssselect("h2 > a.story-title, h3 > a.story-title")
        assert title.get("href").startswith(("http://", "https://")), title.text_content()
        assert card.cssselect(".sources") and card.cssselect(".why")
        assert card.cssselect("ul.discussions li a")
    assert sum(bool(c.cssselect(".summary")) for c in cards) >= len(cards) * 0.8
    assert doc.cssselect("nav.topics a") and doc.cssselect("section.topic")
    assert not doc.xpath("//script|//img|//iframe|//*[@src]")
    assert (top / "index.md").read_bytes() == (
        top / "digest" / str(published["day"]) / "index.md"
    ).read_bytes()


def test_every_tag_of_the_latest_digest_has_its_page_and_feeds(
    published: dict[str, object],
) -> None:
    top = published["dir"]
    assert isinstance(top, Path)
    by_slug: dict[str, list[str]] = defaultdict(list)
    for story_id, _, tags in published["rows"]:  # type: ignore[union-attr]
        # a story counts for the first MAX_TAGS tags, the ones its card shows
        for slug in list(tags_by_slug(tags or []))[:MAX_TAGS]:
            by_slug[slug].append(story_id)
    assert len(by_slug) >= 5, sorted(by_slug)  # the demo's sources and items carry tags
    index = json.loads((top / "tags" / "index.json").read_text())
    assert {s: v["stories"] for s, v in index.items() if v["stories"]} == {
        s: len(ids) for s, ids in by_slug.items()
    }
    for slug, ids in by_slug.items():
        folder = top / "tags" / slug
        assert {p.name for p in folder.iterdir()} >= FILES, slug
        parsed = feedparser.parse((folder / "feed.xml").read_bytes())
        assert not parsed.bozo and [e.id for e in parsed.entries] == ids, slug
        feed = json.loads((folder / "feed.json").read_text())
        assert [i["id"] for i in feed["items"]] == ids
        page = lxml.html.document_fromstring((folder / "index.html").read_bytes())
        shown = [a.get("data-story-id") for a in page.cssselect("article.story")]
        assert sorted(shown) == sorted(ids), slug  # grouped by topic, so not in rank order
    # the latest page links each tag to its page
    doc = lxml.html.document_fromstring((top / "index.html").read_bytes())
    links = {a.get("href") for a in doc.cssselect("a.tag")}
    assert links == {f"tags/{slug}/index.html" for slug in by_slug}
