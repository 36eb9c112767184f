"""`riverbed ui` stops on Ctrl-C or SIGTERM even when its children ignore both (Dagster's
webserver does): the whole process group goes, nothing is left running; killed outright,
its watchdog stops the group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A stand-in for `dagster dev`: a child that ignores SIGINT and SIGTERM and has a child of
# its own doing the same (the webserver), both writing their pids.
STUBBORN = """
import os, signal, subprocess, sys, time
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, signal.SIG_IGN)
if len(sys.argv) > 2:
    subprocess.Popen([sys.executable, sys.argv[0], sys.argv[1]])
with open(sys.argv[1], "a") as fh:
    fh.write(f"{os.getpid()}\\n")
time.sleep(120)
"""

RUNNER = """
import sys
from riverbed.cli import run_until_stopped
sys.exit(run_until_stopped([sys.executable, sys.argv[1], sys.argv[2], "spawn"], {}, grace_s=1.0))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()  # a zombie waits for its parent: gone
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize(
    ("sig", "started_in_background"),
    [
        (signal.SIGINT, False),
        (signal.SIGTERM, False),
        (signal.SIGINT, True),
        # killed outright (the OOM killer, `kill -9`): its watchdog stops the group
        (signal.SIGKILL, False),
    ],
)
def test_the_ui_command_stops_its_whole_process_group(
    tmp_path: Path, sig: int, started_in_background: bool
) -> None:
    """`started_in_background`: as `riverbed ui &` from a shell without job control, which
    starts it with SIGINT ignored."""
    script, pids = tmp_path / "stubborn.py", tmp_path / "pids"
    script.write_text(STUBBORN)
    cmd = [sys.executable, "-c", RUNNER, str(script), str(pids)]
    if started_in_background:  # a shell's `trap "" INT`: SIGINT ignored, inherited by exec
        cmd = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", *cmd]
    runner = subprocess.Popen(cmd)
    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline and len(pids.read_text().split() if pids.exists() else []) < 2
    ):
        time.sleep(0.05)
    children = [int(p) for p in pids.read_text().split()]
    assert len(children) == 2 and all(_alive(p) for p in children)
    runner.send_signal(sig)
    stopped = -signal.SIGKILL if sig == signal.SIGKILL else 0
    assert runner.wait(timeout=60) == stopped  # the alternative is never: far from a real stop
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.05)
    assert not any(_alive(p) for p in children)
