"""Two processes syncing the same dynamic source partitions at once (two `riverbed run` start
together): both succeed and each dimension ends up holding every source exactly once."""

from __future__ import annotations

import multiprocessing
from typing import Any

ROUNDS = 4
SOURCES = [f"src-{n:04d}" for n in range(200)]


def _sync_rounds(home: str, barrier: Any, errors: Any) -> None:
    import dagster as dg

    from riverbed.defs.partitions import sync_source_partitions
    from riverbed.orchestrate import prepare_dagster_home

    prepare_dagster_home(home)
    instance = dg.DagsterInstance.get()
    for n in range(ROUNDS):
        barrier.wait(timeout=120)  # both processes add the same new partitions at once
        try:
            sync_source_partitions(instance, {f"k{n}": SOURCES}, [f"k{n}"])
        except Exception as exc:
            errors.put(f"round {n}: {exc!r}")


def test_two_processes_adding_the_same_partitions_both_succeed(tmp_path, monkeypatch):
    import dagster as dg

    from riverbed.orchestrate import prepare_dagster_home

    home = str(tmp_path / "dagster")
    monkeypatch.setenv("DAGSTER_HOME", home)  # prepare_dagster_home sets it: undone after
    prepare_dagster_home(home)
    dg.DagsterInstance.get().get_dynamic_partitions("k0_sources")  # storage exists before
    # fork: this process has imported Dagster already (a spawned child pays seconds for it)
    ctx = multiprocessing.get_context("fork")
    barrier, errors = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_sync_rounds, args=(home, barrier, errors)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0, 0]
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    instance = dg.DagsterInstance.get()
    for n in range(ROUNDS):
        assert list(instance.get_dynamic_partitions(f"k{n}_sources")) == SOURCES
