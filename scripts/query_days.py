"""`riverbed query` of each day of a lake, timed as a user runs it (a process, imports
included): is every day answered in under a second, the compacted (closed) days and the open
ones? For a soak's lake after (or beside) `scripts/soak.py`; read-only.

    uv run python scripts/query_days.py <lake> [--table rss_items] [--repeat 3]

Prints a Markdown table: day, objects the day's view reads (one for a compacted day, plus any
part re-collected after its compaction), rows, and the best and the median of `--repeat`
query processes. Exit 1 when a query failed, 2 for a table that is not per-source.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from riverbed.lake import Lake
from riverbed.lake.compact import day_pieces, list_table
from riverbed.lake.schemas import TABLES

RIVERBED = [str(Path(sys.executable).parent / "riverbed")]  # the command, from this environment


@dataclass(frozen=True)
class DayQuery:
    day: str
    compacted: bool
    objects: int
    rows: int | None
    seconds: list[float]


def day_layout(lake: Lake, table: str) -> dict[str, tuple[bool, int]]:
    """Each day of a per-source table: (compacted, objects its view reads)."""
    out = {}
    for day, listing in list_table(lake, table).items():
        pieces = day_pieces(lake, lake.table_dir(table).joinpath(f"date={day}"), listing)
        out[day] = (any(p.compacted for p in pieces), len(pieces))
    return out


def timed_count(
    lake: str, table: str, day: str, env: dict[str, str] | None = None
) -> tuple[int | None, float]:
    """Rows of `table` on `day` through a `riverbed query` process, and its wall time (also
    the soak's query column, `scripts/soak.py`)."""
    sql = f"SELECT count(*) AS n FROM {table} WHERE date = '{day}'"
    started = time.monotonic()
    done = subprocess.run(
        [*RIVERBED, "query", sql, "--lake", lake, "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - started
    if done.returncode != 0:
        return None, took
    return int(json.loads(done.stdout)[0]["n"]), took


def markdown(results: list[DayQuery]) -> str:
    lines = [
        "| day | compacted | objects read | rows | best s | median s |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        rows = "failed" if r.rows is None else f"{r.rows:,}"
        lines.append(
            f"| {r.day} | {'yes' if r.compacted else 'no'} | {r.objects} | {rows}"
            f" | {min(r.seconds):.2f} | {statistics.median(r.seconds):.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lake", help="the lake (a folder or an s3:// URI)")
    parser.add_argument("--table", default="rss_items", help="a per-source table")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.table in TABLES:
        print(
            f"{args.table} is not a per-source table (date=D/source=S/ folders, compacted per"
            " day): query_days times those, e.g. rss_items",
            file=sys.stderr,
        )
        return 2
    uri = str(Path(args.lake).absolute()) if "://" not in args.lake else args.lake
    layout = day_layout(Lake(uri), args.table)
    if not layout:
        print(f"no days of {args.table} in {uri}", file=sys.stderr)
        return 1
    results = []
    for day, (compacted, objects) in layout.items():
        counts, seconds = [], []
        for _ in range(max(1, args.repeat)):
            rows, took = timed_count(uri, args.table, day)
            counts.append(rows)
            seconds.append(took)
        rows = None if None in counts else counts[-1]
        results.append(DayQuery(day, compacted, objects, rows, seconds))
    print(markdown(results))
    return 1 if any(r.rows is None for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
