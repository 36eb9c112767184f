"""deploy/Dockerfile and .dockerignore, checked by structure (no container engine here): a
locked install with the `deploy` extra, dependencies in their own layer, a non-root user, the
environment defaults and the code-server command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def dockerfile() -> list[str]:
    """Instructions, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_dockerfile_installs_locked_with_the_deploy_extra() -> None:
    lines = dockerfile()
    assert lines[0].startswith("FROM python:3.11-slim")
    syncs = [line for line in lines if line.startswith("RUN") and "uv sync" in line]
    assert syncs, "no uv sync"
    for line in syncs:
        assert "--locked" in line and "--no-dev" in line and "--extra deploy" in line, line
    copies = [line for line in lines if line.startswith("COPY")]
    first_sync = lines.index(syncs[0])
    copied_before = " ".join(line for line in copies if lines.index(line) < first_sync)
    assert "uv.lock" in copied_before and "pyproject.toml" in copied_before
    assert "src" not in copied_before.split(), "sources copied before the dependency layer"


def test_dockerfile_runs_as_non_root() -> None:
    users = [line.split(None, 1)[1] for line in dockerfile() if line.startswith("USER ")]
    assert users, "no USER"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_environment_and_command() -> None:
    lines = dockerfile()
    env = " ".join(line for line in lines if line.startswith("ENV "))
    for needed in (
        "RIVERBED_LAKE=",
        "DAGSTER_HOME=",
        "AWS_REQUEST_CHECKSUM_CALCULATION=when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
    ):
        assert needed in env, needed
    (cmd,) = [line for line in lines if line.startswith("CMD ")]
    assert cmd.split(None, 1)[1] == (
        '["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", '
        '"riverbed.definitions"]'
    )


@pytest.mark.parametrize("needed", [".git", ".venv", "deploy/.env", ".riverbed"])
def test_dockerignore_keeps_state_and_secrets_out(needed: str) -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert needed in ignored
