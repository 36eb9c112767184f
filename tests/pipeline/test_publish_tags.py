"""`publish`: the latest digest's files and its per-tag folders `published/tags/<slug>/`,
whose names cannot escape that folder, whose links resolve, and whose feeds empty out when
their tag leaves the digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest

from riverbed.lake import Lake
from riverbed.pipeline.publish import publish, tag_digests, to_digest

DAY1, DAY2 = "2026-11-24", "2026-11-25"
FILES = {"index.html", "index.md", "feed.xml", "feed.json"}


def row(rank: int, sid: str, tags: list[str], date: str = DAY1) -> dict[str, Any]:
    at = datetime.fromisoformat(f"{date}T{8 + rank:02d}:00:00+00:00")
    return {
        "digest_date": date,
        "rank": rank,
        "story_id": sid,
        "title": f"Story {sid}",
        "url": f"https://example.com/{sid}",
        "score": 1.0 / rank,
        "why": f"ranked {rank}",
        "discussions": [
            {
                "source_id": "hackernews",
                "url": f"https://example.com/{sid}",
                "comments_url": f"https://news.example.com/item?id={rank}",
                "score": 10 * rank,
                "comments": rank,
            }
        ],
        "source_ids": ["hackernews"],
        "published_at": at,
        "first_seen_at": at,
        "excerpt": f"About {sid}.",
        "topic_id": None,
        "topic_label": None,
        "tags": tags,
        "topic_rank": 1,
    }


ROWS = [
    row(1, "pg", ["tech", "databases"]),
    row(2, "rs", ["tech", "Rust"]),
    row(3, "rs2", ["rust", "C++"]),
    row(4, "ml", ["machine learning"]),
]


def rss_ids(path: Path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [e.id for e in parsed.entries]


def test_every_tag_of_the_latest_digest_has_its_four_files(tmp_path: Path) -> None:
    publish(Lake(tmp_path), ROWS, DAY1)
    tags = tmp_path / "published" / "tags"
    expected = {
        "tech": ["pg", "rs"],
        "databases": ["pg"],
        "rust": ["rs", "rs2"],  # 'Rust' and 'rust' are one tag
        "cplusplus": ["rs2"],
        "machine-learning": ["ml"],
    }
    assert {p.name for p in tags.iterdir() if p.is_dir()} == set(expected)
    for slug, ids in expected.items():
        assert {p.name for p in (tags / slug).iterdir()} == FILES
        assert rss_ids(tags / slug / "feed.xml") == ids
        feed = json.loads((tags / slug / "feed.json").read_text())
        assert [i["id"] for i in feed["items"]] == ids
        md = (tags / slug / "index.md").read_text()
        assert all(f"[Story {sid}](https://example.com/{sid})" in md for sid in ids)
        doc = lxml.html.document_fromstring((tags / slug / "index.html").read_bytes())
        assert [a.get("data-story-id") for a in doc.cssselect("article.story")] == ids
    assert json.loads((tags / "index.json").read_text()) == {
        "cplusplus": {"tag": "C++", "stories": 1},
        "databases": {"tag": "databases", "stories": 1},
        "machine-learning": {"tag": "machine learning", "stories": 1},
        "rust": {"tag": "Rust", "stories": 2},
        "tech": {"tag": "tech", "stories": 2},
    }
    title = lxml.html.document_fromstring((tags / "rust" / "index.html").read_bytes())
    assert title.cssselect("h1")[0].text_content() == "riverbed digest — Rust"


def test_tag_links_on_the_latest_page_and_tag_pages_resolve(tmp_path: Path) -> None:
    publish(Lake(tmp_path), ROWS, DAY1)
    published = tmp_path / "published"
    pages = [published / "index.html", *published.glob("tags/*/index.html")]
    checked = 0
    for page in pages:
        doc = lxml.html.document_fromstring(page.read_bytes())
        for a in doc.cssselect("a.tag"):
            target = (page.parent / a.get("href")).resolve()
            assert target.is_relative_to((published / "tags").resolve()), a.get("href")
            assert target.is_file(), (page, a.get("href"))
            checked += 1
        for href in [a.get("href") for a in doc.cssselect("footer a")]:
            assert (page.parent / href).resolve().is_file(), (page, href)
        for name in ("feed.xml", "feed.json", "index.md"):
            assert (page.parent / name).is_file()
    assert checked >= 7 + 5  # the cards' tags, and each tag listed on tags/index.html
    tag_index = lxml.html.document_fromstring((published / "tags" / "index.html").read_bytes())
    listed = [(a.text_content(), a.get("href")) for a in tag_index.cssselect("a.tag")]
    # most stories first, then by slug
    assert listed == [
        ("Rust", "rust/index.html"),
        ("tech", "tech/index.html"),
        ("C++", "cplusplus/index.html"),
        ("databases", "databases/index.html"),
        ("machine learning", "machine-learning/index.html"),
    ]
    for href in [a.get("href") for a in tag_index.cssselect("a")]:
        assert (published / "tags" / href).resolve().is_file(), href
    # a day's own page is left as that day showed it: tags there are text, not links
    day_page = lxml.html.document_fromstring(
        (published / "digest" / DAY1 / "index.html").read_bytes()
    )
    assert day_page.cssselect(".tag") and not day_page.cssselect("a.tag")


@pytest.mark.parametrize(
    "hostile",
    [
        "../../../outside",
        "/etc/cron.d",
        "..",
        ".",
        "a\\..\\..\\b",
        "tags/../../x",
        "\x00..",
        "日本",
    ],
)
def test_hostile_tags_cannot_write_outside_their_folder(tmp_path: Path, hostile: str) -> None:
    lake = tmp_path / "lake"
    publish(Lake(lake), [row(1, "x", [hostile, "ok"])], DAY1)
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert all(p.startswith("lake/published/") for p in everything), everything
    tag_dirs = [p for p in (lake / "published" / "tags").iterdir() if p.is_dir()]
    assert len(tag_dirs) == 2
    for d in tag_dirs:
        assert {p.name for p in d.iterdir()} == FILES
        assert rss_ids(d / "feed.xml") == ["x"]


def test_a_tag_that_left_the_digest_has_its_feed_emptied(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    publish(lake, ROWS, DAY1)
    tags = tmp_path / "published" / "tags"
    (tags / "Not A Slug").mkdir()  # something else under tags/: left alone
    publish(lake, [row(1, "new", ["tech"], DAY2)], DAY2)
    assert rss_ids(tags / "tech" / "feed.xml") == ["new"]
    for slug in ("databases", "rust", "cplusplus", "machine-learning"):
        assert rss_ids(tags / slug / "feed.xml") == [], slug
        assert json.loads((tags / slug / "feed.json").read_text())["items"] == []
    index = json.loads((tags / "index.json").read_text())
    assert index["tech"] == {"tag": "tech", "stories": 1}
    assert index["rust"] == {"tag": "Rust", "stories": 0}  # the spelling it was shown with
    assert "Not A Slug" not in index and not any((tags / "Not A Slug").iterdir())
    emptied = lxml.html.document_fromstring((tags / "rust" / "index.html").read_bytes())
    assert emptied.cssselect("h1")[0].text_content() == "riverbed digest — Rust"
    assert "No stories in this digest." in emptied.text_content()


def test_an_older_digest_published_later_leaves_the_latest_and_tags_alone(
    tmp_path: Path,
) -> None:
    lake = Lake(tmp_path)
    publish(lake, [row(1, "new", ["tech"], DAY2)], DAY2)
    written = publish(lake, ROWS, DAY1)
    assert "latest" not in written
    tags = tmp_path / "published" / "tags"
    assert {p.name for p in tags.iterdir() if p.is_dir()} == {"tech"}
    assert rss_ids(tags / "tech" / "feed.xml") == ["new"]
    assert rss_ids(tmp_path / "published" / "feed.xml") == ["new"]
    assert rss_ids(tmp_path / "published" / "digest" / DAY1 / "feed.xml") == [
        "pg",
        "rs",
        "rs2",
        "ml",
    ]


def test_the_latest_files_include_markdown(tmp_path: Path) -> None:
    publish(Lake(tmp_path), ROWS, DAY1)
    published = tmp_path / "published"
    assert (published / "index.md").read_bytes() == (
        published / "digest" / DAY1 / "index.md"
    ).read_bytes()


def test_tag_digests_keep_the_digests_ranks() -> None:
    digest = to_digest(ROWS, DAY1)
    by_slug = tag_digests(digest)
    assert [e.rank for e in by_slug["tech"].digest.entries] == [1, 2]
    assert by_slug["rust"].tag == "Rust"
    assert by_slug["rust"].digest.generated_at == digest.generated_at
    assert digest.generated_at == datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_with_a_public_url_every_feed_names_its_own_url_and_page(tmp_path: Path) -> None:
    publish(Lake(tmp_path), ROWS, DAY1, public_url="https://news.example.org/riverbed")
    published = tmp_path / "published"
    base = "https://news.example.org/riverbed/"
    expected = {
        published / "feed.xml": (base, f"{base}feed.xml"),
        published / "digest" / DAY1 / "feed.xml": (base, f"{base}digest/{DAY1}/feed.xml"),
        published / "tags" / "rust" / "feed.xml": (
            f"{base}tags/rust/",
            f"{base}tags/rust/feed.xml",
        ),
    }
    for path, (home, self_url) in expected.items():
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo
        assert parsed.feed.link == home
        assert [lk.href for lk in parsed.feed.links if lk.rel == "self"] == [self_url]
        feed = json.loads(path.with_suffix(".json").read_text())
        assert (feed["home_page_url"], feed["feed_url"]) == (
            home,
            self_url.removesuffix(".xml") + ".json",
        )


def test_without_a_public_url_feeds_leave_their_urls_out(tmp_path: Path) -> None:
    publish(Lake(tmp_path), ROWS, DAY1)
    feed = json.loads((tmp_path / "published" / "feed.json").read_text())
    assert "home_page_url" not in feed and "feed_url" not in feed


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/riverbed/", "ftp://example.org/"])
def test_a_public_url_that_is_not_http_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match="not an absolute http"):
        publish(Lake(tmp_path), ROWS, DAY1, public_url=url)
    assert not (tmp_path / "published").exists()


def test_an_emptied_tag_folder_is_not_rewritten_again(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    publish(lake, ROWS, DAY1)
    publish(lake, [row(1, "new", ["tech"], DAY2)], DAY2)
    emptied = tmp_path / "published" / "tags" / "rust" / "feed.xml"
    emptied.write_bytes(b"left as it was")
    publish(lake, [row(1, "newer", ["tech"], "2026-11-26")], "2026-11-26")
    assert emptied.read_bytes() == b"left as it was"
    index = json.loads((tmp_path / "published" / "tags" / "index.json").read_text())
    assert index["rust"] == {"tag": "Rust", "stories": 0}


def test_a_story_counts_for_the_tags_its_card_shows(tmp_path: Path) -> None:
    many = [f"tag {n:02d}" for n in range(30)]
    publish(Lake(tmp_path), [row(1, "x", many)], DAY1)
    published = tmp_path / "published"
    folders = {p.name for p in (published / "tags").iterdir() if p.is_dir()}
    assert folders == {f"tag-{n:02d}" for n in range(20)}
    doc = lxml.html.document_fromstring((published / "index.html").read_bytes())
    links = [a.get("href") for a in doc.cssselect("a.tag")]
    assert len(links) == 20 and all((published / h).is_file() for h in links)
