"""Compaction of closed days (`riverbed.lake.compact`): a per-source table's day becomes one
object, and every reader — the query views, partition reads — sees the same current state
before, during and after, with no row twice and none missing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from riverbed.lake import Lake
from riverbed.lake.compact import PartitionReader, compact_closed, compact_day, list_day
from riverbed.lake.query import connect
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import conform

TABLE = "rss_items"
DAY = "2026-10-01"


def items(source: str, titles: list[str]) -> pa.Table:
    rows = [
        {"item_id": f"{source}-{i}", "source_id": source, "title": t} for i, t in enumerate(titles)
    ]
    return conform(pa.Table.from_pylist(rows), ITEMS)


def write(lake: Lake, source: str, titles: list[str], day: str = DAY) -> None:
    lake.write_table(
        lake.partition_path(TABLE, {"date": day, "source": source}), items(source, titles)
    )


def seeded(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    write(lake, "a", ["a0", "a1"])
    write(lake, "b", ["b0"])
    write(lake, "c", [])  # a source that had nothing that day
    write(lake, "a", ["today"], day="2026-10-03")  # an open day: never compacted here
    return lake


def view(lake: Lake) -> list[tuple[str, str, str, str]]:
    """Every row of the table as the query view shows it: (date, source, item_id, title)."""
    sql = f"SELECT CAST(date AS VARCHAR), source, item_id, title FROM {TABLE} ORDER BY ALL"
    return [tuple(r) for r in connect(lake).execute(sql).fetchall()]


def objects(lake: Lake, day: str = DAY) -> list[str]:
    root = Path(lake.table_dir(TABLE).joinpath(f"date={day}").path)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


BEFORE = [
    ("2026-10-01", "a", "a-0", "a0"),
    ("2026-10-01", "a", "a-1", "a1"),
    ("2026-10-01", "b", "b-0", "b0"),
    ("2026-10-03", "a", "a-0", "today"),
]


def compacted_kept(lake: Lake) -> None:  # the compacted object written, parts not yet deleted
    compact_day(lake, TABLE, DAY, grace_s=3600)


def compacted_done(lake: Lake) -> None:  # and a later pass past the grace period
    compact_day(lake, TABLE, DAY, grace_s=3600)
    compact_day(lake, TABLE, DAY, grace_s=0)


@pytest.mark.parametrize(
    ("step", "left"),
    [
        (
            lambda lake: None,
            ["source=a/part.parquet", "source=b/part.parquet", "source=c/part.parquet"],
        ),
        (
            compacted_kept,
            [
                "compacted",
                "source=a/part.parquet",
                "source=b/part.parquet",
                "source=c/part.parquet",
            ],
        ),
        (compacted_done, ["compacted"]),
    ],
    ids=["parts", "compacted-parts-kept", "compacted"],
)
def test_a_query_sees_each_row_once_before_during_and_after_compaction(
    tmp_path: Path, step: Callable[[Lake], None], left: list[str]
) -> None:
    lake = seeded(tmp_path)
    step(lake)
    assert [o if o.startswith("source=") else "compacted" for o in objects(lake)] == left
    assert view(lake) == BEFORE


@pytest.mark.parametrize("step", [compacted_kept, compacted_done], ids=["parts-kept", "compacted"])
def test_a_partition_reads_the_same_rows_from_the_compacted_object(
    tmp_path: Path, step: Callable[[Lake], None]
) -> None:
    lake = seeded(tmp_path)
    step(lake)
    reader = PartitionReader(lake)
    for source, titles in {"a": ["a0", "a1"], "b": ["b0"], "c": []}.items():
        got = reader.read(TABLE, {"date": DAY, "source": source}, ITEMS)
        assert got is not None and got.equals(items(source, titles)), source
    assert reader.read(TABLE, {"date": DAY, "source": "never"}, ITEMS) is None


def test_a_source_collected_again_after_compaction_wins_over_its_compacted_copy(
    tmp_path: Path,
) -> None:
    lake = seeded(tmp_path)
    compacted_done(lake)
    write(lake, "a", ["a0", "a1", "a2 late"])  # a replay or a re-run of the closed day
    write(lake, "d", ["d0"])  # a source added since
    expected = sorted(
        [r for r in BEFORE if r[1] != "a" or r[0] != DAY]
        + [(DAY, "a", "a-0", "a0"), (DAY, "a", "a-1", "a1"), (DAY, "a", "a-2", "a2 late")]
        + [(DAY, "d", "d-0", "d0")]
    )
    assert view(lake) == expected
    got = PartitionReader(lake).read(TABLE, {"date": DAY, "source": "a"}, ITEMS)
    assert got is not None and got.column("title").to_pylist() == ["a0", "a1", "a2 late"]

    first = compact_day(lake, TABLE, DAY, grace_s=0)  # merges the new parts in
    assert (first.parts, first.rows) == (4, 5)
    assert view(lake) == expected
    compact_day(lake, TABLE, DAY, grace_s=0)  # and removes what the new object supersedes
    assert len(objects(lake)) == 1 and objects(lake)[0].startswith("compacted-")
    assert view(lake) == expected


def test_compacting_twice_writes_nothing_new(tmp_path: Path) -> None:
    lake = seeded(tmp_path)
    first = compact_day(lake, TABLE, DAY, grace_s=3600)
    again = compact_day(lake, TABLE, DAY, grace_s=0)
    assert (first.parts, first.rows, first.written is not None, first.deleted) == (3, 3, True, 0)
    assert (again.parts, again.written, again.deleted) == (0, None, 3)
    assert compact_day(lake, TABLE, DAY, grace_s=0).deleted == 0
    assert len(list_day(lake, lake.table_dir(TABLE).joinpath(f"date={DAY}")).compacted) == 1


def test_only_closed_days_of_per_source_tables_are_compacted(tmp_path: Path) -> None:
    lake = seeded(tmp_path)
    lake.write_table(lake.partition_path("items", {"date": DAY}), items("a", ["x"]))
    done = compact_closed(lake, before="2026-10-02", grace_s=0)
    assert [(r.table, r.date) for r in done] == [(TABLE, DAY)]
    assert objects(lake, "2026-10-03") == ["source=a/part.parquet"]
    assert lake.exists(lake.partition_path("items", {"date": DAY}))


def test_a_part_rewritten_after_the_listing_is_not_deleted_as_copied(tmp_path: Path) -> None:
    from riverbed.lake.compact import _delete_copied, copied

    lake = seeded(tmp_path)
    compact_day(lake, TABLE, DAY, grace_s=3600)
    day_dir = lake.table_dir(TABLE).joinpath(f"date={DAY}")
    listing = list_day(lake, day_dir)  # a deleting pass lists the day ...
    write(lake, "a", ["a0", "a1", "a2 late"])  # ... a re-collection writes meanwhile ...
    held = copied(lake, listing.compacted[-1][0])
    assert _delete_copied(lake, listing, held, grace_s=0, now=None) == 2  # ... b and c only
    assert objects(lake)[1:] == ["source=a/part.parquet"]
    assert [r[3] for r in view(lake) if r[0] == DAY and r[1] == "a"] == ["a0", "a1", "a2 late"]


def test_a_part_rewritten_between_the_check_and_the_delete_survives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of a closed day re-collected (or replayed) in another process while a
    deleting pass runs: the new part lands after the pass checked the old one's fingerprint
    and before it deletes. The conditional delete keeps it; a plain delete lost its rows."""
    from riverbed.lake import compact

    lake = seeded(tmp_path)
    compact_day(lake, TABLE, DAY, grace_s=3600)
    checked = compact._current_stamp

    def collected_meanwhile(path: object) -> str | None:
        stamp = checked(path)  # type: ignore[arg-type]
        if "source=a" in str(path):
            write(lake, "a", ["a0", "a1", "a2 late"])
        return stamp

    monkeypatch.setattr(compact, "_current_stamp", collected_meanwhile)
    done = compact_day(lake, TABLE, DAY, grace_s=0)
    assert done.deleted == 2  # b and c; a's new part stays
    assert objects(lake)[1:] == ["source=a/part.parquet"]
    assert [r[3] for r in view(lake) if r[0] == DAY and r[1] == "a"] == ["a0", "a1", "a2 late"]
    got = PartitionReader(lake).read(TABLE, {"date": DAY, "source": "a"}, ITEMS)
    assert got is not None and got.column("title").to_pylist() == ["a0", "a1", "a2 late"]


