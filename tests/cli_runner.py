"""`riverbed` as a user runs it: a new process, with none of the caller's RIVERBED_/DAGSTER_
settings (a test says what it wants), Python warnings off."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

# The day every test that runs the pipeline and then compares, replays or re-runs names with
# `--date`: taken once per test process, so a suite that crosses midnight (UTC) compares one day
# with itself. Tests of undated runs (`riverbed run` without `--date`) take the real today.
SUITE_DAY = datetime.now(UTC).date().isoformat()

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
    timeout: float = 900,
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


# A `run_cli` bootstrap: every connection refused except to the S3 endpoint (AWS_ENDPOINT_URL)
# and Unix sockets, every name lookup refused — for commands that must not need the network
# (replay: the lake is the only thing it talks to).
NETWORK_OFF_BUT_S3 = """
import os, socket, sys
from urllib.parse import urlsplit
s3 = urlsplit(os.environ["AWS_ENDPOINT_URL"])
allowed = {(s3.hostname, s3.port)}
def _refuse(*a, **k):
    raise OSError("network is off for this test")
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _only_s3(connect):
    def guarded(self, address):
        if self.family != socket.AF_UNIX and tuple(address[:2]) not in allowed:
            _refuse()
        return connect(self, address)
    return guarded
socket.socket.connect = _only_s3(_connect)
socket.socket.connect_ex = _only_s3(_connect_ex)
_getaddrinfo = socket.getaddrinfo
def _numeric_s3_only(host, port, *a, **k):
    if (host, port) not in allowed:
        _refuse()
    return _getaddrinfo(host, port, *a, **k)
socket.getaddrinfo = _numeric_s3_only
from riverbed.cli import main
sys.argv = ["riverbed", *sys.argv[1:]]
main()
"""
