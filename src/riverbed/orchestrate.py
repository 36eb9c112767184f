"""`riverbed run` / `replay` / `demo` drive Dagster from one Python process.

A Dagster run spans one partitions definition, so a pipeline run is a short sequence of
in-process runs: one collect run per source kind (a contiguous range of due sources each),
then the daily refine/publish run.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

from riverbed.core.catalogue import Catalogue
from riverbed.lake.lease import pid_alive
from riverbed.lake.store import release_memory
from riverbed.progress import RunProgress, Stage, StageEvent

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
    # earlier runs whose process had died, marked failed at start (see `sweep_dead_runs`)
    swept_runs: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def failed_sources(self) -> list[dict[str, Any]]:
        return [s for s in self.sources if s["status"] == "failed"]


GENERATED_MARK = "# Written by riverbed; edit freely (delete this line to keep your edits)."

# The local instance: SQLite storage (Dagster's default), no telemetry, one step at a time per
# platform API pool (`riverbed_<kind>`) across all runs, and run retries for the daemon (each
# job's `dagster/max_retries` tag says how many).
LOCAL_INSTANCE = f"""{GENERATED_MARK}
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
run_retries:
  enabled: true
  max_retries: 0
"""


def dagster_home(home: str | None = None) -> str:
    """`home`, else DAGSTER_HOME, else `./.riverbed/dagster`, as an absolute path."""
    return str(Path(home or os.environ.get("DAGSTER_HOME") or "./.riverbed/dagster").absolute())


def prepare_dagster_home(home: str | None = None) -> str:
    """Make sure DAGSTER_HOME exists with a local (SQLite) instance configured for riverbed.

    A `dagster.yaml` riverbed wrote itself is kept current; one the user owns (no marker line)
    is left alone.
    """
    path = Path(dagster_home(home))
    path.mkdir(parents=True, exist_ok=True)
    cfg = path / "dagster.yaml"
    current = cfg.read_text() if cfg.exists() else None
    if current is None or (current.startswith(GENERATED_MARK) and current != LOCAL_INSTANCE):
        tmp = cfg.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(LOCAL_INSTANCE)
        tmp.replace(cfg)
    os.environ["DAGSTER_HOME"] = str(path)
    return str(path)


PID_TAG = "riverbed/pid"
HOST_TAG = "riverbed/host"


def process_tags() -> dict[str, str]:
    """Tags naming the process that executes an in-process run (see `sweep_dead_runs`)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def sweep_dead_runs(instance: Any) -> list[str]:
    """Mark failed the in-process runs of this host whose process is gone; free their pool slots.

    An in-process run killed with -9 stays STARTED forever (no run monitoring without the
    daemon and a launcher that can check worker health), and its concurrency-pool slot is never
    released, so the next run of that pool would wait forever. A process killed between
    storing a run and starting it leaves it NOT_STARTED, equally forever. Returns the swept
    run ids.
    """
    import dagster as dg

    host = socket.gethostname()
    records = instance.get_run_records(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.NOT_STARTED,
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.CANCELING,
            ],
            tags={HOST_TAG: host},
        )
    )
    swept = []
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or int(pid) == os.getpid() or pid_alive(int(pid)):
            continue
        instance.report_run_failed(
            run, f"riverbed: the process running it (pid {pid} on {host}) is gone"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        swept.append(run.run_id)
    return swept


def run_pipeline(
    catalogue: Catalogue,
    catalogue_path: str,
    lake_uri: str,
    date: str | None = None,
    *,
    replay: bool = False,
    force: bool = False,
    select: str | None = None,
    progress: Progress | RunProgress | None = None,
    executor: str = "in_process",
) -> RunSummary:
    """Materialise the pipeline for `date` (default: today UTC) through Dagster.

    `executor` (see `riverbed.defs.executors`): `in_process` runs every step in this process,
    one run after the other; any other executor runs the collect runs side by side (their steps
    spread over the executor's workers), then the daily run.

    `progress`: a `riverbed.progress.RunProgress` is told each Dagster run's start, events
    (in-process runs) and end; a plain callable gets the progress messages only."""
    from riverbed.defs.executors import executor_name

    executor = executor_name(executor)
    # the code location the workers load agrees on the lake, catalogue and executor; the
    # process's environment is given back as it was when the run ends
    with scoped_environ(
        RIVERBED_LAKE=lake_uri,
        RIVERBED_SOURCES=catalogue_path,
        RIVERBED_EXECUTOR=executor,
        DAGSTER_HOME=dagster_home(),
    ):
        prepare_dagster_home()
        return _run_pipeline(
            catalogue, catalogue_path, lake_uri, date, replay, force, select, progress, executor
        )


@contextlib.contextmanager
def scoped_environ(**values: str) -> Iterator[None]:
    """Set environment variables for a block; on leaving it they are as before."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_pipeline(
    catalogue: Catalogue,
    catalogue_path: str,
    lake_uri: str,
    date: str | None,
    replay: bool,
    force: bool,
    select: str | None,
    progress: Progress | RunProgress | None,
    executor: str,
) -> RunSummary:
    started = time.monotonic()
    say = progress if isinstance(progress, RunProgress) else RunProgress(progress)

    import dagster as dg

    from riverbed.core.slots import slot_map, slot_order
    from riverbed.defs.articles import articles_run_config
    from riverbed.defs.automation import range_tags
    from riverbed.defs.collect import KINDS
    from riverbed.defs.enrich import enrich_run_config
    from riverbed.defs.partitions import sync_source_partitions
    from riverbed.lake import Lake
    from riverbed.pipeline.collect import SourceState
    from riverbed.pipeline.schedule import contiguous_ranges, is_due

    now = datetime.now(UTC)
    today = now.date().isoformat()
    date = date or today
    summary = RunSummary(date=date)
    defs = current_definitions()
    instance = dg.DagsterInstance.get()
    summary.swept_runs = sweep_dead_runs(instance)
    for run_id in summary.swept_runs:
        say(f"marked failed: run {run_id} (its process is gone)")
    lake = Lake(lake_uri)
    state = SourceState(lake)

    by_kind: dict[str, list[Any]] = {}
    for s in catalogue.sources:
        by_kind.setdefault(s.kind, []).append(s)
    above = catalogue.settings.source_buckets_above
    slots = {k: slot_map([s.id for s in v], above) for k, v in by_kind.items()}
    sync_source_partitions(
        instance, {k: slot_order(list(v), above) for k, v in slots.items()}, KINDS
    )

    selected: set[str] | None = None
    if select:
        graph = defs.resolve_asset_graph()
        keys = dg.AssetSelection.from_string(select).resolve(graph)
        selected = {k.to_user_string() for k in keys}

    launches: list[Launch] = []
    for kind in KINDS:
        if selected is not None and f"{kind}_items" not in selected:
            continue
        sources = by_kind.get(kind, [])
        every_due = force or replay or date != today
        due = {s.id for s in sources if every_due or is_due(s.every_td, state.load(s.id), now)}
        if not due:
            if sources:  # a kind the catalogue does not use is not worth a line
                say(f"collect {kind}: nothing due")
            continue
        due_slots = {slots[kind][i] for i in due}
        order = list(instance.get_dynamic_partitions(f"{kind}_sources"))
        config = {"replay": replay, "due_only": not every_due}
        for first, last in contiguous_ranges(order, due_slots):
            in_range = set(order[order.index(first) : order.index(last) + 1])
            launches.append(
                Launch(
                    job=f"collect_{kind}",
                    what=f"collect {kind}: {first} … {last} ({'replay' if replay else 'live'})",
                    tags={**range_tags(date, first, last), "riverbed/replay": str(replay).lower()},
                    run_config={"ops": {f"{kind}_items": {"config": config}}},
                    sources=sum(1 for i in due if slots[kind][i] in in_range),
                )
            )
    resources = {
        "lake": {"config": {"uri": lake_uri}},
        "lake_io": {"config": {"uri": lake_uri}},
        "catalogue": {"config": {"path": catalogue_path}},
    }
    runner = _Runner(defs, instance, executor, say, resources)
    runner.run_all(launches, summary)

    daily_assets = [
        k for k in defs.resolve_job_def("refine_and_publish").asset_layer.executable_asset_keys
    ]
    chosen = [k for k in daily_assets if selected is None or k.to_user_string() in selected]
    if chosen:
        daily = Launch(
            job="refine_and_publish",
            what=f"refine and publish {date}",
            tags={"dagster/partition": date},
            run_config=_daily_run_config(
                chosen,
                articles_run_config(replay, buckets=1 if executor == "in_process" else 0),
                enrich_run_config(replay),
            ),
            assets=chosen,
        )
        runner.run_all([daily], summary)

    if select is None and not summary.failed_runs:
        _compact_closed_days(lake, date, say)
    try:
        summary.sources = _source_rows(lake, date, set(summary.run_ids), replay)
    except OSError:
        if not summary.failed_runs:
            raise
        # the lake is why the runs failed: their causes say so, the summary stays empty
    if not replay:  # alerts speak of live collection; a replay only re-derives history
        from riverbed.pipeline.notify import notify_run_end

        notify_run_end(catalogue, lake, summary)
    summary.wall_s = time.monotonic() - started
    return summary


def _compact_closed_days(lake: Any, date: str, say: RunProgress) -> None:
    """Compact the per-source tables' days before the run's yesterday into one object each
    (`riverbed.lake.compact`): a query over a closed day then reads one object per table.
    A storage failure here leaves the day as it was; the run's own work is done."""
    from datetime import date as date_type
    from datetime import timedelta

    from riverbed.lake.compact import compact_closed

    before = (date_type.fromisoformat(date) - timedelta(days=1)).isoformat()
    try:
        done = compact_closed(lake, before=before)
    except OSError as exc:
        say(f"compaction skipped: {exc}")
        return
    for r in done:
        if r.skipped:
            say(f"compaction of {r.table} {r.date} skipped: {r.skipped}")
        elif r.written is not None:
            say(f"compacted {r.table} {r.date}: {r.parts} partitions, {r.rows} rows")


@dataclass
class Launch:
    """One Dagster run to make: a job, its tags and run config (and asset subset)."""

    job: str
    what: str
    tags: dict[str, str]
    run_config: dict[str, Any]
    assets: list[Any] | None = None
    sources: int | None = None  # collect runs: how many source partitions the range holds


class _Runner:
    """Executes launches: in this process one after the other, or (any other executor) each
    run from a reconstructable job, side by side in child processes that only wait on their
    run's steps while the executor's workers do the work. Processes, not threads: Dagster
    configures `logging` while a run starts, and two runs starting in threads of one process
    deadlock on the logging locks (seen with the Postgres event log)."""

    def __init__(
        self, defs: Any, instance: Any, executor: str, say: RunProgress, resources: dict[str, Any]
    ) -> None:
        self.defs, self.instance, self.executor, self.say = defs, instance, executor, say
        # every run says which lake and catalogue it works on: a worker's own environment
        # may name others (the run config is also what the UI shows for the run)
        self.common = {"resources": resources, **QUIET_LOGS}

    def run_all(self, launches: list[Launch], summary: RunSummary) -> None:
        if not launches:  # nothing due or selected (a pool of no workers cannot start)
            return
        launches = [replace(x, run_config={**x.run_config, **self.common}) for x in launches]
        stages = [_stage_of(x) for x in launches]
        if self.executor == "in_process":
            results = []
            for launch, stage in zip(launches, stages):
                self._show(self.say.start_stage, stage)
                results.append(self._in_process(launch, stage))
                release_memory()
                self._show(self.say.finish_stage, stage, results[-1][1])
        else:  # the runs report no events to this process: a stage's start, then its end
            for stage in stages:
                self._show(self.say.start_stage, stage)
            if len(launches) == 1:
                results = [_execute_launch(launches[0])]
            else:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["riverbed.definitions"])
                # a forkserver's children have the environment it started with (an earlier
                # run's DAGSTER_HOME in a long-lived process): each launch brings this one's
                environ = dict(os.environ)
                with ProcessPoolExecutor(min(8, len(launches)), mp_context=context) as pool:
                    results = list(pool.map(_execute_launch, launches, repeat(environ)))
            for stage, (run_id, cause) in zip(stages, results):
                self._show(self._replay, stage, run_id)
                self._show(self.say.finish_stage, stage, cause)
        for run_id, cause in results:
            summary.run_ids.append(run_id)
            if cause is not None:
                summary.failed_runs[run_id] = cause

    def _replay(self, stage: Stage, run_id: str) -> None:
        """A run made in other processes reported nothing here while it ran: its
        materialisations, read back from the event log, count for the stage's end."""
        from dagster import DagsterEventType

        for entry in self.instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            event = _stage_event(entry)
            if event is not None:
                self.say.event(stage, event)

    @staticmethod
    def _show(hook: Callable[..., None], *args: Any) -> None:
        """Call a progress hook; progress is cosmetic and never fails a run."""
        with contextlib.suppress(Exception):
            hook(*args)

    def _in_process(self, launch: Launch, stage: Stage) -> tuple[str, str | None]:
        from dagster._core.utils import make_new_run_id

        tags = {**launch.tags, **process_tags()}
        partition = tags.pop("dagster/partition", None)
        # the instance calls a run's listeners with every event it stores, in this process
        run_id = make_new_run_id()

        def on_event(entry: Any) -> None:
            event = _stage_event(entry)
            if event is not None:
                self._show(self.say.event, stage, event)

        self.instance.add_event_listener(run_id, on_event)
        result = execute_in_process(
            self.defs.resolve_job_def(launch.job),
            instance=self.instance,
            partition_key=partition,
            asset_selection=launch.assets,
            tags=tags,
            run_config=launch.run_config,
            run_id=run_id,
        )
        return result.run_id, None if result.success else _failure_cause(result)


