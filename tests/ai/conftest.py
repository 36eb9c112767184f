"""tests/ai/: the `ai` extra, exercised in its own environment .venv-ai (built by `make ai-env`,
which `make test` runs first; built here too when missing or stale, so plain `pytest` works).

The suite runs in .venv, which does not have the extra; these tests start .venv-ai's Python
in subprocesses with a scrubbed environment: no RIVERBED_/DAGSTER_/HF_ settings, an empty
Hugging Face home (the model must come from the package, not a cache), and a guard that
refuses and reports every attempt to reach a non-loopback address."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cli_runner import clean_env

REPO = Path(__file__).resolve().parents[2]
AI_VENV = REPO / ".venv-ai"
GUARD_SITE = Path(__file__).resolve().parent / "guard_site"
PROBE = Path(__file__).resolve().parent / "ai_probe.py"
# Written to stderr by guard_site/sitecustomize.py for each refused attempt.
NETWORK_MARKER = "OUTSIDE-NETWORK-ATTEMPT"


@pytest.fixture(scope="session")
def ai_venv() -> Path:
    """.venv-ai, brought up to date with pyproject.toml and uv.lock (a no-op when it is)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        ["make", "--no-print-directory", "ai-env"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.fail(f"make ai-env failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return AI_VENV


def ai_env(home: Path) -> dict[str, str]:
    """The environment for a .venv-ai process: nothing that switches the hub offline (the
    embedder must do it itself), an empty HF home, the network guard on."""
    env = {
        k: v
        for k, v in clean_env().items()
        if not k.startswith(("HF_", "TRANSFORMERS_", "SENTENCE_TRANSFORMERS_", "TORCH_"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    hf_home = home / "hf-home"
    hf_home.mkdir(parents=True, exist_ok=True)
    env.update(PYTHONPATH=str(GUARD_SITE), HF_HOME=str(hf_home))
    return env


def run_probe(
    venv: Path, home: Path, request: dict[str, Any]
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """Run tests/ai/ai_probe.py with `venv`'s Python; its JSON answer and the process."""
    done = subprocess.run(
        [str(venv / "bin/python"), str(PROBE)],
        input=json.dumps(request),
        cwd=home,
        env=ai_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout), done
