"""`riverbed status`: one row per catalogue source, from the lake only (no Dagster)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from riverbed.lake.journal import Journal
from riverbed.lake.store import Lake
from riverbed.pipeline.collect import SourceState

HISTORY_DAYS = 14
ERROR_RATE_RUNS = 10
STALE_FACTOR = 3


def is_stale(every: timedelta, last_success: datetime | None, now: datetime) -> bool:
    """Stale: no success for 3 x the source's `every` (the rule the stale-source check uses)."""
    return last_success is None or now - last_success > STALE_FACTOR * every


def source_status(lake: Lake, sources: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    journal = Journal(lake)
    history: dict[str, list[dict[str, Any]]] = {}
    for back in range(HISTORY_DAYS):
        day = (now - timedelta(days=back)).date().isoformat()
        for row in journal.read("source_health", day).to_pylist():
            history.setdefault(row["source_id"], []).append(row)
    states = SourceState(lake)
    rows = []
    for s in sources:
        state = states.load(s.id)
        runs = sorted(history.get(s.id, []), key=lambda r: r["at"], reverse=True)
        recent = runs[:ERROR_RATE_RUNS]
        last_success = state.get("last_success_at")
        last_success_at = datetime.fromisoformat(last_success) if last_success else None
        stale = is_stale(s.every_td, last_success_at, now)
        if not state.get("last_attempt_at"):
            status = "never_run"
        elif stale:
            status = "stale"
        else:
            status = state.get("last_status") or "ok"
        rows.append(
            {
                "source_id": s.id,
                "status": status,
                "last_success_at": last_success_at,
                "items_new": recent[0]["items_new"] if recent else None,
                "error_rate": round(sum(r["status"] == "failed" for r in recent) / len(recent), 3)
                if recent
                else None,
                "stale": stale if state.get("last_attempt_at") else False,
            }
        )
    return rows