def execute_in_process(
    job: Any,
    *,
    instance: Any,
    partition_key: str | None,
    asset_selection: list[Any] | None,
    tags: dict[str, str],
    run_config: dict[str, Any],
    run_id: str,
) -> Any:
    """`job.execute_in_process(...)` (raise_on_error=False) without its output capture.

    Dagster's `execute_in_process` keeps every step's output value in memory until the run
    ends (for `result.output_for_node`, which riverbed never calls): in a run of a whole day
    the day's tables piled up step after step (a 210 k-item day: 2.2 GB by the digest). This
    is the same call with capture off, through Dagster's own internals (pinned version); if
    they are not there, the public call."""
    try:
        from dagster._core.definitions.job_base import InMemoryJob
        from dagster._core.definitions.partitions.context import partition_loading_context
        from dagster._core.execution.execute_in_process import (
            core_execute_in_process,
            merge_run_tags,
            type_check_and_normalize_args,
        )
    except ImportError:  # another Dagster: the public call, outputs captured
        return job.execute_in_process(
            instance=instance,
            partition_key=partition_key,
            asset_selection=asset_selection,
            tags=tags,
            run_config=run_config,
            raise_on_error=False,
            run_id=run_id,
        )
    config, op_selection, selection, resource_defs, partition_key, input_values = (
        type_check_and_normalize_args(
            run_config=run_config,
            partition_key=partition_key,
            op_selection=None,
            asset_selection=asset_selection,
            input_values=None,
            resources=None,
        )
    )
    ephemeral = job.as_ephemeral_job(
        resource_defs=resource_defs,
        input_values=input_values,
        op_selection=op_selection,
        asset_selection=selection,
    )
    if partition_key and ephemeral.partitions_def:
        with partition_loading_context(dynamic_partitions_store=instance) as ctx:
            ephemeral.validate_partition_key(
                partition_key=partition_key, selected_asset_keys=set(selection), context=ctx
            )
    if not config and ephemeral.partitioned_config and partition_key:
        config = ephemeral.partitioned_config.get_run_config_for_partition_key(partition_key)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral),
        run_config=config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=False,
        run_tags=merge_run_tags(
            job_def=job,
            partition_key=partition_key,
            tags=tags,
            asset_selection=selection,
            instance=instance,
            run_config=config,
        ),
        run_id=run_id,
        asset_selection=frozenset(selection),
    )


