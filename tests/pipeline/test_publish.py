"""`digest_rows`: the day's ranked stories grouped by topic, with what the enrichers said
about each, degrading to plain ranking when an enrichment table is missing or empty; and the
published files that come out of those rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pyarrow as pa
import pytest

from riverbed.lake import Lake
from riverbed.lake.schemas import ARTICLES, DIGEST, ENRICHMENTS, ITEM_METRICS, STORIES, TOPICS
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.publish import digest_rows, digest_table, publish, to_digest

DATE = "2026-11-24"
NOW = datetime(2026, 11, 24, 18, tzinfo=UTC)

# story_id, title, hours old, sources (source, score, comments)
STORIES_SPEC: list[tuple[str, str, float, list[tuple[str, int | None, int | None]]]] = [
    (
        "pg",
        "PostgreSQL 18 released with asynchronous I/O",
        2,
        [("hackernews", 420, 160), ("lobsters", 40, 12), ("planet_pg", None, None)],
    ),
    ("duck", "DuckDB 1.4 brings MERGE INTO", 6, [("hackernews", 90, 20)]),
    ("attn", "Attention loses rank doubly exponentially", 3, [("arxiv", None, None)]),
    ("zig", "Zig 0.15 release notes", 4, [("lobsters", 30, 9), ("reddit", 300, 80)]),
    ("k8s", "Ten years of Kubernetes at a small company", 20, [("blog", None, None)]),
    ("sqlite", "SQLite in production", 12, [("hackernews", 150, 60)]),
]


def story_table() -> pa.Table:
    rows = []
    for sid, title, hours, members in STORIES_SPEC:
        at = NOW - timedelta(hours=hours)
        rows.append(
            {
                "story_id": sid,
                "date": DATE,
                "title": title,
                "url": f"https://example.com/{sid}",
                "canonical_url": f"https://example.com/{sid}",
                "item_ids": [f"{sid}:{src}" for src, _, _ in members],
                "source_ids": sorted(src for src, _, _ in members),
                "n_sources": len(members),
                "discussions": [
                    {
                        "source_id": src,
                        "url": f"https://example.com/{sid}",
                        "comments_url": f"https://{src}.example/{sid}",
                        "score": score,
                        "comments": comments,
                    }
                    for src, score, comments in members
                ],
                "published_at": at,
                "first_seen_at": at,
                "first_source_id": members[0][0],
                "excerpt": f"The feed's opening of {title}.",
                "tags": [],
                "score": None,
                "comments": None,
            }
        )
    return rows_to_table(rows, STORIES)


def metrics_table() -> pa.Table:
    rows = []
    for sid, _, _, members in STORIES_SPEC:
        for src, score, comments in members:
            if score is None:
                continue
            for hours_ago, share in ((2, 0.25), (0, 1.0)):
                rows.append(
                    {
                        "item_id": f"{sid}:{src}",
                        "source_id": src,
                        "observed_at": NOW - timedelta(hours=hours_ago),
                        "score": int(score * share),
                        "comments": int((comments or 0) * share),
                        "run_id": f"r{hours_ago}",
                    }
                )
    return rows_to_table(rows, ITEM_METRICS)


TOPIC_ROWS = [
    ("t-db", "databases", ["pg", "duck", "sqlite"]),
    ("t-lang", "programming languages", ["zig"]),
    ("t-ml", "machine learning", ["attn"]),
]


def topics_table(date: str = DATE) -> pa.Table:
    return rows_to_table(
        [
            {"digest_date": date, "topic_id": t, "label": label, "story_ids": ids, "size": len(ids)}
            for t, label, ids in TOPIC_ROWS
        ],
        TOPICS,
    )


def enrichments_table(*, with_topic_ids: bool = True) -> pa.Table:
    topic_of = {sid: t for t, _, ids in TOPIC_ROWS for sid in ids}
    rows = []
    for sid, title, _, _ in STORIES_SPEC:
        interest = ("databases", 0.8) if topic_of.get(sid) == "t-db" else (None, 0.05)
        rows.append(
            {
                "date": DATE,
                "story_id": sid,
                "lang": "en",
                "keywords": [w.lower() for w in title.split()[:2]],
                "topic_id": topic_of.get(sid) if with_topic_ids else None,
                "summary": None if sid == "k8s" else f"Summary of {title}.",
                "summary_method": None if sid == "k8s" else "extractive",
                "interest": interest[0],
                "interest_score": interest[1],
            }
        )
    return rows_to_table(rows, ENRICHMENTS)


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def test_with_every_enrichment_rows_are_grouped_by_topic_in_order_of_best_rank() -> None:
    rows = digest_rows(
        story_table(),
        DATE,
        enrichments=enrichments_table(),
        topics=topics_table(),
        item_metrics=metrics_table(),
    )
    by_rank = sorted(rows, key=lambda r: r["rank"])
    assert [r["rank"] for r in by_rank] == list(range(1, len(STORIES_SPEC) + 1))
    # display order: each group after the group of a better story, ranks ascending inside
    groups = [(r["topic_label"], r["topic_rank"], r["rank"]) for r in rows]
    assert groups == sorted(groups, key=lambda g: (g[1], g[2]))
    best_of: dict[int, int] = {}
    for label, topic_rank, rank in groups:
        if label is not None:
            best_of[topic_rank] = min(best_of.get(topic_rank, rank), rank)
    # labelled groups follow their best story's rank
    assert [best_of[k] for k in sorted(best_of)] == sorted(best_of.values())
    assert len(best_of) == 3
    assert rows[-1]["topic_label"] is None and rows[-1]["story_id"] == "k8s"  # no topic: last
    pg = next(r for r in rows if r["story_id"] == "pg")
    assert (pg["rank"], pg["topic_rank"], pg["topic_id"], pg["topic_label"]) == (
        1,
        1,
        "t-db",
        "databases",
    )
    assert pg["summary"] == "Summary of PostgreSQL 18 released with asynchronous I/O."
    assert pg["summary_method"] == "extractive"
    assert pg["keywords"] == ["postgresql", "18"]
    assert (pg["interest"], pg["interest_score"]) == ("databases", 0.8)
    assert "matches your interest “databases”" in pg["why"]
    assert "3 sources (hackernews, lobsters, planet_pg)" in pg["why"]
    # every member's link is listed under its story, with its engagement
    assert [(d["source_id"], d["score"], d["comments"]) for d in pg["discussions"]] == [
        ("hackernews", 420, 160),
        ("lobsters", 40, 12),
        ("planet_pg", None, None),
    ]
    # velocity measured from item_metrics: pg is hackernews' fastest, and hackernews reports
    # engagement for 3 items of the day: 3/5 of full credit
    assert pg["velocity"] == pytest.approx(0.6)
    k8s = rows[-1]
    assert (k8s["summary"], k8s["summary_method"]) == (None, None)
    assert k8s["excerpt"] == "The feed's opening of Ten years of Kubernetes at a small company."


@pytest.mark.parametrize(
    "missing",
    [
        {"enrichments": None, "topics": None, "item_metrics": None},
        {
            "enrichments": empty(ENRICHMENTS),
            "topics": empty(TOPICS),
            "item_metrics": empty(ITEM_METRICS),
        },
    ],
    ids=["none", "empty"],
)
def test_without_enrichments_the_digest_is_one_ranked_list(missing: dict[str, Any]) -> None:
    rows = digest_rows(story_table(), DATE, **missing)
    assert [r["rank"] for r in rows] == list(range(1, len(STORIES_SPEC) + 1))
    for r in rows:
        assert (r["topic_id"], r["topic_label"], r["topic_rank"]) == (None, None, 1)
        assert (r["summary"], r["interest"], r["interest_score"], r["keywords"]) == (
            None,
            None,
            None,
            [],
        )
        assert r["excerpt"].startswith("The feed's opening of")
    # velocity from the engagement the stories recorded, still normalised per platform: zig's
    # best is lobsters (39 in the 2 h floor against pg's 52; 2 items: 2/5 credit), above its
    # reddit post (reddit's best, but its only item: 1/5)
    zig = next(r for r in rows if r["story_id"] == "zig")
    assert zig["velocity"] == pytest.approx(0.4 * 39 / 52)
    assert digest_rows(story_table(), DATE) == rows


def test_topic_membership_comes_from_topics_when_enrichments_have_no_topic_id() -> None:
    rows = digest_rows(
        story_table(),
        DATE,
        enrichments=enrichments_table(with_topic_ids=False),
        topics=topics_table(),
    )
    assert {r["story_id"]: r["topic_id"] for r in rows} == {
        "pg": "t-db",
        "duck": "t-db",
        "sqlite": "t-db",
        "zig": "t-lang",
        "attn": "t-ml",
        "k8s": None,
    }


def test_topics_of_another_day_are_ignored() -> None:
    rows = digest_rows(story_table(), DATE, topics=topics_table("2026-11-23"))
    assert {r["topic_label"] for r in rows} == {None}


def test_limit_applies_before_grouping_and_ranks_stay_global() -> None:
    full = digest_rows(story_table(), DATE, enrichments=enrichments_table(), topics=topics_table())
    top3 = digest_rows(
        story_table(), DATE, limit=3, enrichments=enrichments_table(), topics=topics_table()
    )
    best = sorted(full, key=lambda r: r["rank"])[:3]
    assert sorted(r["story_id"] for r in top3) == sorted(r["story_id"] for r in best)
    assert sorted(r["rank"] for r in top3) == [1, 2, 3]


def test_an_article_gives_the_excerpt_when_it_was_extracted() -> None:
    articles = rows_to_table(
        [
            {"story_id": "k8s", "outcome": "ok", "text": "The article's own first paragraph."},
            {"story_id": "pg", "outcome": "thin", "text": "Accept cookies to continue."},
        ],
        ARTICLES,
    )
    rows = {r["story_id"]: r for r in digest_rows(story_table(), DATE, articles=articles)}
    assert rows["k8s"]["excerpt"] == "The article's own first paragraph."
    assert rows["pg"]["excerpt"].startswith("The feed's opening of")


def test_rows_fit_the_digest_schema_and_render_grouped(tmp_path: Path) -> None:
    rows = digest_rows(
        story_table(),
        DATE,
        enrichments=enrichments_table(),
        topics=topics_table(),
        item_metrics=metrics_table(),
    )
    table = digest_table(rows)
    assert table.schema == DIGEST
    assert table.column("story_id").to_pylist() == [r["story_id"] for r in rows]
    back = table.to_pylist()
    assert [(r["topic_label"], r["topic_rank"], r["summary"]) for r in back] == [
        (r["topic_label"], r["topic_rank"], r["summary"]) for r in rows
    ]

    digest = to_digest(back, DATE)
    assert [e.topic_rank for e in digest.entries] == [r["topic_rank"] for r in rows]
    written = publish(Lake(tmp_path), back, DATE)
    page = lxml.html.document_fromstring(Path(written["index.html"]).read_text(encoding="utf-8"))
    headings = [h.text_content() for h in page.xpath("//section[@class='topic']/h2")]
    assert headings == [
        "databases · 3 stories",
        *[
            f"{label} · 1 story"
            for label in dict.fromkeys(
                r["topic_label"] for r in rows if r["topic_label"] not in (None, "databases")
            )
        ],
        "Other stories · 1 story",
    ]
    card_order = [a.get("id") for a in page.xpath("//article[@class='story']")]
    assert card_order == [f"story-{r['story_id']}" for r in rows]
    summaries = [p.text_content() for p in page.xpath("//p[@class='summary']")]
    assert "Summary of PostgreSQL 18 released with asynchronous I/O." in summaries


def _links(page: Path, text: str) -> list[Path]:
    """The files the page's links named `text` point to (relative links resolved)."""
    doc = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
    return [(page.parent / a.get("href")).resolve() for a in doc.xpath(f"//a[text()='{text}']")]


