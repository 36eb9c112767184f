"""Every atheris target in fuzz/ runs briefly (seeded, from the fixture corpus) without a
crash, a hang or a memory blow-up. Long runs: `scripts/fuzz.py --minutes N`
(its scheduling is tested here too)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from targets import TARGETS, command, outcome

# Inputs per target after the seed corpus (which is run first, once per file), capped in
# time so a slow machine shortens the run instead of the suite waiting on it.
RUNS = {"extract": 20, "feed": 150, "platforms": 300, "opml": 200, "catalogue": 200}
DEFAULT_RUNS = 500
MAX_SECONDS = 2


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_target_survives_a_short_seeded_run(target: str, tmp_path: Path) -> None:
    corpus, artifacts = tmp_path / "corpus", tmp_path / "crashes"
    corpus.mkdir()
    artifacts.mkdir()
    argv = command(
        target,
        corpus,
        artifacts,
        "-seed=1",
        f"-runs={RUNS.get(target, DEFAULT_RUNS)}",
        f"-max_total_time={MAX_SECONDS}",
    )
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
    result = outcome(target, done.returncode, done.stdout + done.stderr)
    assert not result.crashed, result.log[-4000:]
    assert result.execs > 0, result.log[-4000:]  # it did fuzz, not just start
    assert not list(artifacts.iterdir())


def _fuzz_script() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("fuzz_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_long_runs_give_the_next_turn_to_the_target_with_the_least_cpu() -> None:
    next_target = _fuzz_script().next_target
    cpu = {"feed": 30.0, "opml": 10.0, "canonical": 10.0, "extract": 50.0}
    assert next_target(cpu, set(), None) == "opml"  # ties: the order given
    assert next_target(cpu, {"opml"}, None) == "canonical"  # never one already running
    assert next_target(cpu, {"opml", "canonical"}, 40.0) == "feed"
    assert next_target(cpu, {"opml", "canonical", "feed"}, 40.0) is None  # extract is done
    assert next_target(cpu, set(), 5.0) is None
