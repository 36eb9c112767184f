"""Look for a secret everywhere a run leaves text: the lake and the Dagster instance."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from riverbed.lake import Lake
from riverbed.lake.blobs import BlobStore
from riverbed.lake.query import connect, table_names


def scan_lake(lake: Lake, secret: str) -> int:
    """Every table (as `riverbed query` sees it), every Parquet object (tables and journals)
    row by row, every other object's bytes (state, published files), and every raw body
    decompressed. Returns how many objects were looked at."""
    con = connect(lake)
    for name in table_names(lake):
        rows = con.execute(f'select * from "{name}"').fetchall()
        assert secret not in repr(rows), f"table {name}"
    fs, root = lake.root.fs, lake.root.path.rstrip("/")
    seen = 0
    for key in fs.find(root):
        seen += 1
        rel = key.removeprefix(root)
        if rel.endswith(".parquet"):
            with fs.open(key, "rb") as fh:
                table = pq.read_table(fh)
            assert secret not in json.dumps(table.to_pylist(), default=str), rel
            assert secret not in repr(table.schema.metadata), rel
        elif rel.startswith("/raw/"):
            body = BlobStore(lake).get(rel.rsplit("/", 1)[-1].removesuffix(".zst"))
            assert body is not None and secret.encode() not in body, rel
        else:
            assert secret.encode() not in fs.cat_file(key), rel
    assert seen
    return seen


def scan_dagster_home(home: Path, secret: str) -> int:
    """Every run (config, tags) and every event of every run in the instance (materialization
    metadata, step failures with their causes, logs), serialized whole; then every file under
    DAGSTER_HOME byte by byte (SQLite storage, compute logs). Returns the number of events."""
    import dagster as dg
    from dagster._serdes import serialize_value

    n = 0
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records()
        assert records
        for record in records:
            run = record.dagster_run
            assert secret not in serialize_value(run), run.run_id
            for entry in instance.all_logs(run.run_id):
                n += 1
                assert secret not in serialize_value(entry), (run.run_id, entry.message)
    for file in home.rglob("*"):
        if file.is_file():
            assert secret.encode() not in file.read_bytes(), file
    return n