def test_past_digests_are_listed_newest_first_and_linked_from_every_page(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rows = digest_table(digest_rows(story_table(), DATE, item_metrics=metrics_table())).to_pylist()
    publish(lake, rows, DATE)
    written = publish(lake, rows[:2], "2026-11-25")
    archive = tmp_path / "published" / "archive.html"
    assert written["archive"] == str(archive)
    doc = lxml.html.document_fromstring(archive.read_text(encoding="utf-8"))
    assert [li.text_content() for li in doc.xpath("//ol[@class='archive']/li")] == [
        "2026-11-25 — 2 stories",
        f"{DATE} — {len(rows)} stories",
    ]
    assert lake.read_json(lake.path("published", "archive.json")) == {
        DATE: len(rows),
        "2026-11-25": 2,
    }
    # the latest page, a day's page and a tag's page link to it; it links back
    published = tmp_path / "published"
    for page in (published / "index.html", published / "digest" / DATE / "index.html"):
        assert _links(page, "past digests") == [archive.resolve()], page
    assert _links(archive, "latest digest") == [(published / "index.html").resolve()]
    for target in [*_links(archive, "2026-11-25"), *_links(archive, "latest digest")]:
        assert target.is_file(), target


def test_the_archive_adds_days_its_index_lacks_and_ignores_a_broken_index(tmp_path: Path) -> None:
    """A day published beside this run (or before the archive existed) has its folder but no
    entry: the next publish adds it with its feed's stories; a damaged index is rebuilt."""
    lake = Lake(tmp_path)
    rows = digest_table(digest_rows(story_table(), DATE, item_metrics=metrics_table())).to_pylist()
    publish(lake, rows[:3], "2026-11-20")
    lake.write_json(lake.path("published", "archive.json"), ["not", "an", "index"])
    publish(lake, rows, DATE)
    assert lake.read_json(lake.path("published", "archive.json")) == {
        "2026-11-20": 3,
        DATE: len(rows),
    }
    lake.write_json(lake.path("published", "archive.json"), {DATE: len(rows), "../x": 1})
    publish(lake, rows[:1], "2026-11-25")
    assert lake.read_json(lake.path("published", "archive.json")) == {
        "2026-11-20": 3,
        DATE: len(rows),
        "2026-11-25": 1,
    }
