"""benchmarks/bench_summary.py at a small scale: `is_boilerplate` and the letter count by
deletion answer, sentence by sentence, as the single pattern and the letter list they
replaced (nothing timed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_summary


def test_the_faster_checks_give_the_same_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_summary.main(["--stories", "60", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "answers that differ: 0" in out
    # the corpus does hold furniture, and the rule finds it
    found = out.split("| boilerplate: `is_boilerplate` |")[1].split("|")[2]
    assert int(found.split()[0].replace(",", "")) > 0
