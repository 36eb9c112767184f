"""benchmarks/bench_lang.py at a small scale: the detector reading a text's first 1,000
characters gives every text the language it gave reading up to 20,000 (nothing timed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_lang

from riverbed.core.extract import lang


def test_the_shorter_reading_gives_the_same_languages(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_lang.main(["--texts", "60", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "answers that differ: 0" in out
    for code in ("en", "de", "fr", "es", "ru", "zh"):
        assert f"{code} " in out.split("| first 1,000 characters |")[1]
    assert lang.MAX_CHARS == 1_000  # put back after the run
