"""The enrichers' cache: values keyed by a hash of exactly what an enricher read, kept in
the lake, so a re-run never recomputes an unchanged story.

`content_key(*parts)` is the SHA-256 (hex) of the parts, each normalised (Unicode NFC,
whitespace runs collapsed to one space, ends stripped) and length-prefixed, so ("ab", "c")
and ("a", "bc") differ and None differs from "". The enricher's name and version are not in
the key: they are the cache's namespace (`EnrichCache(lake, "keywords/v1")`), so a new
version starts an empty cache and the old one can be deleted as a whole.

Layout: `<lake>/cache/<namespace>/seg-<UTC time>-<random>-n<rows>.parquet`, append-only
segment objects, each written whole through `Lake.write_table` (a temporary file and a
rename locally, one PUT or multipart upload on S3), so a reader never sees half a segment
and two runs writing at once never overwrite each other (no read-modify-write of a shared
object). Columns: `h` (the key's first 64 bits as an int64, to find keys by reading one
small column), `key`, `json` (the value as JSON) and `vector` (list<float32>, for values
that are vectors).

`get_many(keys)` reads the `h` column of every segment, then only the row groups that hold a
wanted key. `put_many(values)` writes one segment, then compacts: when a namespace holds more
than `MAX_SEGMENTS` small segments (under `BIG_SEGMENT_ROWS` rows) they are merged into one
(latest value of a key wins, insertion order kept so recent entries stay together) and the
merged segments deleted — the merged object is written before anything is deleted, so a
crash in between leaves duplicates, never a loss, and a reader that listed a segment just
deleted simply misses (and recomputes) its keys. Big segments are never rewritten, so the
work per run stays bounded as the cache grows.

Values are JSON-serialisable (str, numbers, lists, dicts, None); a numpy array or a list of
floats of length `MIN_VECTOR` or more is stored as list<float32> and comes back as a list
of floats (float32 precision).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from upath import UPath

from riverbed.enrich.vectors import full_rows, matrix_column
from riverbed.lake.store import Lake, conform, key_rows, open_parquet, read_parquet

MAX_SEGMENTS = 16  # small segments in a namespace before they are merged into one
BIG_SEGMENT_ROWS = 200_000  # a segment this big is final: never merged again
ROW_GROUP_ROWS = 4_096  # the unit read for a hit (vectors: ~8 MB at 512 dims)
MIN_VECTOR = 8  # a list of at least this many floats is stored as a vector
SCHEMA = pa.schema(
    [
        ("h", pa.int64()),
        ("key", pa.string()),
        ("json", pa.string()),
        ("vector", pa.list_(pa.float32())),
    ]
)
_VALUES = pa.schema([SCHEMA.field("key"), SCHEMA.field("json"), SCHEMA.field("vector")])
_NAMESPACE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]*")
_SEGMENT = re.compile(r"^seg-(?P<stamp>\d{8}T\d{12})-(?P<id>[0-9a-f]{8})-n(?P<rows>\d+)\.parquet$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]")


def content_key(*parts: str | None) -> str:
    """SHA-256 hex of the normalised, length-prefixed parts (see the module docstring)."""
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"~")
            continue
        text = " ".join(unicodedata.normalize("NFC", str(part)).split())
        data = text.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def _h(key: str) -> int:
    """The first 64 bits of a hex key as a signed int64 (any other key: hashed first)."""
    head = key[:16]
    try:
        value = int(head, 16) if len(head) == 16 else None
    except ValueError:
        value = None
    if value is None:
        value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return value - (1 << 64) if value >= 1 << 63 else value


def safe_namespace(namespace: str) -> str:
    """`namespace` as a relative path: parts separated by "/", each made of letters, digits
    and `._+=-` (anything else becomes "_"; "model:7b" -> "model_7b"); "." and ".." parts
    and empty namespaces are refused (ValueError)."""
    parts = [p for p in namespace.strip().split("/") if p]
    if not parts:
        raise ValueError("an enrichment cache needs a namespace, e.g. 'keywords/v1'")
    safe = [_UNSAFE.sub("_", p) for p in parts]
    for p in safe:
        if not _NAMESPACE_PART.fullmatch(p):
            raise ValueError(f"bad cache namespace part {p!r} in {namespace!r}")
    return "/".join(safe)


class EnrichCache:
    """The cache of one enricher version in a lake (see the module docstring)."""

    def __init__(self, lake: Lake, namespace: str) -> None:
        self.lake = lake
        self.namespace = safe_namespace(namespace)
        self.root = lake.path("cache", *self.namespace.split("/"))

    def __repr__(self) -> str:
        return f"EnrichCache({self.lake.shown!r}, {self.namespace!r})"

    # -- reading ---------------------------------------------------------------------------
    def segments(self) -> list[UPath]:
        """This namespace's segment objects, oldest first (not those of nested namespaces)."""
        found = []
        for path in self.lake.list_files(self.root):
            if path.parent.path.rstrip("/") == self.root.path.rstrip("/") and _SEGMENT.match(
                path.name
            ):
                found.append(path)
        return sorted(found, key=lambda p: p.name)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The cached value of each of `keys` that has one (missing keys are absent; a
        cached None is present). Later segments win over earlier ones."""
        return {row["key"]: _decode(row) for row in self.get_table(keys).to_pylist()}

    def get_table(self, keys: Iterable[str]) -> pa.Table:
        """What `get_many` finds, as Arrow: one row (`key`, `json`, `vector`) per key found,
        its latest value. Vectors stay list<float32>: a day's 100 k embeddings as Python
        floats took ~16 KB each."""
        wanted = sorted(set(keys))
        found = list(self._hits(wanted)) if wanted else []
        return _latest(pa.concat_tables(found)) if found else _VALUES.empty_table()

    def fill_vectors(self, keys: Sequence[str], out: np.ndarray) -> np.ndarray:
        """Write the cached vector of each of `keys` into its row of `out` ((len(keys), dim)
        float32), a row group at a time: a day's vectors are never held twice (a table of the
        hits beside the result). Returns per key whether it was found; a cached value that is
        not a vector of `dim` floats is not. Later segments win, as in `get_many`."""
        n, dim = out.shape
        found = np.zeros(n, dtype=bool)
        if not n:
            return found
        unique: dict[str, int] = {}
        inverse = np.fromiter((unique.setdefault(k, len(unique)) for k in keys), np.int64, n)
        # each key's first row in `out`; rows of a key met again are copied from it at the end
        first = np.full(len(unique), -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(n)[::-1]
        got = np.zeros(len(unique), dtype=bool)
        for table in self._hits(sorted(unique)):
            which = np.fromiter(
                (unique.get(k, -1) for k in table.column("key").to_pylist()),
                np.int64,
                table.num_rows,
            )
            start = 0
            for chunk in table.column("vector").chunks:
                place, block = full_rows(chunk, dim)
                mine = which[start : start + len(chunk)]
                rows = np.flatnonzero((mine >= 0) & (place >= 0))[::-1]
                # a key twice in one group (never written so): its last row wins
                _, last = np.unique(mine[rows], return_index=True)
                rows = rows[last]
                out[first[mine[rows]]] = block[place[rows]]
                got[mine[rows]] = True
                start += len(chunk)
        found = got[inverse]
        again = np.flatnonzero(found & (first[inverse] != np.arange(n)))
        out[again] = out[first[inverse[again]]]
        return found

    def _hits(self, wanted: list[str]) -> Iterator[pa.Table]:
        """The rows whose key is one of `wanted`, oldest segment first, a row group at a time."""
        wanted_h = np.unique(
            np.fromiter((_h(k) for k in wanted), dtype=np.int64, count=len(wanted))
        )
        keys = pa.array(wanted, pa.string())
        for path in self.segments():
            for table in self._groups_with(path, wanted_h):
                # a wanted h may be another key's (a 64-bit collision); filtering copies every
                # vector found, so only when there is such a row
                mine = pc.is_in(table.column("key"), value_set=keys)
                yield table if pc.all(mine).as_py() else table.filter(mine)

    def _groups_with(self, path: UPath, wanted_h: np.ndarray) -> Iterator[pa.Table]:
        """The rows of one segment whose `h` is wanted (`_VALUES` columns), a row group at a
        time, reading only the row groups that hold some; nothing when it has none."""
        try:
            with path.open("rb") as fh:
                parquet = open_parquet(fh)
                hashes = parquet.read(columns=["h"]).column("h").to_numpy()
                hits = np.flatnonzero(np.isin(hashes, wanted_h))
                if not len(hits):
                    return
                starts = np.cumsum(
                    [0]
                    + [
                        parquet.metadata.row_group(i).num_rows
                        for i in range(parquet.num_row_groups)
                    ]
                )
                groups = sorted(set(np.searchsorted(starts, hits, side="right") - 1))
                for group in groups:
                    table = parquet.read_row_group(group, columns=_VALUES.names)
                    local = (
                        hits[(hits >= starts[group]) & (hits < starts[group + 1])] - starts[group]
                    )
                    if len(local) < table.num_rows:  # a whole group wanted: no copy
                        table = table.take(pa.array(local))
                    yield conform(table, _VALUES)
        except FileNotFoundError:
            return  # compacted away since it was listed: its keys are recomputed
        except pa.ArrowInvalid:
            return  # not Parquet (a damaged object): a miss; compaction removes it
        except Exception as exc:  # the store's own errors (botocore's are not OSErrors)
            raise self.lake.error("read", path, exc) from None

    def _read(self, path: UPath) -> pa.Table | None:
        """A whole segment; None when it is gone or is not Parquet."""
        try:
            with path.open("rb") as fh:
                return conform(read_parquet(open_parquet(fh)), SCHEMA)
        except FileNotFoundError:
            return None
        except pa.ArrowInvalid:
            return None
        except Exception as exc:  # the store's own errors (botocore's are not OSErrors)
            raise self.lake.error("read", path, exc) from None

    # -- writing ---------------------------------------------------------------------------
    def put_many(self, values: Mapping[str, Any]) -> None:
        """Store `values` (key -> value) as one new segment, then compact if segments have
        piled up. Nothing is written for an empty mapping."""
        if not values:
            return
        table = _table(values.items())
        self.lake.write_table(self._new_segment_path(table.num_rows), table)
        self.compact()

    def put_vectors(self, keys: Sequence[str], vectors: np.ndarray) -> pa.Array:
        """`put_many` of one vector per key (the rows of `vectors`, float32), straight from
        the matrix; returns the list<float32> column written, which shares the matrix's
        memory (a day's fresh embeddings are not copied to be cached, nor again to be used)."""
        column = matrix_column(vectors)
        if len(keys) != len(column):
            raise ValueError(f"{len(keys)} keys for {len(column)} vectors")
        if keys:
            table = pa.table(
                {
                    "h": pa.array([_h(k) for k in keys], pa.int64()),
                    "key": pa.array(keys, pa.string()),
                    "json": pa.nulls(len(keys), pa.string()),
                    "vector": column,
                },
                schema=SCHEMA,
            )
            self.lake.write_table(self._new_segment_path(table.num_rows), _chunked(table))
            self.compact()
        return column

    def compact(self, max_segments: int = MAX_SEGMENTS) -> bool:
        """Merge the small segments into one when there are more than `max_segments`;
        returns whether it did."""
        small = [p for p in self.segments() if _rows_of(p) < BIG_SEGMENT_ROWS]
        if len(small) <= max_segments:
            return False
        # compacted by another run already, or damaged: None, and dropped below
        tables = [t for t in (self._read(path) for path in small) if t is not None]
        merged = _chunked(_latest(pa.concat_tables(tables)) if tables else SCHEMA.empty_table())
        # named after the newest merged segment, so segments written meanwhile stay newer
        stamp = _SEGMENT.match(small[-1].name)
        assert stamp is not None
        self.lake.write_table(self._new_segment_path(merged.num_rows, stamp["stamp"]), merged)
        for path in small:
            self._delete(path)
        return True

    def _new_segment_path(self, rows: int, stamp: str | None = None) -> UPath:
        stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        return self.root / f"seg-{stamp}-{uuid.uuid4().hex[:8]}-n{rows}.parquet"

    def _delete(self, path: UPath) -> None:
        try:
            path.unlink(missing_ok=True)
        except FileNotFoundError:
            return
        except Exception as exc:  # the store's own errors (botocore's are not OSErrors)
            raise self.lake.error("delete", path, exc) from None


def _rows_of(path: UPath) -> int:
    m = _SEGMENT.match(path.name)
    return int(m["rows"]) if m else 0


def _is_vector(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim == 1 and np.issubdtype(value.dtype, np.floating)
    return (
        isinstance(value, list)
        and len(value) >= MIN_VECTOR
        and all(isinstance(x, float) for x in value)
    )


def _table(items: Iterable[tuple[str, Any]]) -> pa.Table:
    hs: list[int] = []
    keys: list[str] = []
    texts: list[str | None] = []
    vectors: list[np.ndarray | None] = []
    for key, value in items:
        hs.append(_h(key))
        keys.append(key)
        if _is_vector(value):
            texts.append(None)
            vectors.append(np.asarray(value, dtype=np.float32))
        else:
            texts.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
            vectors.append(None)
    columns = {"h": pa.array(hs, pa.int64()), "key": pa.array(keys, pa.string())}
    columns |= {"json": pa.array(texts, pa.string()), "vector": vector_column(vectors)}
    return _chunked(pa.table(columns, schema=SCHEMA))


def vector_column(vectors: list[np.ndarray | None]) -> pa.Array:
    """list<float32> straight from the arrays (None: a null), no Python float per value."""
    lengths = np.array([0 if v is None else len(v) for v in vectors], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    present = [v for v in vectors if v is not None]
    values = np.concatenate(present) if present else np.zeros(0, dtype=np.float32)
    nulls = np.array([v is None for v in vectors], dtype=bool)
    return pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(values, pa.float32()), mask=pa.array(nulls)
    )


def _latest(table: pa.Table) -> pa.Table:
    """The last row of each key, in the order of those rows (a key written again moves to
    its latest place: recent entries stay together)."""
    if pc.count_distinct(table.column("key")).as_py() == table.num_rows:
        return table  # every key once (a day's lookups, mostly): nothing to copy
    return table.take(np.sort(key_rows(table, ["key"], last=True)))


def _chunked(table: pa.Table) -> pa.Table:
    """`table` in chunks of ROW_GROUP_ROWS: the lake writes one row group per chunk, small
    enough that a hit reads little besides itself."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=ROW_GROUP_ROWS), schema=SCHEMA)


def _decode(row: Mapping[str, Any]) -> Any:
    if row["vector"] is not None:
        return [float(x) for x in row["vector"]]
    return json.loads(row["json"]) if row["json"] is not None else None
