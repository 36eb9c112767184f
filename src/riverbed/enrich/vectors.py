"""A day's story vectors as the enrichers read them: gathered a slice at a time.

`VectorRows` is what `topics.cluster_topics` and `interest.interest_scores` accept besides a
plain matrix: the pipeline hands them `SpooledVectors` (`pipeline.enrich.story_vectors`),
which keeps the day's vectors in a local temporary file and reads a slice at a time, so a
day of 300 k stories x 512 floats (600 MB) is not in memory at all (topics: ~15 passes over
it).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import IO, Protocol, runtime_checkable

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


class SpooledVectors:
    """The vectors of `story_ids` (in that order) from record batches of (story_id, vector)
    rows, written to a temporary file as float32 rows and read back with `preadv` a slice at
    a time: the day's vectors (~2 KB a story) stay on local disk (and the page cache, which
    the kernel may reclaim), not in the process. A story's row is the vector of its last row
    in the batches; zeros for a story without one, or with one of another length than the
    longest of `story_ids`' vectors. The file has no name (it is gone with the process, even
    a killed one); `directory`: where it is made (default: the system's temporary folder,
    `TMPDIR`). A context manager: the file is closed at `close`."""

    def __init__(
        self,
        batches: Iterable[pa.RecordBatch],
        story_ids: Sequence[str],
        directory: str | None = None,
    ) -> None:
        self.n = len(story_ids)
        self._directory = directory
        self._files: dict[int, IO[bytes]] = {}  # a row length -> the rows of that length
        # each story's place in the files: a story named twice has one
        place: dict[str, int] = {}
        self._place = np.fromiter(
            (place.setdefault(sid, len(place)) for sid in story_ids), np.int64, self.n
        )
        self._length = np.zeros(len(place), dtype=np.int64)  # each story's last row's length
        self.dim = 0
        try:
            self._spool(batches, place)
        except BaseException:
            self.close()
            raise

    def _spool(self, batches: Iterable[pa.RecordBatch], where: dict[str, int]) -> None:
        for batch in batches:
            at = np.fromiter(
                (where.get(s, -1) for s in batch.column("story_id").to_pylist()),
                np.int64,
                batch.num_rows,
            )
            column = batch.column("vector")
            lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
            mine = at >= 0
            self._length[at[mine]] = lengths[mine]
            for length in np.unique(lengths[mine & (lengths > 0)]).tolist():
                place, block = full_rows(column, length)
                rows = np.flatnonzero(mine & (place >= 0))
                self._write(length, at[rows], block[place[rows]])
        self.dim = int(self._length.max(initial=0))
        for length in [k for k in self._files if k != self.dim]:
            self._files.pop(length).close()
        self._full = self._length == self.dim

    def _write(self, length: int, at: np.ndarray, rows: np.ndarray) -> None:
        """Rows to their places in the file of that length, a run of consecutive places per
        write (in table order: a later row of a story replaces an earlier one)."""
        if length not in self._files:
            # kept open across calls, closed by `close`
            self._files[length] = tempfile.TemporaryFile(  # noqa: SIM115
                prefix="riverbed-vectors-", dir=self._directory
            )
        fd, width = self._files[length].fileno(), length * 4
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        for run in _runs(at):
            data = rows[run].data.cast("B")
            offset = int(at[run.start]) * width
            while data:  # a write may take part of it
                done = os.pwrite(fd, data, offset)
                data, offset = data[done:], offset + done

    def __len__(self) -> int:
        return self.n

    def rows(self, index: np.ndarray) -> np.ndarray:
        index = self._place[np.asarray(index, dtype=np.int64)]
        out = np.zeros((len(index), self.dim), dtype=np.float32)
        if not self.dim or not len(index):
            return out
        fd, width = self._files[self.dim].fileno(), self.dim * 4
        full = self._full[index]
        wanted = np.unique(index[full])
        got = np.zeros((len(wanted), self.dim), dtype=np.float32)
        for run in _runs(wanted):
            into = got[run].data.cast("B")
            offset = int(wanted[run.start]) * width
            while into:  # straight into the array; a read may take part of it
                done = os.preadv(fd, [into], offset)
                if not done:
                    break
                into, offset = into[done:], offset + done
        out[full] = got[np.searchsorted(wanted, index[full])]
        return out

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._files.clear()

    def __enter__(self) -> SpooledVectors:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _runs(sorted_positions: np.ndarray) -> list[slice]:
    """The runs of consecutive values in an array, as slices of it."""
    if not len(sorted_positions):
        return []
    breaks = np.flatnonzero(np.diff(sorted_positions) != 1) + 1
    edges = [0, *breaks.tolist(), len(sorted_positions)]
    return [slice(a, b) for a, b in itertools.pairwise(edges)]
