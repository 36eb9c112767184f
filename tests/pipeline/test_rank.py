"""`pipeline.rank`: what ranking reads of a day's tables, taken out in Arrow, ranks exactly as
the whole rows do, and holds far fewer Python objects."""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from riverbed.core.ranking import Interest, item_trends, rank_stories
from riverbed.lake.schemas import ENRICHMENTS, ITEM_METRICS, ITEMS, STORIES
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.publish import digest_rows
from riverbed.pipeline.rank import ranking_rows, story_rows, trend_rows
from riverbed.pipeline.refine import item_metrics_table

DATE = "2026-11-24"
START = datetime(2026, 11, 24, tzinfo=UTC)
SOURCES = ["hackernews", "reddit", "lobsters", "blog-a", "blog-b", "arxiv"]


def maybe(rng: random.Random, value: Any, p_none: float = 0.3) -> Any:
    return None if rng.random() < p_none else value


def random_metrics(rng: random.Random, items: int, observations: int) -> pa.Table:
    rows = []
    for _ in range(observations):
        i = rng.randrange(items)
        rows.append(
            {
                "item_id": maybe(rng, f"item-{i}", 0.02),
                "source_id": SOURCES[i % len(SOURCES)],
                "observed_at": maybe(rng, START + timedelta(minutes=rng.randrange(0, 1440)), 0.02),
                "score": maybe(rng, rng.randrange(-5, 400)),
                "comments": maybe(rng, rng.randrange(-2, 90)),
                "run_id": f"run-{rng.randrange(24)}",
            }
        )
    return rows_to_table(rows, ITEM_METRICS)


def history(rng: random.Random, items: int, observations: int) -> pa.Table:
    """Random observations as the `item_metrics` table holds them (one row per key)."""
    return item_metrics_table(None, random_metrics(rng, items, observations), ITEMS.empty_table())


def random_stories(rng: random.Random, n: int, items: int) -> pa.Table:
    rows = []
    for k in range(n):
        members = rng.sample(range(items), rng.randint(1, 3))
        published = START + timedelta(minutes=rng.randrange(-600, 1440))
        rows.append(
            {
                "story_id": f"s{k:05d}",
                "date": DATE,
                "title": f"Story {k} " + "word " * rng.randrange(3, 12),
                "url": f"https://example.com/{k}",
                "canonical_url": f"https://example.com/{k}",
                "item_ids": [f"item-{i}" for i in members],
                "source_ids": sorted({SOURCES[i % len(SOURCES)] for i in members}),
                "n_sources": len({SOURCES[i % len(SOURCES)] for i in members}),
                "discussions": [
                    {
                        "source_id": SOURCES[i % len(SOURCES)],
                        "url": f"https://example.com/{k}",
                        "comments_url": maybe(rng, f"https://news.example/{i}"),
                        "score": maybe(rng, rng.randrange(0, 500)),
                        "comments": maybe(rng, rng.randrange(0, 100)),
                    }
                    for i in members
                ],
                "published_at": maybe(rng, published, 0.2),
                "first_seen_at": published + timedelta(minutes=5),
                "first_source_id": SOURCES[members[0] % len(SOURCES)],
                "excerpt": "An opening paragraph of the story. " * rng.randrange(1, 12),
                "tags": rng.sample(["rust", "db", "ml", "go"], rng.randrange(0, 3)),
            }
        )
    return rows_to_table(rows, STORIES)


def interests(rng: random.Random, stories: pa.Table) -> pa.Table:
    rows = [
        {
            "date": DATE,
            "story_id": sid,
            "keywords": ["k"],
            "interest": maybe(rng, "databases", 0.7),
            "interest_score": maybe(rng, rng.random(), 0.5),
        }
        for sid in stories.column("story_id").to_pylist()
    ]
    return rows_to_table(rows, ENRICHMENTS)


