"""Long fuzzing runs: every target in fuzz/ in turn, `--jobs` fuzzer processes at a time.

    .venv/bin/python scripts/fuzz.py --minutes 60
    .venv/bin/python scripts/fuzz.py --cpu-hours 1 --jobs 2 --minutes 300

Each target's corpus grows in fuzz/corpus/<target>/ (seeded from tests/fixtures on every run)
and survives between runs; crash, timeout and out-of-memory inputs land in
fuzz/crashes/<target>/ with the fuzzer's log. Targets take turns of `--slice` seconds until
`--minutes` have passed, the next turn always going to the target that has had the least CPU
(never to one already running); each turn's libFuzzer seed is `--seed` plus the turn number,
so a run is reproducible up to timing. With `--cpu-hours`, a target stops once it has had that
much CPU (earlier runs' `--json` totals count with `--after`) and the run ends when every
target has. Prints executions, CPU time and crashes per target, and exits 1 if anything
crashed, 2 if `--cpu-hours` was not reached in `--minutes`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fuzz"))
from targets import FUZZ_DIR, TARGETS, command, outcome


@dataclass
class Tally:
    turns: int = 0
    execs: int = 0
    cpu_s: float = 0.0
    crashes: int = 0


def next_target(
    cpu_s: Mapping[str, float], running: Collection[str], goal_s: float | None
) -> str | None:
    """The target to fuzz next: the least CPU so far among those not running and, with a
    goal, not there yet (ties: the order given)."""
    waiting = [t for t in cpu_s if t not in running and (goal_s is None or cpu_s[t] < goal_s)]
    return min(waiting, key=lambda t: cpu_s[t]) if waiting else None


def _turn(target: str, seconds: int, seed: int) -> tuple[int, bool, float]:
    """One libFuzzer process: (executions, crashed, its CPU seconds)."""
    corpus = FUZZ_DIR / "corpus" / target
    crashes = FUZZ_DIR / "crashes" / target
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    argv = command(target, corpus, crashes, f"-seed={seed}", f"-max_total_time={seconds}")
    with tempfile.TemporaryFile("w+") as out:  # a file, not a pipe: wait4 reaps the child
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's CPU, whatever else runs
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        log = out.read()
    result = outcome(target, proc.returncode, log)
    if result.crashed:
        path = crashes / f"log-seed{seed}.txt"
        path.write_text(f"{' '.join(argv)}\n\n{log[-40_000:]}")
        print(f"  CRASH in {target} (seed {seed}); log: {path}", flush=True)
    return result.execs, result.crashed, usage.ru_utime + usage.ru_stime


def _earlier_cpu(paths: list[Path], targets: list[str]) -> dict[str, float]:
    cpu = dict.fromkeys(targets, 0.0)
    for path in paths:
        for target, tally in json.loads(path.read_text()).items():
            if target in cpu:
                cpu[target] += float(tally["cpu_s"])
    return cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="total wall-clock time")
    parser.add_argument("--slice", type=int, default=300, help="seconds per turn of a target")
    parser.add_argument("--seed", type=int, default=1, help="libFuzzer seed of the first turn")
    parser.add_argument("--targets", nargs="*", choices=sorted(TARGETS), default=list(TARGETS))
    parser.add_argument("--jobs", type=int, default=1, help="fuzzer processes at a time")
    parser.add_argument("--cpu-hours", type=float, help="stop a target after this much CPU")
    parser.add_argument(
        "--after", type=Path, nargs="*", default=[], help="earlier runs' --json files"
    )
    parser.add_argument("--json", type=Path, help="also write the totals to this file")
    args = parser.parse_args(argv)

    tallies = {t: Tally() for t in args.targets}
    earlier = _earlier_cpu(args.after, args.targets)
    goal = args.cpu_hours * 3600 if args.cpu_hours is not None else None
    deadline = time.monotonic() + args.minutes * 60
    turn = 0
    running: dict[Future[tuple[int, bool, float]], tuple[str, int]] = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        while True:
            left = deadline - time.monotonic()
            cpu = {t: earlier[t] + tallies[t].cpu_s for t in args.targets}
            busy = {target for target, _ in running.values()}
            target = next_target(cpu, busy, goal) if left > 1 else None
            if target is not None and len(running) < args.jobs:
                seconds = min(args.slice, int(left))
                if goal is not None:  # a CPU second takes at least a wall second
                    seconds = min(seconds, int(goal - cpu[target]) + 1)
                seed = args.seed + turn
                running[pool.submit(_turn, target, max(1, seconds), seed)] = (target, seed)
                turn += 1
                continue
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                target, seed = running.pop(future)
                execs, crashed, cpu_s = future.result()
                tally = tallies[target]
                tally.turns += 1
                tally.execs += execs
                tally.cpu_s += cpu_s
                tally.crashes += crashed
                print(
                    f"{target:10} seed {seed:5}  {execs:9,} execs  {cpu_s:7.0f} s CPU", flush=True
                )

    head = f"{'target':10} {'turns':>5} {'execs':>12} {'CPU h':>7} {'crashes':>7} corpus"
    print(f"\n{head}" + ("  CPU h with earlier runs" if args.after else ""))
    for target, t in tallies.items():
        corpus = len(list((FUZZ_DIR / "corpus" / target).glob("*")))
        line = f"{target:10} {t.turns:5} {t.execs:12,} {t.cpu_s / 3600:7.3f} {t.crashes:7} {corpus}"
        with_earlier = f"  {(earlier[target] + t.cpu_s) / 3600:.3f}" if args.after else ""
        print(line + with_earlier)
    total = Tally(
        sum(t.turns for t in tallies.values()),
        sum(t.execs for t in tallies.values()),
        sum(t.cpu_s for t in tallies.values()),
        sum(t.crashes for t in tallies.values()),
    )
    print(
        f"{'total':10} {total.turns:5} {total.execs:12,} {total.cpu_s / 3600:7.3f} "
        f"{total.crashes:7}"
    )
    if args.json:
        summary = {name: vars(t) for name, t in {**tallies, "total": total}.items()}
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    if total.crashes:
        return 1
    short = goal is not None and any(earlier[t] + tallies[t].cpu_s < goal for t in tallies)
    return 2 if short else 0


if __name__ == "__main__":
    sys.exit(main())
