"""`riverbed status` on a lake of many runs: the issue wants an answer in under 1 s.

Builds a local lake as months of hourly `riverbed run`s leave it — `--sources` sources split
over three kinds, one `source_health` journal object per kind per run (what a collect run
appends), `--runs-per-day` runs a day for `--days` days (default 300 sources x 24 runs x 60
days: 4,320 journal objects, 1.3 M rows), a few sources failing now and then, one
`state/sources/<id>.json` each — then times, side by side, each as a new process the way a
user runs it (best and median of `--rounds`):

  floor      `riverbed --help`: the interpreter, Typer and the CLI module, nothing else
  status     `riverbed status --format json` (must stay under 1 s)
  query      `riverbed query` computing the same per-source numbers over `source_health` in
             DuckDB (the lake's SQL views): the baseline a user would reach for otherwise

and checks that status never imports Dagster.

    uv run python benchmarks/bench_status.py [--sources 300] [--days 60] [--runs-per-day 24]
                                             [--rounds 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from riverbed.lake import Lake
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import TABLES
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.collect import SourceState

GROUPS = 3  # collect runs per pipeline run (one per source kind in real catalogues)
QUERY = """
with ranked as (
    select source_id, status, items_new, "at",
           row_number() over (partition by source_id order by "at" desc) as n
    from source_health where "at" > now() - interval 14 day
)
select source_id, max("at") filter (where status = 'ok') as last_success_at,
       arg_max(items_new, "at") as items_new,
       avg(case when status = 'failed' then 1 else 0 end) filter (where n <= 10) as error_rate
from ranked group by source_id order by source_id
"""


def build_lake(root: Path, sources: int, days: int, runs_per_day: int) -> tuple[Path, int]:
    """The lake and its catalogue under `root`; returns (catalogue path, journal objects)."""
    lake = Lake(root / "lake")
    journal = Journal(lake)
    ids = [f"src{i:04d}" for i in range(sources)]
    groups = [ids[i::GROUPS] for i in range(GROUPS)]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    objects = 0
    for back in range(days):
        day = now - timedelta(days=back)
        day_rows: list[dict[str, object]] = []
        for hour in range(runs_per_day):
            at = day.replace(hour=hour % 24) - timedelta(minutes=5 * (hour // 24))
            if at > now:
                continue
            run_id = uuid.uuid4().hex
            for members in groups:
                rows = [
                    {
                        "health_key": uuid.uuid4().hex,
                        "run_id": run_id,
                        "source_id": sid,
                        "status": "failed" if (hash((sid, hour, back)) % 17 == 0) else "ok",
                        "items_seen": 30,
                        "items_new": (hour * 7 + back) % 5,
                        "latency_ms": 120,
                        "at": at,
                        "error_kind": None,
                        "message": None,
                    }
                    for sid in members
                ]
                journal.append("source_health", at.date().isoformat(), rows, run_id)
                day_rows.extend(rows)
                objects += 1
        # the daily run folds the day's journal into the `source_health` table (SQL views)
        partition = lake.partition_path("source_health", {"date": day.date().isoformat()})
        lake.write_table(partition, rows_to_table(day_rows, TABLES["source_health"][0]))
    state = SourceState(lake)
    for sid in ids:
        state.save(
            sid,
            {
                "last_attempt_at": now.isoformat(),
                "last_success_at": now.isoformat(),
                "last_status": "ok",
            },
        )
    catalogue = root / "sources.yaml"
    lines = ["sources:"]
    for sid in ids:
        lines.append(
            f"  - {{id: {sid}, kind: rss, url: 'http://{sid}.bench.test/feed', every: 1h}}"
        )
    catalogue.write_text("\n".join(lines) + "\n")
    return catalogue, objects


def timed(args: list[str], cwd: Path, rounds: int) -> tuple[float, float, float, str]:
    """(best, median) wall seconds of `python -m riverbed.cli ARGS`, the best CPU seconds
    (user + system of the child: what a shared, loaded machine distorts least), and the last
    stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIVERBED_", "DAGSTER_"))}
    env["PYTHONWARNINGS"] = "ignore"
    # as installed: compiled modules cached (a first, untimed round writes the caches)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times, cpu, out = [], [], ""
    for n in range(rounds + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "riverbed.cli", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"riverbed {' '.join(args[:1])} failed:\n{done.stderr}")
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if n == 0:
            times.pop()
            continue
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out = done.stdout
    return min(times), statistics.median(times), min(cpu), out


def imports_dagster(args: list[str], cwd: Path) -> bool:
    code = (
        "import sys, runpy; sys.argv = ['riverbed', *sys.argv[1:]]\n"
        "from riverbed.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print('dagster' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stderr.strip().splitlines()[-1] == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs-per-day", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", help="build the lake in this folder and reuse it next time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-status-") as tmp:
        root = Path(args.keep or tmp)
        started = time.perf_counter()
        if (root / "sources.yaml").exists():  # --keep: built by an earlier run
            catalogue = root / "sources.yaml"
            objects = len(list((root / "lake" / "journal").rglob("*.parquet")))
        else:
            root.mkdir(parents=True, exist_ok=True)
            catalogue, objects = build_lake(root, args.sources, args.days, args.runs_per_day)
        print(
            f"lake: {args.sources} sources, {args.days} days x {args.runs_per_day} runs, "
            f"{objects} source_health objects, built in {time.perf_counter() - started:.1f}s"
        )
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        common = ["--lake", str(root / "lake")]
        floor = timed(["--help"], root, args.rounds)
        status = timed(
            ["status", "--sources", str(catalogue), *common, "--format", "json"], root, args.rounds
        )
        query = timed(["query", *common, "--format", "json", QUERY], root, args.rounds)
        rows = json.loads(status[3])
        assert len(rows) == args.sources, len(rows)
        assert len(json.loads(query[3])) == args.sources
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'':8}{'best s':>8}{'median s':>10}{'CPU s':>8}{'x floor':>9}{'x query':>9}")
        for name, (best, median, cpu, _) in (
            ("floor", floor),
            ("status", status),
            ("query", query),
        ):
            print(
                f"{name:8}{best:8.3f}{median:10.3f}{cpu:8.3f}"
                f"{best / floor[0]:9.2f}{best / query[0]:9.2f}"
            )
        verdict = "ok" if status[0] < 1.0 else "OVER 1 s"
        print(f"status under 1 s (best wall): {verdict}")
        status_args = ["status", "--sources", str(catalogue), *common]
        print(f"status imports dagster: {imports_dagster(status_args, root)}")


if __name__ == "__main__":
    main()
