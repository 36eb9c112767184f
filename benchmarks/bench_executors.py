"""The demo on each executor and lake, side by side, and the share of each that is Dagster.

Matrix, each cell on a fresh lake, the same demo corpus and day, served by one replay server:
  baseline     the pipeline's own work called directly (bench_demo's `baseline`), no Dagster
  in_process   `orchestrate.run_pipeline(executor="in_process")`, SQLite DAGSTER_HOME
  celery       `orchestrate.run_pipeline(executor="celery")`: Postgres DAGSTER_HOME, Redis
               broker/backend, 2 `dagster-celery` workers with 1 pool process each
x lake: a local folder (all processes are on this machine) and S3 (SeaweedFS on loopback).

Every cell runs in a new Python process with its own environment (DAGSTER_HOME, executor,
AWS variables); the clock covers only the pipeline call, after the imports, as in
bench_demo.py. The instances are created and the source partitions registered before any
clock starts; the workers are started once and serve both celery cells.
Dagster overhead share = (cell - baseline on the same lake) / cell. Events = entries in the
instance's event log for the cell's runs.

The stack (SeaweedFS, Redis, Postgres, workers) comes from the test helpers in tests/ and
tests/celery (`celery_stack`, `start_workers`): a benchmark reusing test fixtures, on purpose,
so it runs exactly the setup the Celery tests check.

    uv run python benchmarks/bench_executors.py [--rounds 3] [--cells celery-s3,baseline-s3]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CELLS = (
    "baseline-local",
    "in_process-local",
    "celery-local",
    "baseline-s3",
    "in_process-s3",
    "celery-s3",
)
CELL_TIMEOUT_S = 900


# -- one cell, in its own process ----------------------------------------------------------------
def run_cell(mode: str, lake_uri: str, catalogue_path: str, date: str) -> dict[str, Any]:
    from riverbed.core.catalogue import load_catalogue

    catalogue = load_catalogue(catalogue_path)
    if mode == "baseline":
        sys.path.insert(0, str(HERE))
        from bench_demo import baseline

        return {"wall_s": baseline(catalogue, lake_uri, date), "objects": _objects(lake_uri)}

    import dagster as dg

    import riverbed.definitions  # noqa: F401  (import cost stays outside the clock)
    from riverbed.orchestrate import run_pipeline

    t0 = time.perf_counter()
    summary = run_pipeline(catalogue, catalogue_path, lake_uri, date, force=True, executor=mode)
    wall = time.perf_counter() - t0
    out: dict[str, Any] = {"wall_s": wall, "failed_runs": summary.failed_runs}
    by_type: collections.Counter[str] = collections.Counter()
    steps = []
    pickup = []  # celery: step submitted to the queue -> the step starts in a worker
    with dg.DagsterInstance.get() as instance:
        for run_id in summary.run_ids:
            submitted: dict[str, float] = {}
            for entry in instance.all_logs(run_id):
                event = entry.dagster_event
                by_type[event.event_type_value if event else "LOG_MESSAGE"] += 1
                if event is None or event.step_key is None:
                    continue
                if event.is_engine_event and entry.user_message.startswith("Submitting celery"):
                    submitted[event.step_key] = entry.timestamp
                elif event.is_step_start and event.step_key in submitted:
                    pickup.append(entry.timestamp - submitted[event.step_key])
            for s in instance.get_run_step_stats(run_id):
                if s.start_time and s.end_time:
                    steps.append((s.step_key, s.end_time - s.start_time))
            stats = instance.get_run_stats(run_id)
            out.setdefault("run_s", []).append(
                (stats.end_time or 0) - (stats.start_time or 0) if stats.start_time else None
            )
    out["events"] = sum(by_type.values())
    out["events_by_type"] = dict(by_type.most_common())
    out["runs"] = len(summary.run_ids)
    out["steps"] = len(steps)
    out["step_s"] = sum(d for _, d in steps)
    out["slowest_steps"] = sorted(steps, key=lambda s: -s[1])[:3]
    out["pickup_s"] = sorted(pickup)
    out["objects"] = _objects(lake_uri)
    return out


def _objects(lake_uri: str) -> int:
    """Files (objects) in the lake after the run: each one at least one S3 PUT."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(lake_uri)
    return len(fs.find(root))


