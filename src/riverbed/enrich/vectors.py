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


def full_rows(chunk: pa.Array, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """A list<float32> array's rows of exactly `dim` (>= 1) values: each row's place in the
    returned (rows, dim) array, -1 for a null or another length, and that array (a view of
    the array's own values when every row is full)."""
    lengths = pc.fill_null(pc.list_value_length(chunk), 0).to_numpy(zero_copy_only=False)
    values = pc.list_flatten(chunk).to_numpy(zero_copy_only=False)
    full = lengths == dim
    if not full.all():  # only the full rows' values (a byte mask, not an index per value)
        values = values[np.repeat(full, lengths)]
    place = np.where(full, np.cumsum(full) - 1, -1)
    return place, values.reshape(-1, dim)


def matrix_column(vectors: np.ndarray) -> pa.Array:
    """The rows of a matrix as list<float32>, sharing its memory when it is C-contiguous
    float32."""
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"a matrix of vectors has 2 dimensions, not {matrix.ndim}")
    n, dim = matrix.shape
    offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(matrix.reshape(-1), pa.float32()))
