"""`riverbed query` over a closed day of a per-source table, before and after compaction.

Builds a local lake holding `--days` days of `rss_items` for `--sources` sources (one
`date=D/source=S/part.parquet` object each, as the collect step writes them; rows as the load
generator's hourly day makes them: a window of 20 plus 23 hours of new items, two an hour on
average), then times, `--rounds` times each, `riverbed query` processes (CLI start to exit) and
the in-process `connect()` + query:

  before   every part in place
  kept     compacted, the parts still there (the grace period: readers skip them)
  after    the parts deleted: one object per table per day

and, as a baseline, `SELECT 1` (the CLI's own start-up: Python, imports, the views).

    uv run python benchmarks/bench_compact.py [--sources 5000] [--days 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from loadgen import EPOCH, WINDOW, date_of, rate

from riverbed.lake import Lake
from riverbed.lake.compact import compact_closed
from riverbed.lake.query import connect
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import conform

TABLE = "rss_items"


def day_rows(k: int, day: int) -> pa.Table:
    r = rate(k)
    first_hour = day * 24
    last = r * (first_hour + 24)
    numbers = range(max(0, r * (first_hour + 1) - WINDOW), last)
    seen = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=day)
    rows = [
        {
            "item_id": f"{k:05d}-{n:06d}",
            "source_id": f"load-{k:05d}",
            "kind": "rss",
            "external_id": f"load-{k}-{n}",
            "url": f"https://news{k % 100:03d}.load.example/posts/{k}/{n}",
            "canonical_url": f"https://news{k % 100:03d}.load.example/posts/{k}/{n}",
            "title": f"Item {n} of feed {k}",
            "published_at": EPOCH + timedelta(hours=n / r),
            "first_seen_at": seen,
            "last_seen_at": seen,
            "text": ("database index query latency replica shard kernel compiler " * 4).strip(),
        }
        for n in numbers
    ]
    return conform(pa.Table.from_pylist(rows), ITEMS)


def build(lake: Lake, sources: int, days: int) -> int:
    rows = 0
    for day in range(days):
        date = date_of(day * 24)
        for k in range(sources):
            table = day_rows(k, day)
            lake.write_table(
                lake.partition_path(TABLE, {"date": date, "source": f"load-{k:05d}"}), table
            )
            rows += table.num_rows
    return rows


def timed(lake: Lake, sql: str, rounds: int) -> tuple[float, float, float, object]:
    """(median CLI process wall s, its median CPU s (user + system), median in-process wall
    s, the result). CPU time is the figure to read on a loaded machine."""
    cli, cpu, inproc = [], [], []
    result: object = None
    riverbed = str(Path(sys.executable).parent / "riverbed")
    for _ in range(rounds):
        started = time.perf_counter()
        con = connect(lake)
        result = con.execute(sql).fetchall()
        inproc.append(time.perf_counter() - started)
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [riverbed, "query", sql, "--lake", lake.uri, "--format", "json"],
            check=True,
            capture_output=True,
        )
        cli.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(cli), statistics.median(cpu), statistics.median(inproc), result


def objects(root: Path) -> int:
    return sum(1 for _ in (root / "tables" / TABLE).rglob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-compact-") as tmp:
        root = Path(tmp) / "lake"
        lake = Lake(root)
        started = time.perf_counter()
        rows = build(lake, args.sources, args.days)
        print(
            f"lake: {args.sources} sources x {args.days} days, {rows} rows,"
            f" {objects(root)} objects (built in {time.perf_counter() - started:.0f} s)"
        )
        cli, cpu, inproc, _ = timed(lake, "SELECT 1", args.rounds)
        print(
            f"baseline: riverbed query 'SELECT 1' {cli:.2f} s, CPU {cpu:.2f} s"
            f" (in process {inproc:.2f} s)"
        )
        day = date_of(0)
        sql = f"SELECT count(*), count(DISTINCT item_id) FROM {TABLE} WHERE date = '{day}'"
        before = after = None
        for label in ("before", "kept", "after"):
            if label == "kept":
                started = time.perf_counter()
                done = compact_closed(lake, before=date_of(24 * args.days), grace_s=3600)
                took = time.perf_counter() - started
                print(f"compaction: {len(done)} days in {took:.1f} s")
            if label == "after":
                started = time.perf_counter()
                compact_closed(lake, before=date_of(24 * args.days), grace_s=0)
                print(f"parts deleted in {time.perf_counter() - started:.1f} s")
            cli, cpu, inproc, result = timed(lake, sql, args.rounds)
            before = before or result
            after = result
            print(
                f"{label:>7}: {objects(root):>6} objects  riverbed query {cli:.2f} s,"
                f" CPU {cpu:.2f} s (in process {inproc:.2f} s)  -> {result}"
            )
        assert before == after, (before, after)


if __name__ == "__main__":
    main()