def event_write_ms(n: int = 100) -> float:
    """Milliseconds to store one engine event in this process's instance (DAGSTER_HOME)."""
    import uuid

    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.add_run(dg.DagsterRun(job_name="bench_event_write", run_id=uuid.uuid4().hex))
        instance.report_engine_event("warm up", run)
        t0 = time.perf_counter()
        for i in range(n):
            instance.report_engine_event(f"bench {i}", run)
        elapsed = time.perf_counter() - t0
        instance.delete_run(run.run_id)
    return 1000 * elapsed / n


# -- the matrix ----------------------------------------------------------------------------------
def _cell_process(
    cell: str, env: dict[str, str], lake_uri: str, cat: Path, date: str, work: Path
) -> dict[str, Any]:
    mode = cell.split("-", maxsplit=1)[0]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cell", mode, "--lake", lake_uri]
    cmd += ["--catalogue", str(cat), "--date", date]
    proc = subprocess.run(
        cmd, cwd=work, env=env, capture_output=True, text=True, timeout=CELL_TIMEOUT_S, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{cell} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Any:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _register_partitions(env: dict[str, str], catalogue: Any) -> None:
    """Create the instance's storage and its dynamic partitions outside any clock."""
    import dagster as dg

    from riverbed.defs.collect import KINDS
    from riverbed.defs.partitions import sync_source_partitions
    from riverbed.orchestrate import prepare_dagster_home

    by_kind: dict[str, list[str]] = {}
    for s in catalogue.sources:
        by_kind.setdefault(s.kind, []).append(s.id)
    with _environ(env):
        prepare_dagster_home()  # writes the SQLite instance's dagster.yaml; keeps Postgres'
        instance = dg.DagsterInstance.get()
        sync_source_partitions(instance, by_kind, KINDS)
        instance.dispose()


def _worker_problems(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [ln for ln in lines if "ERROR" in ln or "Traceback" in ln or "WARNING" in ln]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated subset")
    parser.add_argument("--cell", help=argparse.SUPPRESS)  # internal: run one cell, print JSON
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--catalogue", help=argparse.SUPPRESS)
    parser.add_argument("--date", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(run_cell(args.cell, args.lake, args.catalogue, args.date)))
        return
    cells = [c for c in args.cells.split(",") if c]
    unknown = set(cells) - set(CELLS)
    if unknown:
        parser.error(f"unknown cells {sorted(unknown)}: choose from {', '.join(CELLS)}")

    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "celery")]
    from celery_cluster import base_env, celery_stack, start_workers

    from riverbed.core.catalogue import load_catalogue
    from riverbed.demo.corpus import build_corpus
    from riverbed.demo.server import ReplayServer

    day = datetime.now(UTC).date()
    date = day.isoformat()
    corpus = build_corpus(day)
    tmp = Path(tempfile.mkdtemp(prefix="riverbed-bench-exec-"))
    work = tmp / "work"
    work.mkdir()
    times: dict[str, list[dict[str, Any]]] = {c: [] for c in cells}
    problems: dict[str, list[str]] = {}
    started = time.monotonic()
    with ReplayServer(corpus) as server, celery_stack(tmp) as stack:
        cat = tmp / "sources.yaml"
        cat.write_text(corpus.catalogue_yaml(port=server.port, timeout_s=2.0))
        catalogue = load_catalogue(cat)
        # in-process cells: a SQLite instance like the demo's; AWS_* (SeaweedFS) come along
        local_env = base_env(tmp)
        local_env["DAGSTER_HOME"] = str(tmp / "dagster-sqlite")
        envs = {"baseline": local_env, "in_process": local_env, "celery": stack.env}
        _register_partitions(local_env, catalogue)
        if any(c.startswith("celery") for c in cells):
            _register_partitions(stack.env, catalogue)
            start_workers(stack, 2, tmp)
        print(
            f"stack up in {time.monotonic() - started:.0f}s; demo corpus {len(corpus.sources)}"
            f" sources, day {date}, rounds={args.rounds}, cpus={os.cpu_count()}",
            flush=True,
        )
        for n in range(args.rounds):
            for cell in cells:
                mode, lake = cell.split("-")
                uri = stack.s3.uri(f"r{n}-{mode}") if lake == "s3" else str(tmp / f"lake-{cell}{n}")
                result = _cell_process(cell, envs[mode], uri, cat, date, work)
                times[cell].append(result)
                failed = result.get("failed_runs") or {}
                print(
                    f"  round {n + 1} {cell:17s} {result['wall_s']:6.2f}s"
                    + (f"  events {result['events']}" if "events" in result else "")
                    + (f"  FAILED RUNS {failed}" if failed else ""),
                    flush=True,
                )
        for w in stack.workers:
            problems[w.name] = _worker_problems(w.log)
        writes: dict[str, float] = {}
        for name, env in (("SQLite", local_env), ("Postgres", stack.env)):
            if name == "Postgres" and not stack.workers:
                continue
            with _environ(env):
                writes[name] = event_write_ms()
    _report(cells, times, problems, args.rounds)
    print("one event stored: " + ", ".join(f"{k} {v:.1f} ms" for k, v in writes.items()))


