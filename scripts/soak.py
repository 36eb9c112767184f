"""Soak: `riverbed run` every simulated hour for N simulated days against the loopback load
generator (benchmarks/loadgen.py), measuring every run.

The simulated clock is the load generator's hour (what every feed shows) plus `--date` of the
run (which day partition it writes). A run for a date other than today collects every source
of the catalogue, so no clock override is needed: run h of day d serves hour h of d and runs
`riverbed run --date d`. Each run is its own process (as cron would start it), with one lake
and one Dagster home (SQLite) for the whole soak. Runs use the executor runs from the UI or a
schedule use, `multiprocess` (each step in a forkserver child, two at a time), unless
`--executor in_process` (the CLI's default: every step in the run's process).

Per run it records:
  wall_s          the `riverbed run` process, start to exit
  cpu_s           CPU seconds of the run's processes (user + system; polled with the
                  memory): unlike wall_s, not lengthened by the machine's other load
  peak_rss_mb     peak memory of the whole process tree (summed PSS polled every 0.1 s, so
                  a forked child's shared pages count once; the kernel's max RSS of any one
                  process of the run as a floor)
  max_rss_mb      that floor alone: the largest single process's peak RSS
  items_day       rows of `items` for the run's day after the run; items_total every day's
  dagster_s       Dagster bookkeeping inside the runs, from the event log: planning the
                  partitions, run/step start and end, STEP_INPUT, asset materialisation and
                  check events — every gap between events that does not end in riverbed's own
                  work (loading an input, the step's compute, the IO manager's write)
  riverbed_s      riverbed's own work inside the runs (the other gaps)
  outside_s       the process outside Dagster runs: interpreter and Dagster imports, building
                  the definitions, syncing partitions, the summary
  dagster_share   dagster_s / wall_s (with two steps at a time their events interleave: the
                  split is of the run's timeline, not of CPU)
  query_s         `riverbed query` of a count over the previous day (compaction: the closed
                  days), its process wall time
  finished_at     when the run ended (UTC): to tell which runs shared the machine with what

    uv run python scripts/soak.py --sources 500 --days 1 [--hours 24] [--workdir DIR]
    uv run python scripts/soak.py --sources 5000 --days 7 --hours 6 --last-hours 24

Results: one JSON line per run in <workdir>/soak.jsonl and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import psutil
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from loadgen import LoadCorpus, date_of, hour_of, serve
from query_days import RIVERBED, timed_count
from soak_summary import read_runs

# gaps ending in these events are riverbed's work: loading an input, a step's compute
RIVERBED_EVENTS = {"LOADED_INPUT", "STEP_OUTPUT"}


def tree_memory(root: psutil.Process, cpu: dict[int, float] | None = None) -> int:
    """The process tree's memory: the sum of each process's PSS (proportional set size), so
    pages a forked child shares with its parent count once, not once per process as a sum
    of RSS would (the stories step forks a tokenising child: summed RSS nearly doubled
    there). RSS where PSS cannot be read. Each process's own CPU seconds so far (user +
    system, not its children's) go in `cpu` by pid."""
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            try:
                total += proc.memory_full_info().pss
            except (psutil.AccessDenied, AttributeError):
                total += proc.memory_info().rss
            if cpu is not None:
                times = proc.cpu_times()
                cpu[proc.pid] = times.user + times.system
        except psutil.Error:
            continue
    return total


@dataclass
class Measured:
    code: int
    wall: float  # seconds
    peak: int  # bytes
    largest: int  # bytes
    cpu: float  # seconds
    stderr: str


def run_measured(cmd: Sequence[str], env: dict[str, str]) -> Measured:
    """Run `cmd`; its exit code, wall seconds, peak memory bytes, the largest process's max
    RSS bytes, CPU seconds and stderr tail. The peak is the larger of the process tree's
    memory polled every 0.1 s (`tree_memory`: summed PSS) and the kernel's max RSS of any
    one process of the run (`wait4`: this run's, not the largest child so far) — a floor
    for a spike between two polls. The CPU is the sum of each process's own CPU at its last
    poll: a machine's other load does not change it as it does the wall time (a process's
    last 0.1 s, or one shorter than a poll, is missed)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        root = psutil.Process(proc.pid)
        peak = 0
        polls = 0
        cpu: dict[int, float] = {}
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if polls >= 2:  # before its exec, the child shows this process's pages
                peak = max(peak, tree_memory(root, cpu))
            polls += 1
            time.sleep(0.1)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        largest = usage.ru_maxrss * 1024  # KiB on Linux
        err.seek(0)
        tail = err.read()[-2000:]
    return Measured(
        proc.returncode,
        wall,
        max(peak, largest),
        largest,
        sum(cpu.values()),
        tail.decode(errors="replace"),
    )


def split_run(events: list[Any]) -> tuple[float, float]:
    """(riverbed seconds, Dagster seconds) of one Dagster run's event log: each gap between
    consecutive events is riverbed's when it ends in an input loaded or a step output, or in
    the IO manager's write (STEP_OUTPUT -> the first materialisation or HANDLED_OUTPUT);
    every other gap is Dagster's bookkeeping."""
    own = dagster = 0.0
    previous = None
    for entry in events:
        if entry.dagster_event is None:
            continue
        kind = entry.dagster_event_type.value
        if previous is not None:
            gap = entry.timestamp - previous[1]
            ours = kind in RIVERBED_EVENTS or (
                previous[0] == "STEP_OUTPUT" and kind in ("ASSET_MATERIALIZATION", "HANDLED_OUTPUT")
            )
            if ours:
                own += gap
            else:
                dagster += gap
        previous = (kind, entry.timestamp)
    return own, dagster


