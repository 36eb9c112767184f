"""A soak's figures, day by day: reads the `soak.jsonl` that `scripts/soak.py` writes (one
line per run) and prints a Markdown table per simulated day — runs and their exit codes,
items in the day at its last run, wall and CPU seconds a run (least, most), peak memory,
Dagster's largest share of a run, the slowest query of the previous day — then the whole
soak's totals, and the runs that had the same items in their day on different days (more
history in the lake each time): whether a run's time follows its day or the lake's history.
What docs/performance.md and docs/reliability.md quote.

    uv run python scripts/soak_summary.py <workdir>/soak.jsonl

A run measured before `cpu_s` was recorded shows no CPU. Exit 1 when a run exited other
than 0 or 1 (1: a source failed, which a soak's feeds never do; reported all the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def read_runs(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The runs of a soak.jsonl, in the order run; a line cut short by a kill is skipped."""
    runs = []
    for line in lines:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "hour" in row and "date" in row:
            runs.append(row)
    return runs


def _span(values: Sequence[float | None], fmt: str = "{:,.0f}") -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "–"
    low, high = min(known), max(known)
    return fmt.format(low) if low == high else f"{fmt.format(low)}–{fmt.format(high)}"


def _max(values: Sequence[float | None], fmt: str = "{:,.0f}") -> str:
    known = [v for v in values if v is not None]
    return fmt.format(max(known)) if known else "–"


COLUMNS = (
    "day",
    "runs",
    "exits",
    "items in the day (last run)",
    "wall s a run",
    "CPU s a run",
    "peak memory MB",
    "Dagster share (most)",
    "query of the previous day s (most)",
)


def day_rows(runs: Sequence[dict[str, Any]]) -> list[list[str]]:
    """One row per simulated day, in the order the days were run."""
    days: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        days.setdefault(r["date"], []).append(r)
    rows = []
    for date, day in days.items():
        exits: dict[int, int] = {}
        for r in day:
            exits[r["exit"]] = exits.get(r["exit"], 0) + 1
        rows.append(
            [
                date,
                str(len(day)),
                ", ".join(f"{n}× {code}" for code, n in sorted(exits.items())),
                f"{day[-1]['items_day']:,}",
                _span([r["wall_s"] for r in day]),
                _span([r.get("cpu_s") for r in day]),
                _max([r["peak_rss_mb"] for r in day]),
                _max([r["dagster_share"] for r in day], "{:.0%}"),
                _max([r.get("query_s") for r in day], "{:.2f}"),
            ]
        )
    return rows


def totals(runs: Sequence[dict[str, Any]]) -> list[str]:
    wall = sum(r["wall_s"] for r in runs)
    cpu = [r["cpu_s"] for r in runs if r.get("cpu_s") is not None]
    failed = [r for r in runs if r["exit"] != 0]
    return [
        f"runs: {len(runs)} ({len(failed)} exited other than 0)",
        f"items in the lake at the last run: {runs[-1]['items_total']:,}" if runs else "",
        f"wall time: {wall / 3600:.1f} h; CPU: {sum(cpu) / 3600:.1f} h over {len(cpu)} runs",
        f"peak memory: {max((r['peak_rss_mb'] for r in runs), default=0):,} MB",
        f"Dagster share: at most {max((r['dagster_share'] for r in runs), default=0):.0%}",
    ]


HISTORY_COLUMNS = ("items in the day", "run", "items in the lake", "CPU s", "wall s")


def history_rows(runs: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The runs whose day held as many items as a run of another day did, grouped by that
    number (smallest first), each group in the order run: the same day's work with more
    history behind it."""
    by_items: dict[int, list[dict[str, Any]]] = {}
    for r in runs:
        by_items.setdefault(r["items_day"], []).append(r)
    rows = []
    for items, same in sorted(by_items.items()):
        if len({r["date"] for r in same}) < 2:
            continue
        for r in same:
            cpu = r.get("cpu_s")
            rows.append(
                [
                    f"{items:,}",
                    f"{r['date']} #{r['hour']}",
                    f"{r['items_total']:,}",
                    "–" if cpu is None else f"{cpu:,.0f}",
                    f"{r['wall_s']:,.0f}",
                ]
            )
    return rows


def markdown(rows: Sequence[Sequence[str]], columns: Sequence[str] = COLUMNS) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a soak's soak.jsonl")
    args = parser.parse_args(argv)
    runs = read_runs(args.results.read_text().splitlines())
    if not runs:
        print(f"no runs in {args.results}", file=sys.stderr)
        return 2
    print(markdown(day_rows(runs)))
    print()
    print("\n".join(line for line in totals(runs) if line))
    same = history_rows(runs)
    if same:
        print()
        print("The same items in the day, more history in the lake:")
        print()
        print(markdown(same, HISTORY_COLUMNS))
    return 1 if any(r["exit"] not in (0, 1) for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
