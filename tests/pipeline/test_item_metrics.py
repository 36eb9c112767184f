"""`item_metrics_table`: one row per (item, observed_at) from what the partition held, the
journal and the day's items; the first row of a key wins; sorted by item, then time (a row
without a time first)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riverbed.lake.schemas import ITEM_METRICS, ITEMS
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.refine import _first_per_key, hex_ids, item_metrics_table

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


def test_hex_ids_sort_as_the_strings_do() -> None:
    rng = random.Random(5)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(500)] + ["0" * 16, "f" * 16]
    column = pa.chunked_array([pa.array(ids[:100]), pa.array(ids[100:]).slice(0)])
    values = hex_ids(column)
    assert values is not None
    assert [ids[i] for i in np.argsort(values, kind="stable")] == sorted(ids)
    for odd in (["0123456789abcdeF"], ["0123"], [None], ["0123456789abcdeg"]):
        assert hex_ids(pa.chunked_array([pa.array(odd, pa.string())])) is None


def test_the_numpy_dedupe_keeps_what_the_generic_one_keeps() -> None:
    """Hex ids and timestamps take the numpy path; the same rows, in the same order, as the
    hash-table path (forced here by a key it cannot take), whatever chunks and duplicates."""
    rng = random.Random(11)
    for _ in range(30):
        ids = [f"{rng.getrandbits(64):016x}" for _ in range(rng.randint(1, 40))]
        rows = [
            {
                "item_id": rng.choice(ids),
                "source_id": f"s{rng.randrange(3)}",
                "observed_at": datetime(2026, 11, 1, tzinfo=UTC)
                + timedelta(minutes=rng.randrange(30)),
                "score": rng.randrange(100),
                "comments": None,
                "run_id": f"r{k}",  # which row won shows in its run id
            }
            for k in range(rng.randint(1, 300))
        ]
        table = pa.Table.from_pylist(rows, schema=ITEM_METRICS)
        cut = rng.randint(0, len(rows))
        chunked = pa.concat_tables([table.slice(0, cut), table.slice(cut)])
        fast = _first_per_key(chunked, ["item_id", "observed_at"])
        generic = _first_per_key(
            chunked.append_column("k2", pc.cast(chunked.column("observed_at"), pa.int64())),
            ["item_id", "k2"],
        ).drop_columns(["k2"])
        assert fast.equals(generic)


def _bare(item: str, hours: int, score: int | None, comments: int | None) -> dict[str, object]:
    return _obs(item, hours, 0, "r") | {"score": score, "comments": comments}


def test_an_observation_without_score_or_comments_is_left_out() -> None:
    """Most feeds carry no engagement: their items' observations (one per item per run, 2.4 M
    a day at 5,000 hourly feeds) record nothing and are not kept, wherever they come from
    (a partition written before, the journal, the day's items)."""
    existing = rows_to_table([_bare("a", 0, None, None), _bare("a", 1, 5, None)], ITEM_METRICS)
    journal = rows_to_table([_bare("b", 0, None, 3), _bare("c", 0, None, None)], ITEM_METRICS)
    items = rows_to_table(
        [
            {"item_id": i, "source_id": "s", "last_seen_at": T0, "run_id": "now"}
            | {"score": None, "comments": None}
            for i in ("d", "e")
        ],
        ITEMS,
    )
    out = item_metrics_table(existing, journal, items).to_pylist()
    assert [(r["item_id"], r["score"], r["comments"]) for r in out] == [
        ("a", 5, None),
        ("b", None, 3),
    ]
    assert item_metrics_table(None, None, items).num_rows == 0


def test_collect_journals_no_observation_without_engagement() -> None:
    from riverbed.core.models import Item
    from riverbed.pipeline.collect import SourceOutcome, _metric_rows

    def item(item_id: str, score: int | None, comments: int | None) -> Item:
        return Item(
            item_id, "s", "rss", item_id, None, None, "t", None, None, T0, T0, None, None,
            score, comments, None, [],
        )  # fmt: skip

    out = SourceOutcome("s", "rss", "run", "ok", items=[item("a", None, None), item("b", 0, None),
                                                       item("c", None, 4)])  # fmt: skip
    assert [(r["item_id"], r["score"], r["comments"]) for r in _metric_rows(out)] == [
        ("b", 0, None),
        ("c", None, 4),
    ]
