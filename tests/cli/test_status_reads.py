"""`riverbed status` reads the lake only: the daily folded `source_health` plus the journal
objects not folded yet, each run once, and never imports Dagster."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_runner import clean_env, run_cli
from riverbed.core.catalogue import parse_catalogue
from riverbed.lake import Lake
from riverbed.lake.journal import Journal
from riverbed.lake.state import SourceState
from riverbed.pipeline.refine import history_table
from riverbed.pipeline.status import recent_health, source_status

CATALOGUE = "sources:\n  - {id: a, kind: rss, url: 'http://a.example/feed', every: 1h}\n"


def _run(
    lake: Lake, day: str, run_id: str, at: datetime, status: str, items_new: int, sid: str = "a"
) -> None:
    Journal(lake).append(
        "source_health",
        day,
        [
            {
                "health_key": f"{run_id}-{sid}",
                "run_id": run_id,
                "source_id": sid,
                "status": status,
                "items_new": items_new,
                "at": at,
            }
        ],
        run_id,
    )


def _fold(lake: Lake, day: str) -> None:
    """What the daily run's `source_health` asset writes for `day`."""
    table = history_table(Journal(lake), "source_health", day)
    lake.write_table(lake.partition_path("source_health", {"date": day}), table)


def test_folded_and_unfolded_runs_each_count_once(tmp_path: Path):
    lake = Lake(tmp_path / "lake")
    now = datetime.now(UTC).replace(microsecond=0)
    today, yesterday = now.date().isoformat(), (now - timedelta(days=1)).date().isoformat()
    _run(lake, yesterday, "r0", now - timedelta(hours=30), "failed", 0)  # journal only
    _run(lake, today, "r1", now - timedelta(hours=3), "ok", 1)
    _run(lake, today, "r2", now - timedelta(hours=2), "ok", 0)
    _fold(lake, today)  # the daily run after r2
    _run(lake, today, "r3", now - timedelta(hours=1), "ok", 5)  # collected since
    table = recent_health(lake, now)
    runs = sorted(zip(table.column("at").to_pylist(), table.column("items_new").to_pylist()))
    assert [items_new for _, items_new in runs] == [0, 1, 0, 5]  # each run once
    SourceState(lake).save(
        "a", {"last_attempt_at": now.isoformat(), "last_success_at": now.isoformat()}
    )
    [row] = source_status(lake, parse_catalogue(CATALOGUE).sources, now)
    # 1 failure in 4 runs (counting the folded runs twice would say 1 in 6)
    assert (row["items_new"], row["error_rate"], row["status"]) == (5, 0.25, "ok")


def test_error_rate_covers_each_sources_last_ten_runs_only(tmp_path: Path):
    lake = Lake(tmp_path / "lake")
    now = datetime.now(UTC).replace(microsecond=0)
    day = now.date().isoformat()
    for n in range(12):  # a: the two oldest failed, the ten latest: 1 failure
        status = "failed" if n in (0, 1, 6) else "ok"
        _run(lake, day, f"a{n:02d}", now - timedelta(minutes=60 - n), status, n)
    for n in range(3):  # b, interleaved in time: its latest run failed
        at = now - timedelta(minutes=55 - 20 * n)
        _run(lake, day, f"b{n}", at, "failed" if n == 2 else "ok", 10 * n, sid="b")
    catalogue = CATALOGUE + "  - {id: b, kind: rss, url: 'http://b.example/feed'}\n"
    rows = source_status(lake, parse_catalogue(catalogue).sources, now)
    got = {r["source_id"]: (r["error_rate"], r["items_new"]) for r in rows}
    assert got == {"a": (0.1, 11), "b": (0.333, 20)}


def test_status_never_imports_dagster_or_the_http_client(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(CATALOGUE)
    _run(
        Lake(tmp_path / "lake"),
        datetime.now(UTC).date().isoformat(),
        "r1",
        datetime.now(UTC),
        "ok",
        2,
    )
    bootstrap = (
        "import sys\n"
        "from riverbed.cli import app\n"
        "try:\n"
        "    app(['status', '--lake', 'lake', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(m for m in ('dagster', 'aiohttp', 'riverbed.pipeline.collect')"
        " if m in sys.modules)), file=sys.stderr)\n"
    )
    out = run_cli(tmp_path, bootstrap="import json\n" + bootstrap, env=clean_env())
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["items_new"] == 2
    assert json.loads(out.stderr.strip().splitlines()[-1]) == []
