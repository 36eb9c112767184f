"""Refine steps: the day's items, their engagement history and history tables (stories:
`pipeline.stories`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riverbed.core.ids import ID_HEX_CHARS
from riverbed.core.rules import catalogue_rules
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ITEM_METRICS, ITEMS, TABLES
from riverbed.lake.store import conform, key_rows, rows_to_table


def _dedupe(rows: Iterable[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """First row per key wins; output sorted by key (deterministic)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in keys), row)
    return [
        out[k] for k in sorted(out, key=lambda t: tuple("" if v is None else str(v) for v in t))
    ]


def items_table(collected: Iterable[pa.Table], catalogue: Any = None) -> pa.Table:
    """The day's items from every collect partition, one row per item_id (the first met),
    sorted by item_id, with the catalogue's keep/block rules applied (`hidden_by`); with a
    catalogue, only its sources' items (a source removed from it leaves the day's items).

    In Arrow: only the rules see Python rows, and only the fields they read, a batch at a
    time (a day of 100 k items as whole Python rows took ~1 KB each)."""
    parts = [conform(t, ITEMS) for t in collected]
    if not parts:
        return ITEMS.empty_table()
    day = pa.concat_tables(parts)
    rows = _first_rows(day, ["item_id"])
    if catalogue is None:
        return day.take(rows)
    # the rows kept and their order in one index: the day's columns are copied once
    known = pa.array(sorted({s.id for s in catalogue.sources}), pa.string())
    rows = pc.filter(rows, pc.is_in(day.column("source_id").take(rows), value_set=known))
    table = day.take(rows)
    del day, rows
    hide = catalogue_rules(catalogue)
    read = table.select(["source_id", "title", "url", "author", "text", "tags"])
    hidden = [hide(r) for b in read.to_batches(max_chunksize=8_192) for r in b.to_pylist()]
    at = table.schema.get_field_index("hidden_by")
    return table.set_column(at, ITEMS.field(at), pa.array(hidden, pa.string()))


def _first_per_key(table: pa.Table, keys: list[str]) -> pa.Table:
    """The first row of each key, sorted by the keys (a null key first, as "" sorted)."""
    return table.take(_first_rows(table, keys)) if table.num_rows else table


def _first_rows(table: pa.Table, keys: list[str]) -> pa.Array:
    """`_first_per_key`'s rows of `table`, in their order."""
    fast = _id_time_rows(table, keys) if table.num_rows else None
    if fast is not None:
        return pa.array(fast)
    first = pa.array(key_rows(table, keys), pa.int64())
    order = pc.sort_indices(
        table.select(keys).take(first),
        sort_keys=[(k, "ascending", "at_start") for k in keys],
    )
    return first.take(order)


_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[ord("0") : ord("9") + 1] = np.arange(10)
_HEX[ord("a") : ord("f") + 1] = np.arange(10, 16)


def hex_ids(column: pa.ChunkedArray) -> np.ndarray | None:
    """Ids of `ID_HEX_CHARS` lower-case hex digits (`core.ids`) as uint64s that sort as the
    strings do; None unless every value is one (no nulls)."""
    if column.type != pa.string() or column.null_count:
        return None
    out = np.empty(len(column), dtype=np.uint64)
    at = 0
    for chunk in column.chunks:
        n = len(chunk)
        if not n:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], np.int32)[chunk.offset : chunk.offset + n + 1]
        if not np.all(np.diff(offsets) == ID_HEX_CHARS):
            return None
        data = np.frombuffer(chunk.buffers()[2], np.uint8)
        digits = _HEX[data[offsets[0] : offsets[-1]]].reshape(n, ID_HEX_CHARS)
        if (digits == 255).any():
            return None
        value = np.zeros(n, dtype=np.uint64)
        for j in range(ID_HEX_CHARS):
            value = (value << np.uint64(4)) | digits[:, j]
        out[at : at + n] = value
        at += n
    return out


def _id_time_rows(table: pa.Table, keys: list[str]) -> np.ndarray | None:
    """`_first_per_key`'s rows, in order, for keys (a hex id, a timestamp) without nulls, in
    numpy: a hash table of millions of string keys (`key_rows`) and a string sort took
    ~0.4 GB for a day's engagement history. None when the keys are not of that kind."""
    if len(keys) != 2 or not pa.types.is_timestamp(table.schema.field(keys[1]).type):
        return None
    ids = hex_ids(table.column(keys[0]))
    times = table.column(keys[1])
    if ids is None or times.null_count:
        return None
    at = times.cast(pa.int64()).to_numpy()
    order = np.lexsort((at, ids))  # stable: the first row of a key stays first
    ids, at = ids[order], at[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ids[1:] != ids[:-1]) | (at[1:] != at[:-1])
    return order[first]


# what `item_metrics_table` reads of the day's items
METRIC_ITEM_FIELDS = ("item_id", "source_id", "last_seen_at", "score", "comments", "run_id")


def item_metrics_table(
    existing: pa.Table | None, observed: pa.Table | None, items: pa.Table
) -> pa.Table:
    """The day's engagement history: every observation collect journaled (`observed`), what
    the partition held already, and each item's latest values; one row per (item, observed_at),
    so re-runs and replays add nothing. The first row of a key wins; sorted by item, then time.
    An observation with neither a score nor a comment count (most feeds carry neither) is no
    engagement: it is left out (`engaged`).

    In Arrow, not Python rows: every run observes every item its feeds show, so a day holds
    runs x items rows (2.4 M for 5,000 feeds of 20 items run hourly, were they all engaged)."""
    latest = pa.table(
        {
            "item_id": items.column("item_id"),
            "source_id": items.column("source_id"),
            "observed_at": items.column("last_seen_at"),
            "score": items.column("score"),
            "comments": items.column("comments"),
            "run_id": items.column("run_id"),
        }
    )
    parts = [
        engaged(conform(t, ITEM_METRICS)) for t in (existing, observed, latest) if t is not None
    ]
    return _first_per_key(pa.concat_tables(parts), ["item_id", "observed_at"])


def engaged(observations: pa.Table) -> pa.Table:
    """The observations with a score or a comment count."""
    keep = pc.or_(pc.is_valid(observations["score"]), pc.is_valid(observations["comments"]))
    return observations.filter(keep)


def history_table(journal: Journal, name: str, date: str) -> pa.Table:
    """A history table's day: every journal record of that day, once."""
    schema, keys = TABLES[name]
    time_col = "fetched_at" if "fetched_at" in schema.names else "at"

    def chronological(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r[time_col] is None, r[time_col], *(str(r[k]) for k in keys))

    rows = sorted(journal.read(name, date).to_pylist(), key=chronological)
    ordered = _dedupe(rows, keys)  # the earliest record of a key wins (replays add nothing)
    ordered.sort(key=chronological)
    return rows_to_table(ordered, schema)
