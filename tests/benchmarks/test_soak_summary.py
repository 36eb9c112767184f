"""scripts/soak_summary.py: a soak's runs summed up day by day from its soak.jsonl."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import soak_summary


def _run(hour: int, date: str, items: int, wall: float, cpu: float | None, rss: int, **kw):  # type: ignore[no-untyped-def]
    row = {
        "hour": hour,
        "date": date,
        "exit": 0,
        "wall_s": wall,
        "peak_rss_mb": rss,
        "items_day": items,
        "items_total": kw.pop("total", items),
        "dagster_share": kw.pop("share", 0.05),
        "query_s": kw.pop("query", None),
    }
    if cpu is not None:
        row["cpu_s"] = cpu
    return json.dumps(row | kw)


def test_days_and_totals_from_a_soak_file(tmp_path: Path, capsys) -> None:
    lines = [
        _run(0, "2026-10-01", 10_000, 60.0, None, 550),  # measured before cpu_s was recorded
        _run(1, "2026-10-01", 20_000, 80.0, 70.0, 640, share=0.08),
        _run(24, "2026-10-02", 210_000, 300.0, 250.0, 1400, total=230_000, query=0.61),
        '{"hour": 25, "date": "2026-10-02", "exi',  # the line a kill cut short
        _run(25, "2026-10-02", 220_000, 320.0, 260.0, 1450, total=240_000, query=0.7, exit=1),
    ]
    results = tmp_path / "soak.jsonl"
    results.write_text("\n".join(lines) + "\n")
    assert soak_summary.main([str(results)]) == 0  # exit 1 (a source failed) is a result
    out = capsys.readouterr().out.splitlines()
    assert out[2] == "| 2026-10-01 | 2 | 2× 0 | 20,000 | 60–80 | 70 | 640 | 8% | – |"
    assert (
        out[3]
        == "| 2026-10-02 | 2 | 1× 0, 1× 1 | 220,000 | 300–320 | 250–260 | 1,450 | 5% | 0.70 |"
    )
    assert "runs: 4 (1 exited other than 0)" in out
    assert "items in the lake at the last run: 240,000" in out
    assert "peak memory: 1,450 MB" in out
    assert "The same items in the day, more history in the lake:" not in out  # no such pair
    results.write_text(_run(0, "2026-10-01", 1, 1.0, 1.0, 1, exit=3) + "\n")
    assert soak_summary.main([str(results)]) == 1  # a run that could not complete
    results.write_text("")
    assert soak_summary.main([str(results)]) == 2


def test_runs_of_different_days_with_the_same_items_are_set_side_by_side(tmp_path: Path, capsys):
    lines = [
        _run(0, "2026-10-01", 10_000, 60.0, 50.0, 500),
        _run(1, "2026-10-01", 20_000, 80.0, 70.0, 600),
        _run(24, "2026-10-02", 20_000, 75.0, 66.0, 610, total=260_000),
        _run(25, "2026-10-02", 30_000, 90.0, None, 650, total=270_000),
    ]
    results = tmp_path / "soak.jsonl"
    results.write_text("\n".join(lines) + "\n")
    assert soak_summary.main([str(results)]) == 0
    out = capsys.readouterr().out.splitlines()
    at = out.index("The same items in the day, more history in the lake:")
    assert out[at + 2 :] == [
        "| items in the day | run | items in the lake | CPU s | wall s |",
        "|---|---|---|---|---|",
        "| 20,000 | 2026-10-01 #1 | 20,000 | 70 | 80 |",
        "| 20,000 | 2026-10-02 #24 | 260,000 | 66 | 75 |",
    ]
