"""Refine steps: the day's items, their engagement history, stories, and history tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from riverbed.core.rules import catalogue_rules
from riverbed.core.stories import build_stories
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ITEM_METRICS, ITEMS, STORIES, TABLES
from riverbed.lake.store import conform, rows_to_table


def _dedupe(rows: Iterable[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """First row per key wins; output sorted by key (deterministic)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in keys), row)
    return [
        out[k] for k in sorted(out, key=lambda t: tuple("" if v is None else str(v) for v in t))
    ]


def items_table(collected: Iterable[pa.Table], catalogue: Any = None) -> pa.Table:
    """The day's items from every collect partition, one row per item_id, with the
    catalogue's keep/block rules applied (`hidden_by`); with a catalogue, only its sources'
    items (a source removed from it leaves the day's items)."""
    rows = _dedupe((r for t in collected for r in conform(t, ITEMS).to_pylist()), ("item_id",))
    if catalogue is not None:
        known = {s.id for s in catalogue.sources}
        rows = [r for r in rows if r["source_id"] in known]
        hide = catalogue_rules(catalogue)
        for row in rows:
            row["hidden_by"] = hide(row)
    return rows_to_table(rows, ITEMS)


def item_metrics_table(
    existing: pa.Table | None, observed: pa.Table | None, items: pa.Table
) -> pa.Table:
    """The day's engagement history: every observation collect journaled (`observed`), what
    the partition held already, and each item's latest values; one row per (item, observed_at),
    so re-runs and replays add nothing."""
    old = [] if existing is None else conform(existing, ITEM_METRICS).to_pylist()
    journaled = [] if observed is None else conform(observed, ITEM_METRICS).to_pylist()
    new = [
        {
            "item_id": r["item_id"],
            "source_id": r["source_id"],
            "observed_at": r["last_seen_at"],
            "score": r["score"],
            "comments": r["comments"],
            "run_id": r["run_id"],
        }
        for r in items.to_pylist()
    ]
    rows = _dedupe([*old, *journaled, *new], ("item_id", "observed_at"))
    return rows_to_table(rows, ITEM_METRICS)


def stories_table(items: pa.Table, date: str) -> pa.Table:
    return rows_to_table(build_stories(items.to_pylist(), date), STORIES)


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
