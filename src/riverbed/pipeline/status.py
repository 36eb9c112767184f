"""`riverbed status`: one row per catalogue source, from the lake only (no Dagster).

It must answer in well under a second on a lake of months of hourly runs (see
benchmarks/bench_status.py): the last `HISTORY_DAYS` days of `source_health` are read from
the daily folded table plus the journal objects not folded yet (`recent_health`), the columns
used only, ordered once in numpy, and only each source's latest `ERROR_RATE_RUNS` rows become
Python values. This module imports neither Dagster nor the collect pipeline (HTTP client, parsers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from upath import UPath

from riverbed.core.notify import SourceObservation, condition_of
from riverbed.lake.schemas import SOURCE_HEALTH
from riverbed.lake.state import SourceState
from riverbed.lake.store import Lake

HISTORY_DAYS = 14
ERROR_RATE_RUNS = 10
STALE_FACTOR = 3

COLUMNS = ("source_id", "status", "items_new", "at")


def is_stale(every: timedelta, last_success: datetime | None, now: datetime) -> bool:
    """Stale: no success for 3 x the source's `every` (the rule the stale-source check uses)."""
    return last_success is None or now - last_success > STALE_FACTOR * every


def _read(lake: Lake, files: Sequence[UPath], schema: pa.Schema) -> pa.Table:
    """`files` (Parquet), `schema`'s columns only; a column an older object lacks is null."""
    if not files:
        return schema.empty_table()
    if lake.local:
        import pyarrow.dataset as ds

        # one multi-threaded scan with column projection, no per-file Python work
        return ds.dataset([f.path for f in files], schema=schema, format="parquet").to_table()
    return lake.read_tables(files, SOURCE_HEALTH).select(schema.names)


def _run_id_of(journal_object: UPath) -> str:
    """A journal object is named `<run_id>-<12 hex>.parquet` (`Journal.append`)."""
    return journal_object.name.removesuffix(".parquet").rsplit("-", 1)[0]


def recent_health(lake: Lake, now: datetime) -> pa.Table:
    """The `source_health` rows of the last `HISTORY_DAYS` days (by partition day), `COLUMNS`
    only, in no particular order.

    A day is read from its `source_health` table partition (the daily run folds the day's
    journal into it, de-duplicated) plus the journal objects of runs the table does not hold
    yet (collect runs since the last daily run): one object per day instead of one per
    collect run — with hourly runs of a few source kinds, ~70 times fewer objects to open."""
    schema = pa.schema([SOURCE_HEALTH.field(c) for c in (*COLUMNS, "run_id")])
    parts: list[pa.Table] = []
    pending: list[UPath] = []
    for back in range(HISTORY_DAYS):
        day = (now - timedelta(days=back)).date().isoformat()
        journal = lake.list_files(lake.path("journal", "source_health", f"date={day}"))
        folded = lake.partition_path("source_health", {"date": day})
        if lake.exists(folded):
            table = _read(lake, [folded], schema)
            parts.append(table)
            seen = set(pc.unique(table.column("run_id")).to_pylist())
            journal = [f for f in journal if _run_id_of(f) not in seen]
        pending += journal
    parts.append(_read(lake, pending, schema))
    return pa.concat_tables(parts).select(list(COLUMNS))


def _latest_runs(table: pa.Table) -> dict[str, list[tuple[str, int | None]]]:
    """source_id -> its latest `ERROR_RATE_RUNS` (status, items_new), newest first.

    Vectorised: rows are ordered by (source, time descending) with one numpy lexsort over
    integer codes, each row's rank within its source follows from where the codes change,
    and only the rows ranked under `ERROR_RATE_RUNS` become Python values."""
    import numpy as np

    if table.num_rows == 0:
        return {}
    encoded = table.column("source_id").combine_chunks().dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    at = table.column("at").combine_chunks().cast(pa.int64()).fill_null(0).to_numpy()
    order = np.lexsort((-at, codes))
    ordered = codes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rows = table.take(pa.array(order[rank < ERROR_RATE_RUNS]))
    out: dict[str, list[tuple[str, int | None]]] = {}
    for sid, status, items_new in zip(
        rows.column("source_id").to_pylist(),
        rows.column("status").to_pylist(),
        rows.column("items_new").to_pylist(),
    ):
        out.setdefault(sid, []).append((status, items_new))
    return out


def source_status(lake: Lake, sources: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """One row per source: `source_id`, `status` (`ok|failed|stale|not_modified|never_run`;
    failed before stale, the alerts' rule (`riverbed.core.notify.condition_of`): `stale` only
    for a source that is not failing but whose last success is too old), `last_success_at`,
    `items_new` (its last run), `error_rate` (share of failed runs among its last 10 in the
    last 14 days), `stale` (no success for 3 x `every`, never succeeded included)."""
    history = _latest_runs(recent_health(lake, now))
    states = SourceState(lake)
    rows = []
    for s in sources:
        state = states.load(s.id)
        recent = history.get(s.id, [])
        last_success = state.get("last_success_at")
        last_success_at = datetime.fromisoformat(last_success) if last_success else None
        stale = is_stale(s.every_td, last_success_at, now)
        last_status = state.get("last_status") or "ok"
        observed = SourceObservation(
            s.id, bool(state.get("last_attempt_at")), last_status == "failed", stale
        )
        condition = condition_of(observed)  # the alerts' rule: failed before stale
        status = {None: "never_run", "stale": "stale"}.get(condition, last_status)
        rows.append(
            {
                "source_id": s.id,
                "status": status,
                "last_success_at": last_success_at,
                "items_new": recent[0][1] if recent else None,
                "error_rate": round(sum(st == "failed" for st, _ in recent) / len(recent), 3)
                if recent
                else None,
                "stale": stale if state.get("last_attempt_at") else False,
            }
        )
    return rows
