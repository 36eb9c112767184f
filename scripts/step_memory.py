"""Which step of a `riverbed run` holds the memory: runs it once, samples the process tree
every 0.2 s (the `riverbed run` process's RSS and the tree's summed PSS, as scripts/soak.py
counts it) and prints each Dagster step's window with the peak seen inside it.

    uv run python scripts/step_memory.py --sources sources.yaml --lake LAKE --date 2026-10-01

The lake is changed as any run changes it: point it at a copy. Extra arguments after `--`
go to `riverbed run` (e.g. `-- --select 'items*'`). A throwaway Dagster home is used.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from soak import tree_memory  # scripts/ is on the path: this script's own folder

RIVERBED = str(Path(sys.executable).parent / "riverbed")


def sample(proc: subprocess.Popen[bytes]) -> list[tuple[float, int, int]]:
    """(unix time, the run process's RSS, the tree's summed PSS) every 0.2 s until it ends."""
    root = psutil.Process(proc.pid)
    samples = []
    while proc.poll() is None:
        try:
            own = root.memory_info().rss
        except psutil.Error:
            continue
        samples.append((time.time(), own, tree_memory(root)))
        time.sleep(0.2)
    return samples


def step_windows(home: str) -> list[tuple[str, float, float]]:
    """(step key, start, end) of every step of the runs in the Dagster home, by start."""
    os.environ["DAGSTER_HOME"] = home
    import dagster as dg

    windows = []
    with dg.DagsterInstance.get() as instance:
        for record in instance.get_run_records():
            started: dict[str, float] = {}
            for entry in instance.all_logs(record.dagster_run.run_id):
                if entry.dagster_event is None or not entry.step_key:
                    continue
                kind = entry.dagster_event_type.value
                if kind == "STEP_START":
                    started[entry.step_key] = entry.timestamp
                elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in started:
                    windows.append((entry.step_key, started[entry.step_key], entry.timestamp))
    return sorted(windows, key=lambda w: w[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", required=True)
    parser.add_argument("--lake", required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("extra", nargs="*", help="more `riverbed run` arguments (after --)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="step-memory-")
    cmd = [RIVERBED, "run", "--sources", args.sources, "--lake", args.lake, "--date", args.date]
    env = {**os.environ, "DAGSTER_HOME": home}
    start = time.time()
    proc = subprocess.Popen([*cmd, "--quiet", *args.extra], env=env)
    samples = sample(proc)
    print(f"exit {proc.returncode}, {time.time() - start:.1f} s")
    if not samples:
        return
    mb = 2**20
    print(f"{'step':<40} {'start s':>8} {'secs':>6} {'run RSS MB':>10} {'tree PSS MB':>11}")
    for key, begin, end in step_windows(home):
        # a step shorter than a sample: the sample nearest its end
        nearest = min(samples, key=lambda s: abs(s[0] - end))
        inside = [s for s in samples if begin <= s[0] <= end] or [nearest]
        print(
            f"{key:<40} {begin - start:>8.1f} {end - begin:>6.1f}"
            f" {max(s[1] for s in inside) // mb:>10} {max(s[2] for s in inside) // mb:>11}"
        )
    print(
        f"{'whole run':<40} {'':>8} {'':>6} {max(s[1] for s in samples) // mb:>10}"
        f" {max(s[2] for s in samples) // mb:>11}"
    )


if __name__ == "__main__":
    main()