def _stage_of(launch: Launch) -> Stage:
    return Stage(what=launch.what, sources=launch.sources, assets=len(launch.assets or []))


def _stage_event(entry: Any) -> StageEvent | None:
    """A Dagster event log entry as a progress event (None: not one progress shows)."""
    event = entry.dagster_event
    if event is None:
        return None
    if event.is_step_start:
        return StageEvent("step_started", step=event.step_key)
    if event.is_step_success:
        duration_ms = getattr(event.event_specific_data, "duration_ms", None)
        return StageEvent(
            "step_succeeded",
            step=event.step_key,
            duration_s=None if duration_ms is None else duration_ms / 1000,
        )
    if event.is_step_failure:
        error = event.step_failure_data.error if event.step_failure_data else None
        cause = (error.cause or error) if error else None
        message = f"{cause.cls_name}: {cause.message.strip()}" if cause else None
        return StageEvent("step_failed", step=event.step_key, message=message)
    if event.is_step_materialization:
        materialization = event.step_materialization_data.materialization
        partition = materialization.partition
        source = None
        if partition is not None and hasattr(partition, "keys_by_dimension"):
            source = partition.keys_by_dimension.get("source")
        elif isinstance(partition, str) and "|" in partition:
            source = partition.split("|")[-1]  # dimensions in name order: date|source
        meta = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
        status = meta.get("status")
        failed = meta.get("failed_sources") or []  # a bucket's
        return StageEvent(
            "materialized",
            step=event.step_key,
            asset=materialization.asset_key.to_user_string(),
            source=source,
            status=status,
            sources=int(meta.get("sources") or 1),
            failed=tuple(str(f) for f in failed),
        )
    return None