def test_delete_unchanged_deletes_only_the_object_it_was_told(tmp_path: Path) -> None:
    from riverbed.lake.compact import delete_unchanged

    lake = seeded(tmp_path)
    listing = list_day(lake, lake.table_dir(TABLE).joinpath(f"date={DAY}"))
    (a_path, a_stamp), (b_path, b_stamp) = listing.parts["a"], listing.parts["b"]
    write(lake, "a", ["a0", "a1", "a2 late"])  # a rewritten since its fingerprint was taken
    assert not delete_unchanged(lake, a_path, a_stamp)
    assert delete_unchanged(lake, b_path, b_stamp)
    assert not delete_unchanged(lake, b_path, b_stamp)  # gone already
    assert objects(lake) == ["source=a/part.parquet", "source=c/part.parquet"]
    got = lake.read_table(a_path)
    assert got is not None and got.column("title").to_pylist() == ["a0", "a1", "a2 late"]
    assert not [p.name for p in Path(a_path.path).parent.iterdir() if p.name != "part.parquet"]


def test_a_day_another_compaction_holds_is_skipped_not_waited_for(tmp_path: Path) -> None:
    from riverbed.lake.lease import compact_lease, leased

    lake = seeded(tmp_path)
    with leased(lake, [compact_lease(TABLE, DAY)], "the-other-compaction"):
        done = compact_closed(lake, before="2026-10-02", grace_s=0)
    assert [(r.table, r.date, r.written, r.deleted) for r in done] == [(TABLE, DAY, None, 0)]
    assert done[0].skipped is not None and "the-other-compaction" in done[0].skipped
    assert objects(lake) == [f"source={s}/part.parquet" for s in "abc"]
    # the lease given back, the next pass does the day
    again = compact_day(lake, TABLE, DAY, grace_s=3600)
    assert again.skipped is None and again.parts == 3
