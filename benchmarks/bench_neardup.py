"""Near-duplicate merge: `riverbed.core.neardup` beside a datasketch MinHashLSH baseline.

The data (`neardup_data.generate`, seeded): documents written from the demo corpus's
templates, each labelled with its event — reworded headlines with their own text,
syndicated copies with site decorations, lightly edited copies — and hard negatives: events
from the same template with one fact changed (version, CVE id, amount, percentage, company,
feature, service...) and blog posts of different blogs under one generic title.

Both sides run on the same documents, each in a fresh subprocess of its own (so that peak
memory, the process's VmHWM plus any child processes it starts, is its own):

  riverbed  `near_duplicates(titles, texts)`: MinHash LSH on title subject words, exact
            verification, conflict-aware grouping (two processes from 200,000 documents)
  baseline  datasketch `MinHashLSH` (64 permutations, threshold 0.5) over each title's
            lower-cased words, candidates kept when rapidfuzz `token_set_ratio` >= 80,
            groups by union-find; one process

Scores are pairwise over documents: a predicted pair is two documents in one group, a true
pair two documents of one event; precision = correct / predicted, recall = correct / true.

    uv run python benchmarks/bench_neardup.py [--sizes 10000,100000,1000000] [--seed 7]
        [--skip-baseline-above 100000] [--repeat 1] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from neardup_data import generate, score_pairs  # noqa: E402


def _status_kib(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _pss_kib(pid: int) -> int:
    """Proportional set size: pages shared with a forked parent count half to each."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """Peak resident memory of this process and the processes it starts: its own VmHWM,
    and, sampled every 50 ms while it has children, the sum of their and its proportional
    set sizes (a forked child shares its parent's pages; VmRSS would count them twice)."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.05):
            children = _children(me)
            if children:
                total = _pss_kib(me) + sum(_pss_kib(c) for c in children)
                self.peak_kib = max(self.peak_kib, total)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, _status_kib("self", "VmHWM"))


def run_riverbed(titles: list[str], texts: list[str | None]) -> tuple[list[int], dict[str, Any]]:
    from riverbed.core.neardup import near_duplicates

    result = near_duplicates(titles, texts)
    return result.labels, {"candidates": result.candidates, "verified": result.verified}


def run_baseline(titles: list[str], texts: list[str | None]) -> tuple[list[int], dict[str, Any]]:
    import re

    from datasketch import MinHash, MinHashLSH
    from rapidfuzz import fuzz

    words = re.compile(r"\w+")
    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    signatures = []
    for i, title in enumerate(titles):
        sig = MinHash(num_perm=64)
        sig.update_batch([w.encode() for w in set(words.findall((title or "").lower()))])
        signatures.append(sig)
        lsh.insert(i, sig)
    parent = list(range(len(titles)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    candidates = verified = 0
    for i, sig in enumerate(signatures):
        for j in lsh.query(sig):
            if j <= i:
                continue
            candidates += 1
            if fuzz.token_set_ratio(titles[i], titles[j]) >= 80:
                verified += 1
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(len(titles))], {
        "candidates": candidates,
        "verified": verified,
    }


SIDES = {"riverbed": run_riverbed, "baseline": run_baseline}


def side_main(side: str, data_path: str) -> None:
    """One side on one dataset, in this (fresh) process: prints a JSON line."""
    with Path(data_path).open("rb") as fh:
        titles, texts, labels = pickle.load(fh)
    loaded_kib = _status_kib("self", "VmRSS")
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        groups, extra = SIDES[side](titles, texts)
        wall = time.perf_counter() - t0
    score = score_pairs(groups, labels)
    print(
        json.dumps(
            {
                "side": side,
                "n": len(titles),
                "wall_s": wall,
                "peak_mb": mem.peak_kib / 1024,
                "data_mb": loaded_kib / 1024,
                "precision": score.precision,
                "recall": score.recall,
                "predicted_pairs": score.predicted_pairs,
                "true_pairs": score.true_pairs,
                **extra,
            }
        )
    )


def dataset(size: int, seed: int, cache: Path) -> Path:
    path = cache / f"neardup_{size}_{seed}.pkl"
    if not path.exists():
        t0 = time.perf_counter()
        data = generate(size, seed)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((data.titles, data.texts, data.labels), fh, protocol=5)
        tmp.rename(path)
        print(f"  generated {size:,} documents in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def run_side(side: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--side", side, "--data", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{side} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--skip-baseline-above",
        type=int,
        default=100_000,
        help="run the baseline only up to this size (it is quadratic in big buckets)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per side (median)")
    parser.add_argument("--cache", default=None, help="folder for generated datasets")
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side_main(args.side, args.data)
        return

    cache = Path(args.cache or tempfile.mkdtemp(prefix="bench-neardup-"))
    cache.mkdir(parents=True, exist_ok=True)
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.processor() or platform.machine()},"
        f" {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        path = dataset(size, args.seed, cache)
        results: dict[str, dict[str, Any]] = {}
        for side in SIDES:
            if side == "baseline" and size > args.skip_baseline_above:
                continue
            runs = [run_side(side, path) for _ in range(args.repeat)]
            best = dict(runs[0])
            best["wall_s"] = statistics.median(r["wall_s"] for r in runs)
            best["peak_mb"] = max(r["peak_mb"] for r in runs)
            results[side] = best
            print(
                f"  {size:>9,} {side:<9} {best['wall_s']:8.1f} s {size / best['wall_s']:>10,.0f}"
                f" items/s  peak {best['peak_mb']:7,.0f} MB  P {best['precision']:.3f}"
                f"  R {best['recall']:.3f}  ({best['candidates']:,} candidates,"
                f" {best['verified']:,} verified)",
                flush=True,
            )
        rows.append((size, results))

    print("\n| items | side | wall | items/s | peak RSS | precision | recall | vs baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for size, results in rows:
        base = results.get("baseline")
        for side, r in results.items():
            ratio = ""
            if side == "riverbed" and base:
                ratio = (
                    f"{base['wall_s'] / r['wall_s']:.1f}x faster,"
                    f" P {r['precision'] - base['precision']:+.3f},"
                    f" R {r['recall'] - base['recall']:+.3f}"
                )
            print(
                f"| {size:,} | {side} | {r['wall_s']:.1f} s | {size / r['wall_s']:,.0f}"
                f" | {r['peak_mb']:,.0f} MB | {r['precision']:.3f} | {r['recall']:.3f}"
                f" | {ratio} |"
            )


if __name__ == "__main__":
    main()
