"""The whole pipeline on Dagster's Celery executor: Redis (broker + results), Postgres (the
Dagster instance), SeaweedFS (the lake, through which steps hand data over) and two
`dagster-celery` workers, all started here from PyPI packages.

One `riverbed demo --executor celery` over S3, during which a worker's pool process is
SIGKILLed while it executes a step:
1. the task goes back to the queue (late ack, reject on worker loss), the step runs again on a
   replaced pool process, and the run succeeds, both workers having executed steps;
2. an in-process `riverbed replay` of the same lake, with the network off (loopback S3 and
   Postgres's Unix socket aside), rebuilds exactly the current-state tables the killed Celery
   run wrote and adds no history row — so the distributed run, kill included, computed what
   an uninterrupted in-process run computes, and replay needs nothing but the lake.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery_cluster import Stack, celery_stack, start_workers

from cli_runner import NETWORK_OFF_BUT_S3, SUITE_DAY
from riverbed.lake import Lake
from riverbed.lake.query import connect
from test_demo_e2e import CURRENT_STATE, HISTORY

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # one long module fixture

RUN_TIMEOUT_S = 900  # a hang guard; minutes on a loaded 2-core machine
KILLED_STEP = "rss_items"  # the longest collect step of the demo (160 feeds onto S3)
TABLES = [*CURRENT_STATE, *HISTORY]  # compared row by row after the replay
DAY = SUITE_DAY  # the demo's and the replay's (a suite past midnight)


def _cli(
    stack: Stack, work: Path, *args: str, bootstrap: str | None = None
) -> subprocess.Popen[str]:
    how = ["-c", bootstrap] if bootstrap else ["-m", "riverbed.cli"]
    return subprocess.Popen(
        [sys.executable, *how, *args],
        cwd=work,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    return proc.returncode, out


def _snapshot(uri: str, tables: list[str]) -> dict[str, list[str]]:
    con = connect(Lake(uri))
    return {
        t: sorted(repr(r) for r in con.execute(f"select * from {t}").fetchall()) for t in tables
    }


def _workers_that_ran_steps(instance: Any) -> set[str]:
    import dagster as dg

    names = set()
    for record in instance.get_run_records():
        for entry in instance.all_logs(
            record.dagster_run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT
        ):
            event = entry.dagster_event
            data = event.engine_event_data if event else None
            for key, value in (data.metadata if data else {}).items():
                if key == "Celery worker":
                    names.add(str(value.value).split("@")[0])
    return names


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Any:
    tmp = tmp_path_factory.mktemp("celery")
    work = tmp / "work"
    work.mkdir()
    with celery_stack(tmp) as stack:
        start_workers(stack, 2, tmp)
        yield stack, work


def _step_start_pid(instance: Any, step: str) -> tuple[str, int] | None:
    import dagster as dg

    for record in instance.get_run_records():
        run = record.dagster_run
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START):
            event = entry.dagster_event
            if event and event.step_key == step and event.pid:
                return run.run_id, event.pid
    return None


@dataclass
class KilledDemo:
    uri: str
    code: int
    out: str
    run_id: str  # the run whose step's pool process was killed
    pid: int  # the killed pool process
    pool_pids: set[int]  # the workers' pool processes when the demo started


@pytest.fixture(scope="module")
def celery_demo(cluster) -> KilledDemo:
    """The demo on Celery; `KILLED_STEP`'s pool process is SIGKILLed as soon as it starts."""
    stack, work = cluster
    uri = stack.s3.uri("celery")
    proc = _cli(stack, work, "demo", "--executor", "celery", "--lake", uri, "--date", DAY)
    pool_pids = {pid for w in stack.workers for pid in w.pool_pids()}
    found = None
    with stack.instance() as instance:
        deadline = time.monotonic() + 120
        while found is None and time.monotonic() < deadline and proc.poll() is None:
            found = _step_start_pid(instance, KILLED_STEP)
            time.sleep(0.05)
    if found is None:
        proc.kill()
        code, out = _finish(proc)
        pytest.fail(f"the step {KILLED_STEP} never started (exit {code}):\n{out[-4000:]}")
    run_id, pid = found
    os.kill(pid, signal.SIGKILL)
    code, out = _finish(proc)
    return KilledDemo(uri, code, out, run_id, pid, pool_pids)


def test_demo_on_celery_succeeds_on_both_workers(cluster, celery_demo) -> None:
    stack, _ = cluster
    assert celery_demo.code == 0, celery_demo.out[-4000:]
    assert "sources ok" in celery_demo.out
    with stack.instance() as instance:
        assert _workers_that_ran_steps(instance) == {"w1", "w2"}
        import dagster as dg

        runs = instance.get_run_records()
        assert runs and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    # every lease was given back (the daily run's steps each held their part of `daily/<date>`
    # in a pool process that lives on): the next run of the date does not wait for them
    leases = Lake(celery_demo.uri).path("leases")
    assert [p for p in leases.fs.find(leases.path) if p.endswith(".lease")] == []


def test_in_process_replay_with_the_network_off_rebuilds_exactly_what_celery_wrote(
    cluster, celery_demo
) -> None:
    stack, work = cluster
    uri = celery_demo.uri
    assert celery_demo.code == 0, celery_demo.out[-4000:]
    written = _snapshot(uri, TABLES)
    lake = Lake(uri)
    for table in CURRENT_STATE:
        folder = lake.table_dir(table)
        folder.fs.rm(folder.path, recursive=True)
    assert not _snapshot(uri, ["items"])["items"]
    replay = _cli(
        stack,
        work,
        "replay",
        "--executor",
        "in_process",
        "--sources",
        ".riverbed/demo/sources.yaml",
        "--lake",
        uri,
        "--date",
        DAY,
        bootstrap=NETWORK_OFF_BUT_S3,
    )
    code, out = _finish(replay)
    assert code == 1, out[-4000:]  # the demo's deliberately broken feeds still fail
    rebuilt = _snapshot(uri, TABLES)
    assert rebuilt["articles"]
    for table in TABLES:
        assert rebuilt[table] == written[table], table


def test_killing_the_pool_process_mid_step_requeues_the_step_and_the_run_completes(
    cluster, celery_demo
) -> None:
    import dagster as dg

    stack, _ = cluster
    assert celery_demo.pid in celery_demo.pool_pids  # a worker's pool process ran the step
    assert celery_demo.code == 0, celery_demo.out[-4000:]
    with stack.instance() as instance:
        starts = instance.all_logs(celery_demo.run_id, of_type=dg.DagsterEventType.STEP_START)
        assert [e.dagster_event.step_key for e in starts].count(KILLED_STEP) == 2
        assert instance.get_run_by_id(celery_demo.run_id).status == dg.DagsterRunStatus.SUCCESS
    # the pool process was replaced: each worker still has one, and not the killed one
    now = {pid for w in stack.workers for pid in w.pool_pids()}
    assert all(len(w.pool_pids()) == 1 for w in stack.workers)
    assert celery_demo.pid not in now
