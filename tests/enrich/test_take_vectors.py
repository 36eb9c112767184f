"""`take_vectors`: Arrow's take of a list<float32> column, without its copies."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from riverbed.enrich.vectors import take_vectors

LIST = pa.list_(pa.float32())


def _chunked(rows: list[list[float] | None], size: int) -> pa.ChunkedArray:
    return pa.chunked_array(
        [pa.array(rows[i : i + size], LIST) for i in range(0, len(rows), size)], LIST
    )


@pytest.mark.parametrize("size", [1, 3, 7, 100])
def test_equals_arrows_take_across_chunks(size: int) -> None:
    rng = np.random.default_rng(3)
    rows = [rng.normal(size=4).astype(np.float32).tolist() for _ in range(20)]
    column = _chunked(rows, size)
    index = np.array([19, 0, 5, 5, 12, 3, 18, 0])
    got = take_vectors(column, index)
    assert got.type == LIST
    assert got.equals(column.take(pa.array(index)).combine_chunks())
    # a sliced chunk (offsets not starting at 0) reads its own rows
    sliced = pa.chunked_array([pa.array(rows, LIST).slice(6, 9)], LIST)
    assert take_vectors(sliced, np.array([8, 0])).to_pylist() == [rows[14], rows[6]]


def test_nulls_and_mixed_lengths_fall_back_to_arrows_take() -> None:
    rows: list[list[float] | None] = [[1.0, 2.0], None, [3.0]]
    column = _chunked(rows, 2)
    assert take_vectors(column, np.array([2, 1, 0])).to_pylist() == [[3.0], None, [1.0, 2.0]]


def test_empty_and_out_of_range() -> None:
    column = _chunked([[1.0, 2.0], [3.0, 4.0]], 1)
    assert take_vectors(column, np.array([], dtype=np.int64)).to_pylist() == []
    with pytest.raises(IndexError):
        take_vectors(column, np.array([2]))
    with pytest.raises(IndexError):
        take_vectors(column, np.array([-1]))
