"""Large tables stream: writing a table many times the row-group size from a generator, and
scanning it back, keeps memory near one batch, not the table (Arrow's allocations measured
with a memory pool of their own, Python's with tracemalloc)."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator

import pyarrow as pa
import pytest

from riverbed.lake import Lake
from riverbed.lake import store as lake_store

BATCH_ROWS = 8_192
N_BATCHES = 40  # the table: 40 batches of ~1 MiB
SCHEMA = pa.schema([("i", pa.int64()), ("text", pa.string())])


def _batches(seed: int = 3) -> Iterator[pa.RecordBatch]:
    rng = random.Random(seed)
    for b in range(N_BATCHES):
        text = [rng.randbytes(48).hex() for _ in range(BATCH_ROWS)]
        ids = pa.array(range(b * BATCH_ROWS, (b + 1) * BATCH_ROWS), pa.int64())
        yield pa.record_batch([ids, pa.array(text)], schema=SCHEMA)


@pytest.fixture
def pool() -> Iterator[pa.MemoryPool]:
    """Arrow's default pool replaced by one that counts its own peak."""
    previous = pa.default_memory_pool()
    counting = pa.proxy_memory_pool(previous)
    pa.set_memory_pool(counting)
    yield counting
    pa.set_memory_pool(previous)


def test_writing_and_scanning_a_large_table_stay_near_one_batch(tmp_path, monkeypatch, pool):
    monkeypatch.setattr(lake_store, "ROW_GROUP_ROWS", BATCH_ROWS)
    batch_bytes = next(_batches()).nbytes
    table_bytes = batch_bytes * N_BATCHES
    lake = Lake(tmp_path)
    path = lake.partition_path("fetches", {"date": "2026-11-26"})

    tracemalloc.start()
    rows = lake.write_batches(path, SCHEMA, _batches())
    _, py_peak_write = tracemalloc.get_traced_memory()
    write_peak = pool.max_memory()
    assert rows == BATCH_ROWS * N_BATCHES

    tracemalloc.reset_peak()
    seen, total = 0, 0
    for batch in lake.scan([path], SCHEMA, batch_size=BATCH_ROWS):
        seen += batch.num_rows
        total += sum(batch.column("i").to_pylist()[:1])  # touch it, keep nothing
    _, py_peak_read = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    read_peak = pool.max_memory()
    assert seen == rows

    # a whole-table write or read would hold >= table_bytes; streaming holds a few batches
    assert table_bytes > 30 * 2**20
    assert write_peak < table_bytes / 5, (write_peak, batch_bytes)
    assert read_peak < table_bytes / 5, (read_peak, batch_bytes)
    assert py_peak_write < table_bytes / 5 and py_peak_read < table_bytes / 5
    # the file is plain Parquet in row groups of the batch size
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path.path)
    assert meta.num_rows == rows and meta.num_row_groups == N_BATCHES


def test_a_producer_failing_mid_table_leaves_the_previous_file(tmp_path):
    lake = Lake(tmp_path)
    path = lake.partition_path("fetches", {"date": "2026-11-26"})
    lake.write_table(path, pa.table({"i": [1], "text": ["old"]}, schema=SCHEMA))

    def broken() -> Iterator[pa.RecordBatch]:
        yield from list(_batches())[:2]
        raise RuntimeError("producer broke")

    with pytest.raises(RuntimeError, match="producer broke"):
        lake.write_batches(path, SCHEMA, broken())
    assert lake.read_table(path).column("text").to_pylist() == ["old"]
    assert [p.name for p in path.parent.iterdir()] == ["part.parquet"]  # no temp file left
