"""Compaction of a closed day on a real S3 (SeaweedFS on loopback): fingerprints are ETags,
listings one recursive LIST, and the query views read the compacted object in place."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from riverbed.lake import Lake
from riverbed.lake.compact import PartitionReader, compact_day, list_day
from riverbed.lake.query import connect
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import conform
from seaweed import SeaweedFS, running_seaweedfs

TABLE, DAY = "rss_items", "2026-10-01"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("s3")) as server:
        yield server


def write(lake: Lake, source: str, titles: list[str]) -> None:
    rows = [
        {"item_id": f"{source}-{i}", "source_id": source, "title": t} for i, t in enumerate(titles)
    ]
    table = conform(pa.Table.from_pylist(rows), ITEMS)
    lake.write_table(lake.partition_path(TABLE, {"date": DAY, "source": source}), table)


def rows(lake: Lake) -> list[tuple[str, str, str]]:
    sql = f"SELECT source, item_id, title FROM {TABLE} WHERE date = '{DAY}' ORDER BY ALL"
    return [tuple(r) for r in connect(lake).execute(sql).fetchall()]


def test_a_compacted_day_reads_the_same_and_a_rewritten_part_wins(s3: SeaweedFS) -> None:
    lake = Lake(s3.uri("compact"))
    write(lake, "a", ["a0", "a1"])
    write(lake, "b", ["b0"])
    before = rows(lake)
    assert before == [("a", "a-0", "a0"), ("a", "a-1", "a1"), ("b", "b-0", "b0")]

    compact_day(lake, TABLE, DAY, grace_s=3600)  # parts kept: each row still shown once
    assert rows(lake) == before
    done = compact_day(lake, TABLE, DAY, grace_s=0)
    assert done.deleted == 2
    listing = list_day(lake, lake.table_dir(TABLE).joinpath(f"date={DAY}"))
    assert (len(listing.compacted), listing.parts) == (1, {})
    assert rows(lake) == before

    write(lake, "b", ["b0", "b1 late"])  # the closed day collected again
    expected = [*before[:2], ("b", "b-0", "b0"), ("b", "b-1", "b1 late")]
    assert rows(lake) == expected
    got = PartitionReader(lake).read(TABLE, {"date": DAY, "source": "a"}, ITEMS)
    assert got is not None and got.column("title").to_pylist() == ["a0", "a1"]


def test_a_part_rewritten_during_the_deleting_pass_survives(
    s3: SeaweedFS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delete is conditional on the ETag it copied (`If-Match`): a part a re-collect
    writes between the pass's check and its delete stays, and wins over its copy."""
    from riverbed.lake import compact

    lake = Lake(s3.uri("compact-race"))
    write(lake, "a", ["a0", "a1"])
    write(lake, "b", ["b0"])
    compact_day(lake, TABLE, DAY, grace_s=3600)
    checked = compact._current_stamp

    def collected_meanwhile(path: object) -> str | None:
        stamp = checked(path)  # type: ignore[arg-type]
        if "source=a" in str(path):
            write(lake, "a", ["a0", "a1", "a2 late"])
        return stamp

    monkeypatch.setattr(compact, "_current_stamp", collected_meanwhile)
    assert compact_day(lake, TABLE, DAY, grace_s=0).deleted == 1  # b only
    assert rows(lake) == [
        ("a", "a-0", "a0"),
        ("a", "a-1", "a1"),
        ("a", "a-2", "a2 late"),
        ("b", "b-0", "b0"),
    ]
