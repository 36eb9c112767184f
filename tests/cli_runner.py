"""`riverbed` as a user runs it: a new process, with none of the caller's RIVERBED_/DAGSTER_
settings (a test says what it wants), Python warnings off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The collect steps' retry delay in every test (5 s, then 10 s, for users).
RETRY_DELAY_S = "0.5"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIVERBED_", "DAGSTER_"))}
    env["PYTHONWARNINGS"] = "ignore"
    env["RIVERBED_COLLECT_RETRY_DELAY_S"] = RETRY_DELAY_S  # retried steps still retry, sooner
    env.update(extra)
    return env


def run_cli(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    bootstrap: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `riverbed ARGS` in `cwd`. `bootstrap`: Python source run instead of `-m riverbed.cli`
    (e.g. one that switches the network off first, then calls `riverbed.cli.main`)."""
    how = ["-c", bootstrap] if bootstrap else ["-m", "riverbed.cli"]
    return subprocess.run(
        [sys.executable, *how, *args],
        check=False,
        cwd=cwd,
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
