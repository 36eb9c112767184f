"""The soak script (scripts/soak.py) end to end, at a size CI affords: two simulated days of
one hourly run each against the loopback load generator, under the multiprocess executor.
Every run must exit 0 with the generator's items in its day, be measured (memory, Dagster's
share), and the closed day must answer `riverbed query`. The long soaks (5,000 sources,
7 days) are run by hand; their figures are in docs/performance.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from cli_runner import clean_env

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "soak.py"


def soak(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--hosts", "3", "--hours", "1", "--workdir", str(workdir),
         *args],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip


def test_two_simulated_days_of_hourly_runs(tmp_path: Path) -> None:
    sources = 12
    done = soak(tmp_path, "--sources", str(sources), "--days", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "soak.jsonl").read_text().splitlines()]
    assert [(r["date"], r["hour"] % 24, r["exit"]) for r in rows] == [
        ("2026-10-01", 0, 0),
        ("2026-10-02", 0, 0),
    ], [r["stderr"] for r in rows]
    assert all(r["executor"] == "multiprocess" and r["dagster_runs"] == 2 for r in rows)
    # the generator's hour 0: two new entries a feed; the next day's first run takes the
    # feed's whole window (20 entries) into that day
    assert [r["items_day"] for r in rows] == [2 * sources, 20 * sources]
    assert rows[1]["items_total"] == 22 * sources
    for r in rows:
        assert r["peak_rss_mb"] > 100 and 0 < r["dagster_share"] < 1
        # the run's processes' CPU: at least the imports' seconds, at most every core's worth
        assert 1 < r["cpu_s"] < (os.cpu_count() or 1) * r["wall_s"] + 1
        assert abs(r["dagster_s"] + r["riverbed_s"] + r["outside_s"] - r["wall_s"]) < 0.5
    assert rows[0]["query_s"] is None and rows[1]["query_s"] is not None  # the previous day
    assert "2026-10-02T00" in done.stdout  # the table on stdout

    # a soak stopped part way goes on where it was: only the third day is run, and a line
    # cut short by a machine stopping mid-write is skipped, not read as a run
    with (tmp_path / "soak.jsonl").open("a") as results:
        results.write('{"hour": 48, "date": "2026-10-03", "exi')
    more = soak(tmp_path, "--sources", str(sources), "--days", "3", "--resume")
    assert more.returncode == 0, more.stderr[-3000:]
    lines = (tmp_path / "soak.jsonl").read_text().splitlines()
    assert lines[2] == '{"hour": 48, "date": "2026-10-03", "exi'
    rows = [json.loads(line) for line in lines[:2] + lines[3:]]
    assert [r["date"] for r in rows] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert all(datetime.fromisoformat(r["finished_at"]).tzinfo is not None for r in rows)
    assert rows[2]["exit"] == 0 and rows[2]["items_total"] == 22 * sources + rows[2]["items_day"]
