"""The lake on a real S3 (SeaweedFS on loopback): Parquet tables, raw blobs and journals
written and read through the same `Lake` as a local folder, readable by pyarrow directly."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riverbed.lake import Lake
from riverbed.lake.blobs import BlobStore
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ERRORS
from seaweed import SeaweedFS, running_seaweedfs


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("s3")) as server:
        yield server


def test_tables_round_trip_as_plain_parquet(s3):
    import s3fs

    lake = Lake(s3.uri("lake-tables"))
    path = lake.partition_path("items", {"date": "2026-11-26"})
    table = pa.table({"item_id": ["a", "b"], "score": [3, None]})
    lake.write_table(path, table)
    assert lake.read_table(path) == table
    # any tool reads it: plain Parquet at the documented key
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    key = f"{s3.bucket}/lake-tables/tables/items/date=2026-11-26/part.parquet"
    with fs.open(key, "rb") as fh:
        assert pq.read_table(fh) == table
    assert fs.ls(f"{s3.bucket}/lake-tables/tables/items/date=2026-11-26", detail=False) == [key]


def test_blobs_and_journals(s3):
    lake = Lake(s3.uri("lake-blobs"))
    store = BlobStore(lake)
    body = b"<rss>" + b"x" * 100_000 + b"</rss>"
    sha = store.put(body)
    assert store.put(body) == sha  # content-addressed: stored once
    assert store.get(sha) == body
    assert store.get("0" * 64) is None
    journal = Journal(lake)
    row = {
        "error_key": "k1",
        "run_id": "r1",
        "stage": "collect",
        "source_id": "s",
        "url": None,
        "item_id": None,
        "error_kind": "timeout",
        "message": "m",
        "at": None,
    }
    journal.append("errors", "2026-11-26", [row], "r1")
    journal.append("errors", "2026-11-26", [{**row, "error_key": "k2"}], "r2")
    read = journal.read("errors", "2026-11-26")
    assert read.schema == ERRORS
    assert sorted(read.column("error_key").to_pylist()) == ["k1", "k2"]


def test_json_state(s3):
    lake = Lake(s3.uri("lake-state"))
    path = lake.path("state", "sources", "s.json")
    assert lake.read_json(path) is None
    lake.write_json(path, {"last_success_at": "2026-11-26T00:00:00+00:00"})
    assert lake.read_json(path) == {"last_success_at": "2026-11-26T00:00:00+00:00"}


def test_query_reads_an_s3_lake_in_place(s3):
    from riverbed.lake.query import connect

    lake = Lake(s3.uri("lake-query"))
    for day, ids in (("2026-11-25", ["a", "b"]), ("2026-11-26", ["b", "c"])):
        lake.write_table(
            lake.partition_path("errors", {"date": day}),
            pa.table({"error_key": ids, "error_kind": ["timeout"] * len(ids)}),
        )
    con = connect(lake)
    rows = con.execute("select date, error_key from errors order by 1, 2").fetchall()
    assert [(str(d), k) for d, k in rows] == [
        ("2026-11-25", "a"),
        ("2026-11-25", "b"),
        ("2026-11-26", "b"),
        ("2026-11-26", "c"),
    ]
    assert con.execute("select count(*) from items").fetchone() == (0,)  # no table yet


def test_cli_query_on_an_s3_lake(s3):
    import json

    from typer.testing import CliRunner

    from riverbed.cli import app

    lake = Lake(s3.uri("lake-cli"))
    lake.write_table(
        lake.partition_path("errors", {"date": "2026-11-26"}),
        pa.table({"error_key": ["k"], "error_kind": ["timeout"]}),
    )
    result = CliRunner().invoke(
        app,
        ["query", "--lake", s3.uri("lake-cli"), "--format", "json", "select * from errors"],
    )
    assert result.exit_code == 0, result.output
    assert [r["error_key"] for r in json.loads(result.output)] == ["k"]
