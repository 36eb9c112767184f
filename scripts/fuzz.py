"""Long fuzzing runs: every target in fuzz/ in turn, one process at a time.

    .venv/bin/python scripts/fuzz.py --minutes 60

Each target's corpus grows in fuzz/corpus/<target>/ (seeded from tests/fixtures on every run)
and survives between runs; crash, timeout and out-of-memory inputs land in
fuzz/crashes/<target>/ with the fuzzer's log. Targets take turns of `--slice` seconds until
`--minutes` have passed; each turn's libFuzzer seed is `--seed` plus the turn number, so a
run is reproducible up to timing. Prints executions, CPU time and crashes per target, and
exits 1 if anything crashed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _turn(target: str, seconds: int, seed: int) -> tuple[int, bool, float]:
    corpus = FUZZ_DIR / "corpus" / target
    crashes = FUZZ_DIR / "crashes" / target
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    argv = command(target, corpus, crashes, f"-seed={seed}", f"-max_total_time={seconds}")
    before = _children_cpu()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    cpu = _children_cpu() - before
    result = outcome(target, done.returncode, done.stdout + done.stderr)
    if result.crashed:
        log = crashes / f"log-seed{seed}.txt"
        log.write_text(f"{' '.join(argv)}\n\n{done.stdout}\n...\n{done.stderr[-20_000:]}")
        print(f"  CRASH in {target} (seed {seed}); log: {log}", flush=True)
    return result.execs, result.crashed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="total wall-clock time")
    parser.add_argument("--slice", type=int, default=300, help="seconds per turn of a target")
    parser.add_argument("--seed", type=int, default=1, help="libFuzzer seed of the first turn")
    parser.add_argument("--targets", nargs="*", choices=sorted(TARGETS), default=list(TARGETS))
    parser.add_argument("--json", type=Path, help="also write the totals to this file")
    args = parser.parse_args(argv)

    tallies = {t: Tally() for t in args.targets}
    deadline = time.monotonic() + args.minutes * 60
    turn = 0
    while time.monotonic() < deadline:
        target = args.targets[turn % len(args.targets)]
        seconds = max(1, min(args.slice, int(deadline - time.monotonic())))
        seed = args.seed + turn
        execs, crashed, cpu = _turn(target, seconds, seed)
        tally = tallies[target]
        tally.turns += 1
        tally.execs += execs
        tally.cpu_s += cpu
        tally.crashes += crashed
        print(f"{target:10} seed {seed:5}  {execs:9,} execs  {cpu:7.0f} s CPU", flush=True)
        turn += 1

    print(f"\n{'target':10} {'turns':>5} {'execs':>12} {'CPU h':>7} {'crashes':>7} corpus")
    for target, t in tallies.items():
        corpus = len(list((FUZZ_DIR / "corpus" / target).glob("*")))
        print(f"{target:10} {t.turns:5} {t.execs:12,} {t.cpu_s / 3600:7.3f} {t.crashes:7} {corpus}")
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
    return 1 if total.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