def dagster_split(home: Path, since: float) -> tuple[float, float, int]:
    """(riverbed s, Dagster s, runs) over the Dagster runs created after `since`."""
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        own = book = 0.0
        records = instance.get_run_records(
            filters=dg.RunsFilter(created_after=_utc(since)), limit=100
        )
        for record in records:
            o, b = split_run(list(instance.all_logs(record.dagster_run.run_id)))
            own += o
            book += b
    return own, book, len(records)


def _utc(ts: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)


def lake_items(lake: Path, date: str) -> tuple[int, int]:
    """(rows of `items` on `date`, rows of `items` over every day) from Parquet footers."""
    day = total = 0
    for part in sorted((lake / "tables" / "items").glob("date=*/*.parquet")):
        rows = pq.ParquetFile(part).metadata.num_rows
        total += rows
        if part.parent.name == f"date={date}":
            day += rows
    return day, total


def done_hours(results: Path) -> set[int]:
    """The simulated hours a soak's results file already has a run of (a line cut short by
    a machine stopping mid-write is no run: that hour runs again)."""
    if not results.exists():
        return set()
    return {r["hour"] for r in read_runs(results.read_text().splitlines())}


def open_results(results: Path) -> TextIO:
    """The results file opened to append one line per run, each on a line of its own even
    after a line cut short."""
    cut = (
        results.exists() and results.stat().st_size > 0 and not results.read_bytes().endswith(b"\n")
    )
    log = results.open("a")
    if cut:
        log.write("\n")
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--hours", type=int, default=24, help="runs per simulated day")
    parser.add_argument(
        "--last-hours",
        type=int,
        default=None,
        help="runs on the last day (e.g. --hours 6 --last-hours 24: every day's first hours,"
        " then one whole day with the most history)",
    )
    parser.add_argument("--start", default="2026-10-01", help="first simulated day")
    parser.add_argument("--workdir", type=Path, default=Path(".riverbed/soak"))
    parser.add_argument(
        "--resume",
        action="store_true",
        help="skip the simulated hours the workdir's soak.jsonl already has (a soak stopped"
        " part way goes on where it was; the same --start, --days and --hours as before)",
    )
    parser.add_argument(
        "--executor",
        default="multiprocess",
        choices=["multiprocess", "in_process"],
        help="`riverbed run --executor` (default: what the UI and schedules use)",
    )
    args = parser.parse_args()

    work = args.workdir.absolute()
    work.mkdir(parents=True, exist_ok=True)
    lake, home, catalogue = work / "lake", work / "dagster", work / "sources.yaml"
    out = work / "soak.jsonl"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    load = LoadCorpus(args.sources, args.hosts)
    first = hour_of(args.start, 0)
    print(
        f"soak: {args.sources} sources on {args.hosts} hosts, {args.days} day(s) x"
        f" {args.hours} runs, lake {lake}, executor {args.executor}"
    )
    print(
        f"{'hour':>16} {'exit':>4} {'wall_s':>7} {'cpu_s':>7} {'rss_mb':>7} {'items_day':>9}"
        f" {'items_all':>9} {'dagster':>7} {'riverbed':>8} {'outside':>7} {'share':>5}"
        f" {'query_s':>7}"
    )
    done = done_hours(out) if args.resume else set()
    with serve(load) as server, open_results(out) as log:
        load.write_catalogue(catalogue, server.port)
        for day in range(args.days):
            last = day == args.days - 1 and args.last_hours is not None
            for h in range(args.last_hours if last else args.hours):
                hour = first + day * 24 + h
                if hour in done:
                    continue
                date = date_of(hour)
                load.hour = hour
                started = time.time()
                cmd = [
                    *RIVERBED,
                    "run",
                    "--sources",
                    str(catalogue),
                    "--lake",
                    str(lake),
                    "--date",
                    date,
                    "--quiet",
                    "--format",
                    "json",
                    "--executor",
                    args.executor,
                ]
                m = run_measured(cmd, env)
                code, wall, peak, largest, err = m.code, m.wall, m.peak, m.largest, m.stderr
                own, book, runs = dagster_split(home, started)
                items_day, items_total = lake_items(lake, date)
                previous = date_of(hour - 24)
                query_s = None
                if hour - 24 >= first:
                    rows, took = timed_count(str(lake), "rss_items", previous, env)
                    query_s = took if rows is not None else None
                row = {
                    "hour": hour,
                    "date": date,
                    "sources": args.sources,
                    "executor": args.executor,
                    "exit": code,
                    "wall_s": round(wall, 2),
                    "cpu_s": round(m.cpu, 1),
                    "peak_rss_mb": round(peak / 2**20),
                    "max_rss_mb": round(largest / 2**20),
                    "items_day": items_day,
                    "items_total": items_total,
                    "expected_items_full_day": load.items_in_day(date),
                    "dagster_s": round(book, 2),
                    "riverbed_s": round(own, 2),
                    "outside_s": round(wall - own - book, 2),
                    "dagster_share": round(book / wall, 3),
                    "dagster_runs": runs,
                    "query_s": None if query_s is None else round(query_s, 2),
                    "stderr": err if code not in (0, 1) else "",
                    # when the run ended: what else the machine was doing then can be told
                    "finished_at": _utc(time.time()).isoformat(timespec="seconds"),
                }
                log.write(json.dumps(row) + "\n")
                log.flush()
                print(
                    f"{date}T{hour % 24:02d} {code:>4} {wall:>7.1f} {m.cpu:>7.1f}"
                    f" {row['peak_rss_mb']:>7}"
                    f" {items_day:>9} {items_total:>9} {book:>7.1f} {own:>8.1f}"
                    f" {row['outside_s']:>7.1f} {row['dagster_share']:>5.2f}"
                    f" {'' if query_s is None else f'{query_s:.2f}':>7}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
