"""The lake's one writer: atomic writes, schema conformance, blobs, journals."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from riverbed.lake import Lake
from riverbed.lake.blobs import BlobStore, body_sha256
from riverbed.lake.journal import Journal
from riverbed.lake.store import conform


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    lake = Lake(tmp_path)
    path = lake.partition_path("t", {"date": "2026-11-25"})
    lake.write_table(path, pa.table({"a": [1, 2]}))
    lake.write_table(path, pa.table({"a": [3]}))
    assert lake.read_table(path).column("a").to_pylist() == [3]
    leftovers = [p.name for p in (tmp_path / "tables/t/date=2026-11-25").iterdir()]
    assert leftovers == ["part.parquet"]


def test_partition_paths_are_hive_style(tmp_path):
    lake = Lake(tmp_path)
    p = lake.partition_path("rss_items", {"date": "2026-11-25", "source": "lwn"})
    assert p.path.endswith("tables/rss_items/date=2026-11-25/source=lwn/part.parquet")


def test_conform_adds_missing_columns_and_drops_extra():
    schema = pa.schema([("a", pa.int64()), ("b", pa.string())])
    out = conform(pa.table({"a": [1], "zzz": ["x"]}), schema)
    assert out.schema == schema
    assert out.to_pylist() == [{"a": 1, "b": None}]


def test_missing_table_reads_as_none(tmp_path):
    lake = Lake(tmp_path)
    assert lake.read_table(lake.partition_path("nope")) is None


def test_blob_store_round_trip_and_dedup(tmp_path):
    store = BlobStore(Lake(tmp_path))
    body = b"<rss>" + b"x" * 10_000 + b"</rss>"
    sha = store.put(body)
    assert sha == body_sha256(body)
    assert store.put(body) == sha
    assert store.get(sha) == body
    files = list((tmp_path / "raw").rglob("*.zst"))
    assert len(files) == 1 and files[0].stat().st_size < len(body)
    assert store.get("0" * 64) is None


def test_corrupt_blob_is_detected(tmp_path):
    lake = Lake(tmp_path)
    store = BlobStore(lake)
    sha = store.put(b"hello world")
    other = store.put(b"something else entirely")
    # swap the objects: content no longer matches its address
    a = tmp_path / "raw" / sha[:2] / f"{sha}.zst"
    b = tmp_path / "raw" / other[:2] / f"{other}.zst"
    a.write_bytes(b.read_bytes())
    with pytest.raises(ValueError, match="corrupt"):
        store.get(sha)


def test_journal_appends_immutable_objects(tmp_path):
    journal = Journal(Lake(tmp_path))
    row = {
        "error_key": "k1",
        "run_id": "r1",
        "stage": "collect",
        "source_id": "s",
        "error_kind": "timeout",
        "message": "m",
    }
    assert journal.append("errors", "2026-11-25", [row], "r1") == 1
    assert journal.append("errors", "2026-11-25", [{**row, "run_id": "r2"}], "r2") == 1
    assert journal.append("errors", "2026-11-25", [], "r3") == 0
    table = journal.read("errors", "2026-11-25")
    assert sorted(table.column("run_id").to_pylist()) == ["r1", "r2"]
    assert journal.read("errors", "2026-11-24").num_rows == 0


def test_a_write_removes_the_stale_temporaries_a_killed_writer_left(tmp_path: Path) -> None:
    import os
    import time

    from riverbed.lake import store

    lake = Lake(tmp_path)
    folder = tmp_path / "tables" / "items" / "date=2026-11-27"
    folder.mkdir(parents=True)
    stale = folder / ".part.parquet.0123abcd.tmp"  # a SIGKILL between write and rename
    fresh = folder / ".part.parquet.4567ef01.tmp"  # maybe a live writer's: too young
    other = folder / ".keep.tmp.txt"
    for f in (stale, fresh, other):
        f.write_bytes(b"half")
    old = time.time() - store.STALE_TMP_S - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    store._SWEPT.discard(folder)
    lake.write_bytes(lake.path("tables", "items", "date=2026-11-27", "part.parquet"), b"x")
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "part.parquet"
    ]