def test_trend_rows_give_the_trends_of_every_row() -> None:
    for seed in range(20):
        rng = random.Random(seed)
        table = history(rng, items=rng.randint(1, 60), observations=rng.randint(1, 400))
        # chunked as a table read in batches is
        chunked = pa.concat_tables([table.slice(0, len(table) // 3), table.slice(len(table) // 3)])
        kept = trend_rows(chunked)
        assert item_trends(kept) == item_trends(table.to_pylist()), seed
        assert len(kept) <= 2 * len(item_trends(kept))
    assert trend_rows(None) == [] and trend_rows(ITEM_METRICS.empty_table()) == []


def test_ranking_rows_rank_as_whole_rows_do() -> None:
    for seed in range(8):
        rng = random.Random(seed)
        stories = random_stories(rng, rng.randint(1, 300), items=200)
        metrics = random_metrics(rng, items=200, observations=1500).to_pylist()
        liked = {
            r["story_id"]: Interest(r["interest"], r["interest_score"])
            for r in interests(rng, stories).to_pylist()
        }
        # sliced chunks: a discussions chunk whose offsets do not start at 0
        half = stories.num_rows // 2
        chunked = pa.concat_tables([stories.slice(0, half), stories.slice(half)])

        def ranked(
            rows: list[dict[str, Any]], metrics: Any = metrics, liked: Any = liked
        ) -> list[tuple[str, float, str]]:
            out = rank_stories(rows, DATE, limit=len(rows), item_metrics=metrics, interests=liked)
            return [(r.story["story_id"], r.score, r.why) for r in out]

        assert ranked(ranking_rows(chunked)) == ranked(stories.to_pylist()), seed


def test_story_rows_in_the_order_asked() -> None:
    stories = random_stories(random.Random(1), 20, items=30)
    whole = {r["story_id"]: r for r in stories.to_pylist()}
    assert story_rows(stories, ["s00007", "missing", "s00002"]) == [
        whole["s00007"],
        whole["s00002"],
    ]


def test_a_digest_of_stories_read_lazily_is_the_digest_of_the_table() -> None:
    """From a `TableSource` the digest reads ranking's fields whole and the rest a batch
    at a time (the kept rows only): the same digest."""
    from riverbed.lake.store import TableSource
    from riverbed.pipeline.rank import RANK_FIELDS

    rng = random.Random(11)
    stories = random_stories(rng, 300, items=200)
    metrics = history(rng, items=200, observations=2000)
    enrichments = interests(rng, stories)
    asked: list[Any] = []

    def read(columns: Any) -> pa.Table:
        asked.append(columns)
        return stories.select([c for c in stories.column_names if c in columns])

    source = TableSource(read, lambda columns: stories.to_batches(max_chunksize=17))
    lazy = digest_rows(source, DATE, limit=40, enrichments=enrichments, item_metrics=metrics)
    assert lazy == digest_rows(
        stories, DATE, limit=40, enrichments=enrichments, item_metrics=metrics
    )
    assert [list(c) for c in asked] == [list(RANK_FIELDS)] and len(lazy) == 40
    assert story_rows(source, ["s00007", "missing"]) == story_rows(stories, ["s00007"])


def test_digest_rows_rank_every_story_as_rank_stories_on_whole_rows() -> None:
    rng = random.Random(7)
    stories = random_stories(rng, 400, items=300)
    metrics = history(rng, items=300, observations=3000)
    enrichments = interests(rng, stories)
    rows = digest_rows(stories, DATE, limit=60, enrichments=enrichments, item_metrics=metrics)
    expected = rank_stories(
        stories.to_pylist(),
        DATE,
        limit=60,
        item_metrics=metrics.to_pylist(),
        interests={
            r["story_id"]: Interest(r["interest"], r["interest_score"])
            for r in enrichments.to_pylist()
        },
    )
    got = sorted(rows, key=lambda r: r["rank"])
    assert [(r["story_id"], r["score"], r["why"]) for r in got] == [
        (e.story["story_id"], e.score, e.why) for e in expected
    ]
    whole = {r["story_id"]: r for r in stories.to_pylist()}
    for r in got:
        assert r["discussions"] == whole[r["story_id"]]["discussions"]
        assert r["excerpt"] == whole[r["story_id"]]["excerpt"]


def test_digest_holds_python_objects_for_what_ranking_reads_only() -> None:
    """A day's stories and engagement observations as whole Python rows were the digest
    step's peak; now only the ranking fields are (fails on the whole-row digest)."""
    rng = random.Random(3)
    stories = random_stories(rng, 3000, items=3000)
    metrics = history(rng, items=3000, observations=30_000)

    def traced_peak(work: Any) -> int:
        tracemalloc.start()
        try:
            work()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    whole = traced_peak(lambda: (stories.to_pylist(), metrics.to_pylist()))
    digest = traced_peak(lambda: digest_rows(stories, DATE, item_metrics=metrics))
    assert digest < 0.5 * whole, (digest, whole)