def _report(
    cells: list[str],
    times: dict[str, list[dict[str, Any]]],
    problems: dict[str, list[str]],
    rounds: int,
) -> None:
    def med(cell: str, key: str) -> float:
        return statistics.median(r[key] for r in times[cell])

    def share(cell: str, n: int) -> float:
        """(cell - baseline on the same lake) / cell, within round n (paired: the machine's
        load drifts between rounds more than between neighbouring cells)."""
        wall, lake = times[cell][n]["wall_s"], cell.split("-")[1]
        return float((wall - times[f"baseline-{lake}"][n]["wall_s"]) / wall)

    ref = med("baseline-local", "wall_s") if "baseline-local" in times else None
    print()
    print(f"median of {rounds} rounds (share: median of each round's share)" if rounds > 1 else "")
    print()
    print("| cell | wall | × local baseline | Dagster share | events | lake objects | rounds |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for cell in cells:
        mode, lake = cell.split("-")
        wall = med(cell, "wall_s")
        ratio = f"{wall / ref:.2f}×" if ref else "–"
        dagster = mode != "baseline"
        shares = [share(cell, n) for n in range(rounds)] if f"baseline-{lake}" in times else []
        cut = f"{statistics.median(shares):.0%}" if dagster and shares else "–"
        events = f"{med(cell, 'events'):.0f}" if dagster else "–"
        each = " / ".join(f"{r['wall_s']:.1f}" for r in times[cell])
        print(
            f"| {cell} | {wall:.2f} s | {ratio} | {cut} | {events}"
            f" | {med(cell, 'objects'):.0f} | {each} |"
        )
    print()
    for cell in cells:
        if cell.startswith("baseline"):
            continue
        last = times[cell][-1]
        runs = [r or 0.0 for r in last["run_s"]]
        # in_process: runs one after the other; celery: the collect runs side by side
        in_runs = (
            sum(runs) if cell.startswith("in_process") else max(runs[:-1], default=0) + runs[-1]
        )
        slow = ", ".join(f"{k} {d:.1f}s" for k, d in last["slowest_steps"])
        print(
            f"{cell} (last round): wall {last['wall_s']:.1f}s, in runs {in_runs:.1f}s,"
            f" runs {', '.join(f'{r:.1f}' for r in runs)}s;"
            f" {last['steps']} steps {last['step_s']:.1f}s, slowest {slow}"
        )
        if last["pickup_s"]:
            p = last["pickup_s"]
            print(
                f"    queue submit -> step start: median {statistics.median(p):.2f}s,"
                f" max {max(p):.2f}s over {len(p)} steps"
            )
        print("    events: " + ", ".join(f"{k} {v}" for k, v in last["events_by_type"].items()))
    for name, lines in problems.items():
        print(f"worker {name}: {len(lines)} ERROR/WARNING/Traceback lines in its log")
        for line in lines[:5]:
            print(f"    {line[:200]}")


if __name__ == "__main__":
    main()
