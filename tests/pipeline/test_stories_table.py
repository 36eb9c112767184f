"""`stories_table` cuts item texts in Arrow before they become Python strings: the stories are
those of the whole texts (excerpts, near-duplicate merges), whatever the texts' length."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from riverbed.core.stories import build_stories
from riverbed.lake.schemas import ITEMS, STORIES
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.stories import TEXT_CAP, stories_table

DATE = "2026-11-25"
T0 = datetime(2026, 11, 25, 6, tzinfo=UTC)
WORDS = [
    "postgres",
    "release",
    "planner",
    "async",
    "index",
    "vacuum",
    "ünïcode",
    "数据库",
    "replica",
    "shard",
]


def items(seed: int) -> pa.Table:
    rng = random.Random(seed)
    rows = []
    for k in range(120):
        event = k // 3  # three sources tell each event
        lead = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 400)))
        rows.append(
            {
                "item_id": f"{k:016x}",
                "source_id": f"src-{k % 3}",
                "url": f"https://site{k % 3}.example/{event}",
                "canonical_url": f"https://site{k % 3}.example/{event}",
                "title": f"Event {event}: {WORDS[event % len(WORDS)]} ships version {event}",
                # around the cut: exactly at it, just over, far over, empty, none
                "text": rng.choice([lead, lead[: TEXT_CAP - 1], lead[:TEXT_CAP], "", None]),
                "published_at": T0 + timedelta(minutes=k),
                "first_seen_at": T0 + timedelta(minutes=k + 1),
                "tags": [],
            }
        )
    return rows_to_table(rows, ITEMS)


def test_capped_texts_make_the_stories_of_whole_texts() -> None:
    for seed in range(5):
        table = items(seed)
        whole = rows_to_table(build_stories(table.to_pylist(), DATE), STORIES)
        assert stories_table(table, DATE).equals(whole), seed
