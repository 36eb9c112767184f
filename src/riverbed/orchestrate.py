"""`riverbed run` / `replay` / `demo` drive Dagster from one Python process.

A Dagster run spans one partitions definition, so a pipeline run is a short sequence of
in-process runs: one collect run per source kind (a contiguous range of due sources each),
then the daily refine/publish run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riverbed.core.catalogue import Catalogue

Progress = Callable[[str], None]

# Dagster's console logger at ERROR: step failures still show, the event chatter does not
# (every event is in the instance's event log and the UI).
QUIET_LOGS: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass
class RunSummary:
    date: str
    run_ids: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)  # one row per source collected
    # Dagster runs that did not succeed: run id -> the first step failure's message
    failed_runs: dict[str, str] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def failed_sources(self) -> list[dict[str, Any]]:
        return [s for s in self.sources if s["status"] == "failed"]


def prepare_dagster_home(home: str | None = None) -> str:
    """Make sure DAGSTER_HOME exists with a local (SQLite) instance and telemetry off."""
    path = Path(home or os.environ.get("DAGSTER_HOME") or "./.riverbed/dagster").absolute()
    path.mkdir(parents=True, exist_ok=True)
    cfg = path / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(path)
    return str(path)


def run_pipeline(
    catalogue: Catalogue,
    catalogue_path: str,
    lake_uri: str,
    date: str | None = None,
    *,
    replay: bool = False,
    force: bool = False,
    select: str | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Materialise the pipeline for `date` (default: today UTC) through Dagster."""
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    os.environ["RIVERBED_LAKE"] = lake_uri
    os.environ["RIVERBED_SOURCES"] = catalogue_path
    prepare_dagster_home()

    import dagster as dg

    from riverbed.definitions import build_definitions
    from riverbed.defs.automation import range_tags
    from riverbed.defs.collect import KINDS
    from riverbed.defs.partitions import sync_source_partitions
    from riverbed.lake import Lake
    from riverbed.pipeline.collect import SourceState
    from riverbed.pipeline.schedule import contiguous_ranges, is_due

    now = datetime.now(UTC)
    today = now.date().isoformat()
    date = date or today
    summary = RunSummary(date=date)
    defs = build_definitions()
    instance = dg.DagsterInstance.get()
    lake = Lake(lake_uri)
    state = SourceState(lake)

    by_kind: dict[str, list[Any]] = {}
    for s in catalogue.sources:
        by_kind.setdefault(s.kind, []).append(s)
    sync_source_partitions(instance, {k: [s.id for s in v] for k, v in by_kind.items()}, KINDS)

    selected: set[str] | None = None
    if select:
        graph = defs.resolve_asset_graph()
        keys = dg.AssetSelection.from_string(select).resolve(graph)
        selected = {k.to_user_string() for k in keys}

    for kind in KINDS:
        if selected is not None and f"{kind}_items" not in selected:
            continue
        sources = by_kind.get(kind, [])
        every_due = force or replay or date != today
        due = {s.id for s in sources if every_due or is_due(s.every_td, state.load(s.id), now)}
        if not due:
            say(f"collect {kind}: nothing due")
            continue
        order = list(instance.get_dynamic_partitions(f"{kind}_sources"))
        job = defs.resolve_job_def(f"collect_{kind}")
        for first, last in contiguous_ranges(order, due):
            say(f"collect {kind}: {first} … {last} ({'replay' if replay else 'live'})")
            result = job.execute_in_process(
                instance=instance,
                tags={**range_tags(date, first, last), "riverbed/replay": str(replay).lower()},
                run_config={
                    "ops": {f"{kind}_items": {"config": {"replay": replay}}},
                    **QUIET_LOGS,
                },
                raise_on_error=False,
            )
            summary.run_ids.append(result.run_id)
            if not result.success:
                summary.failed_runs[result.run_id] = _failure_cause(result)

    daily_assets = [
        k for k in defs.resolve_job_def("refine_and_publish").asset_layer.executable_asset_keys
    ]
    chosen = [k for k in daily_assets if selected is None or k.to_user_string() in selected]
    if chosen:
        say(f"refine and publish {date}")
        result = defs.resolve_job_def("refine_and_publish").execute_in_process(
            instance=instance,
            partition_key=date,
            asset_selection=chosen,
            run_config=QUIET_LOGS,
            raise_on_error=False,
        )
        summary.run_ids.append(result.run_id)
        if not result.success:
            summary.failed_runs[result.run_id] = _failure_cause(result)

    summary.sources = _source_rows(lake, date, set(summary.run_ids), replay)
    summary.wall_s = time.monotonic() - started
    return summary


def _failure_cause(result: Any) -> str:
    """The first step failure of an in-process run, as `step: ExceptionType: message`."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            err = event.step_failure_data.error
            cause = err.cause or err
            return f"{event.step_key}: {cause.cls_name}: {cause.message.strip()}"
    return "the run failed (see `riverbed ui`)"


def _source_rows(lake: Any, date: str, run_ids: set[str], replay: bool) -> list[dict[str, Any]]:
    from riverbed.lake.journal import Journal

    rows = Journal(lake).read("source_health", date).to_pylist()
    if not replay:
        rows = [r for r in rows if r["run_id"] in run_ids]
    latest: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["at"]):
        latest[r["source_id"]] = r
    return [
        {
            "source_id": r["source_id"],
            "status": r["status"],
            "items_new": r["items_new"],
            "items_seen": r["items_seen"],
            "error_kind": r["error_kind"],
            "message": r["message"],
        }
        for r in sorted(latest.values(), key=lambda r: r["source_id"])
    ]
