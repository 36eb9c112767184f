"""`item_metrics_table`: one row per (item, observed_at) from what the partition held, the
journal and the day's items; the first row of a key wins; sorted by item, then time (a row
without a time first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from riverbed.lake.schemas import ITEM_METRICS, ITEMS
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.refine import item_metrics_table

T0 = datetime(2026, 11, 26, 8, tzinfo=UTC)


def _obs(item: str, hours: int | None, score: int, run: str) -> dict[str, object]:
    at = None if hours is None else T0 + timedelta(hours=hours)
    return {"item_id": item, "source_id": "s", "observed_at": at, "score": score} | {
        "comments": 0,
        "run_id": run,
    }


def _items(*rows: tuple[str, int, int]) -> pa.Table:
    return rows_to_table(
        [
            {"item_id": i, "source_id": "s", "last_seen_at": T0 + timedelta(hours=h)}
            | {"score": score, "comments": 0, "run_id": "now"}
            for i, h, score in rows
        ],
        ITEMS,
    )


def test_first_row_of_a_key_wins_and_rows_sort_by_item_then_time() -> None:
    existing = rows_to_table([_obs("b", 1, 10, "old"), _obs("a", 2, 20, "old")], ITEM_METRICS)
    journal = rows_to_table(
        [_obs("a", 2, 99, "journal"), _obs("a", None, 5, "journal"), _obs("b", 0, 7, "journal")],
        ITEM_METRICS,
    )
    items = _items(("b", 1, 11), ("c", 3, 30))
    out = item_metrics_table(existing, journal, items).to_pylist()
    assert [(r["item_id"], r["score"], r["run_id"]) for r in out] == [
        ("a", 5, "journal"),  # no time: first of its item
        ("a", 20, "old"),  # the partition's row wins over the journal's replay
        ("b", 7, "journal"),
        ("b", 10, "old"),  # ... and over the day's items
        ("c", 30, "now"),
    ]
    again = item_metrics_table(item_metrics_table(existing, journal, items), journal, items)
    assert again.to_pylist() == out  # re-runs add nothing


def test_nothing_in_gives_an_empty_table_of_the_schema() -> None:
    out = item_metrics_table(None, None, _items())
    assert out.num_rows == 0 and out.schema == ITEM_METRICS
