"""A collect table's day as slots (`riverbed.pipeline.slots.DaySlots`): a source's rows
follow it into its new slot when its kind crosses the bucket threshold — one copy of every
row afterwards, in every reader, compacted day or not."""

from __future__ import annotations

import pyarrow as pa
import pytest

from riverbed.core.slots import bucket_of
from riverbed.lake import Lake
from riverbed.lake.compact import compact_day, read_day
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import conform
from riverbed.pipeline.slots import DaySlots

DAY = "2026-10-01"
IDS = ["a", "b", "c"]


def rows(source: str, n: int, start: int = 0) -> pa.Table:
    data = [{"item_id": f"{source}-{i}", "source_id": source} for i in range(start, start + n)]
    return conform(pa.Table.from_pylist(data), ITEMS)


def day_ids(lake: Lake) -> list[str]:
    return sorted(i for t in read_day(lake, "rss_items", DAY) for i in t["item_id"].to_pylist())


def store(lake: Lake, tables: dict[str, pa.Table]) -> None:
    for slot, table in tables.items():
        lake.write_table(lake.partition_path("rss_items", {"date": DAY, "source": slot}), table)


@pytest.mark.parametrize("compacted", [False, True])
def test_rows_move_into_the_bucket_and_back_once(tmp_path, compacted):
    lake = Lake(tmp_path)
    store(lake, {i: rows(i, 2) for i in IDS})  # one partition per source
    if compacted:
        compact_day(lake, "rss_items", DAY)
    expected = sorted(f"{i}-{n}" for i in IDS for n in range(2))
    assert day_ids(lake) == expected

    # the kind is now bucketed; only "a" is collected: its rows follow it, b and c stay
    buckets = {i: bucket_of(i) for i in IDS}
    day = DaySlots(lake, "rss", DAY, buckets)
    claimed = day.claim("a")
    assert sorted(claimed["item_id"].to_pylist()) == ["a-0", "a-1"]
    new_a = pa.concat_tables([claimed, rows("a", 1, start=2)])
    out = day.assemble({"a": new_a}, known=set(IDS))
    assert list(out) == [bucket_of("a")]
    store(lake, out)
    day.clear_moved()
    assert day_ids(lake) == sorted([*expected, "a-2"])

    # back to its own partition: the bucket gives the rows back
    own = {i: i for i in IDS}
    day = DaySlots(lake, "rss", DAY, own)
    claimed = day.claim("a")
    assert sorted(claimed["item_id"].to_pylist()) == ["a-0", "a-1", "a-2"]
    store(lake, day.assemble({"a": claimed}))
    day.clear_moved()
    assert day_ids(lake) == sorted([*expected, "a-2"])


def test_a_bucket_keeps_its_other_sources_and_drops_unknown_ones(tmp_path):
    lake = Lake(tmp_path)
    slot = bucket_of("a")
    together = [i for i in (f"s{n}" for n in range(400)) if bucket_of(i) == slot][:3]
    first, second, gone = together
    store(lake, {slot: pa.concat_tables([rows(first, 2), rows(second, 2), rows(gone, 1)])})
    day = DaySlots(lake, "rss", DAY, {first: slot, second: slot})
    out = day.assemble({first: rows(first, 3)}, known={first, second})
    kept = sorted(out[slot]["item_id"].to_pylist())
    assert kept == sorted([f"{first}-0", f"{first}-1", f"{first}-2", f"{second}-0", f"{second}-1"])