def current_definitions() -> Any:
    """The code location built under the environment as it is now, made the one a run
    loaded by module in this process gets (`riverbed.definitions.defs`, what
    `_execute_launch` loads): a long-lived or forked process may hold the one its first
    import built under another environment (another executor, another Dagster home)."""
    import riverbed.definitions

    defs = riverbed.definitions.build_definitions()
    riverbed.definitions.defs = defs
    return defs


def _execute_launch(
    launch: Launch, environ: dict[str, str] | None = None
) -> tuple[str, str | None]:
    """One run through the code location's executor; the workers load the same code location
    (`riverbed.definitions`, configured by the same environment).

    `environ`: the launching process's environment, for a child process that may have been
    forked with another; the code location preloaded under that other one is built again."""
    import dagster as dg
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    if environ is not None and environ != dict(os.environ):
        os.environ.clear()
        os.environ.update(environ)
        current_definitions()

    repo = ReconstructableRepository.for_module("riverbed.definitions", "defs")
    with (
        dg.DagsterInstance.get() as instance,
        dg.execute_job(
            repo.get_reconstructable_job(launch.job),
            instance=instance,
            run_config=launch.run_config,
            tags={**launch.tags, **process_tags()},
            asset_selection=launch.assets,
            raise_on_error=False,
        ) as result,
    ):
        return result.run_id, None if result.success else _failure_cause(result)


def _failure_cause(result: Any) -> str:
    """The first step failure of an in-process run, as `step: ExceptionType: message`."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            err = event.step_failure_data.error
            cause = err.cause or err
            # Dagster's message repeats the exception's qualified name: keep the text only
            message = re.sub(
                rf"^([\w.]+\.)?{re.escape(cause.cls_name or '')}: ", "", cause.message.strip()
            )
            return f"{event.step_key}: {cause.cls_name}: {message}"
    return "the run failed (see `riverbed ui`)"


def _daily_run_config(chosen: list[Any], articles: dict[str, Any], enrich: dict[str, Any]) -> Any:
    """The daily run's op config: only for the steps the run executes (Dagster rejects
    config for ops outside the selection)."""
    names = {k.to_user_string() for k in chosen}
    ops: dict[str, Any] = {}
    if "articles" in names:
        ops.update(articles["ops"])
    if "enrichments" in names:
        ops.update(enrich["ops"])
    return {"ops": ops} if ops else {}


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
