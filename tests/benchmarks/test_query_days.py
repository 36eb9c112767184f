"""scripts/query_days.py: each day of a lake queried through `riverbed query` processes,
with which days are compacted and how many objects their view reads."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa

from riverbed.lake import Lake
from riverbed.lake.compact import compact_day
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import conform

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import query_days


def _write(lake: Lake, day: str, source: str, n: int) -> None:
    rows = [{"item_id": f"{source}-{i}", "source_id": source, "title": "t"} for i in range(n)]
    lake.write_table(
        lake.partition_path("rss_items", {"date": day, "source": source}),
        conform(pa.Table.from_pylist(rows), ITEMS),
    )


def test_each_day_is_counted_and_a_compacted_day_reads_one_object(tmp_path, capsys):
    lake = Lake(tmp_path / "lake")
    for source, n in (("a", 3), ("b", 2), ("c", 4)):
        _write(lake, "2026-10-01", source, n)
        _write(lake, "2026-10-02", source, n + 1)
    compact_day(lake, "rss_items", "2026-10-01", grace_s=0)

    assert query_days.day_layout(lake, "rss_items") == {
        "2026-10-01": (True, 1),
        "2026-10-02": (False, 3),
    }
    assert query_days.main([str(tmp_path / "lake"), "--repeat", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[2].startswith("| 2026-10-01 | yes | 1 | 9 | ")
    assert table[3].startswith("| 2026-10-02 | no | 3 | 12 | ")


def test_a_lake_without_the_table_is_an_error(tmp_path, capsys):
    assert query_days.main([str(tmp_path / "empty")]) == 1
    assert "no days of rss_items" in capsys.readouterr().err


def test_a_table_that_is_not_per_source_is_refused(tmp_path, capsys):
    """`items` is one folder per day (no per-source parts, no compaction): no layout to time."""
    assert query_days.main([str(tmp_path / "lake"), "--table", "items"]) == 2
    assert "items is not a per-source table" in capsys.readouterr().err
