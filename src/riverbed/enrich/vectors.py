"""A day's story vectors as the enrichers read them: gathered a slice at a time.

`VectorRows` is what `topics.cluster_topics` and `interest.interest_scores` accept besides a
plain matrix: the pipeline hands them `pipeline.enrich.StoryVectors`, which reads the rows
straight from the embeddings table, so a day of 100 k stories x 512 floats (200 MB) is not
copied whole once more beside what the enricher builds from it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SLICE_ROWS = 8_192


@runtime_checkable
class VectorRows(Protocol):
    """The stories' vectors, gathered on demand: `rows(index)` is a float32 array of
    (len(index), dim)."""

    @property
    def dim(self) -> int: ...

    def __len__(self) -> int: ...

    def rows(self, index: np.ndarray) -> np.ndarray: ...


class MatrixRows:
    """A matrix as `VectorRows`."""

    def __init__(self, vectors: np.ndarray, n: int) -> None:
        self.matrix = np.asarray(vectors, dtype=np.float32).reshape(n, -1)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.matrix)

    def rows(self, index: np.ndarray) -> np.ndarray:
        return self.matrix[index]


def as_rows(vectors: np.ndarray | VectorRows, n: int) -> VectorRows:
    return vectors if isinstance(vectors, VectorRows) else MatrixRows(vectors, n)


def slices(m: int, size: int = SLICE_ROWS) -> list[slice]:
    return [slice(start, min(m, start + size)) for start in range(0, m, size)]


def row_norms(x: np.ndarray) -> np.ndarray:
    """`np.linalg.norm(x, axis=1, keepdims=True)`, the same numbers, a slice of rows at a time
    (the whole call squares a copy of x)."""
    out = np.empty((len(x), 1), dtype=x.dtype)
    for part in slices(len(x)):
        out[part] = np.linalg.norm(x[part], axis=1, keepdims=True)
    return out


def take_vectors(column: pa.ChunkedArray | pa.Array, index: np.ndarray) -> pa.Array:
    """`column.take(index)` for a list<float32> column of vectors of one length, without the
    copies Arrow makes: taking from a chunked list column concatenates its chunks first, and
    its peak was three times the result (100 k vectors of 512: +600 MB for a 200 MB column).
    Here each chunk's values are read in place into one array, which becomes the result's
    values. Nulls or vectors of mixed lengths: Arrow's own take."""
    index = np.asarray(index, dtype=np.int64)
    if len(index) and (index.min() < 0 or index.max() >= len(column)):
        raise IndexError(f"index out of bounds for {len(column)} vectors")
    lengths = pc.list_value_length(column)
    dim = pc.max(lengths).as_py() if len(column) else 0
    if (
        not dim
        or column.null_count
        or pc.min(lengths).as_py() != dim
        or len(index) * dim >= 2**31  # list<> offsets are int32
    ):
        return column.take(pa.array(index, pa.int64()))
    out = np.empty((len(index), dim), dtype=np.float32)
    start = 0
    for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
        values = pc.list_flatten(chunk).to_numpy(zero_copy_only=False).reshape(-1, dim)
        inside = np.flatnonzero((index >= start) & (index < start + len(chunk)))
        out[inside] = values[index[inside] - start]
        start += len(chunk)
    return matrix_column(out)


def matrix_column(vectors: np.ndarray) -> pa.Array:
    """The rows of a matrix as list<float32>, sharing its memory when it is C-contiguous
    float32."""
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"a matrix of vectors has 2 dimensions, not {matrix.ndim}")
    n, dim = matrix.shape
    offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(matrix.reshape(-1), pa.float32()))
