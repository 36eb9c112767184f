"""`riverbed demo` run from .venv-ai (the `ai` extra installed, default settings): the same
command as without the extra, now embedding with the packaged all-MiniLM-L6-v2, offline.

One run (about 80 s on 2 cores, half of it embedding ~1,700 stories); every test reads it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import NETWORK_MARKER, ai_env
from riverbed.lake import Lake
from riverbed.lake.query import connect

# the model embeds at ~40 stories per CPU-second: allow for a loaded machine
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

MINILM = "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def demo(ai_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("ai-demo")
    done = subprocess.run(
        [str(ai_venv / "bin/riverbed"), "demo"],
        cwd=work,
        env=ai_env(work),
        capture_output=True,
        text=True,
        check=False,
        timeout=540,
    )
    return {"run": done, "lake": work / ".riverbed/demo/lake"}


def _rows(demo: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    assert demo["run"].returncode == 0, demo["run"].stderr[-3000:]
    return connect(Lake(demo["lake"])).execute(sql).fetchall()


def test_the_demo_runs_without_reaching_outside_loopback(demo: dict[str, Any]) -> None:
    run = demo["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert NETWORK_MARKER not in run.stdout + run.stderr
    assert "digest:" in run.stderr  # the summary's place (stdout: the per-source rows)


def test_every_embedding_comes_from_the_packaged_model(demo: dict[str, Any]) -> None:
    rows = _rows(
        demo,
        "select model, count(*), min(len(vector)), max(len(vector)) from embeddings group by model",
    )
    assert len(rows) == 1, rows
    model, n, shortest, longest = rows[0]
    assert (model, shortest, longest) == (MINILM, 384, 384)
    assert n > 100


def test_enrichments_record_the_packaged_model_and_topics_exist(demo: dict[str, Any]) -> None:
    models = _rows(demo, "select embedding_model, count(*) from enrichments group by 1")
    assert [m for m, _ in models] == [MINILM], models
    assert _rows(demo, "select count(*) from topics")[0][0] > 0
