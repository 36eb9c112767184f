"""Every atheris target in fuzz/ runs briefly (seeded, from the fixture corpus) without a
crash, a hang or a memory blow-up. Long runs: `scripts/fuzz.py --minutes N`."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
