"""Kill `riverbed run` at N seeded random points, re-run each time, and count survivals.

    .venv/bin/python scripts/kill_runs.py                  # 100 kills on a local lake
    .venv/bin/python scripts/kill_runs.py --kills 20 --s3  # 20 kills on SeaweedFS
    .venv/bin/python scripts/kill_runs.py --buckets        # every kind in hash buckets

One uninterrupted run of the catalogue gives the reference tables and the length of a run;
then, for each seed, a fresh lake and Dagster home: a run is SIGKILLed (its whole process
group) after a delay drawn uniformly over that length, a plain `riverbed run` follows, and
the harness (tests/faults/killkit.py) checks: current-state tables identical to the
reference (every column but run/fetch ids; riverbed's clock is frozen), no duplicate key, every
object in the lake readable, the killed Dagster runs FAILURE (not STARTED) and no concurrency
slot held. Prints one line per kill as it goes, then a summary table by stage; exits 1 if any
kill was not survived. Results are recorded in docs/reliability.md ("## Kills").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "faults"))

import killkit  # noqa: E402

from test_run_platforms import PlatformSites  # noqa: E402

SMALL = ("hn-top", "wp", "status-page")  # one platform kind (with its pool), one feed, one failure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--s3", action="store_true", help="an S3 lake on a local SeaweedFS")
    parser.add_argument(
        "--all-sources",
        action="store_true",
        help="every source kind (12 sources, ~2x slower) instead of hn-top, wp, status-page",
    )
    parser.add_argument(
        "--points",
        choices=("delays", "writes"),
        default="delays",
        help="delays: a random delay over a run's length (default); writes: the n-th lake"
        " write, killed before it starts or mid-write (odd / even seeds)",
    )
    parser.add_argument(
        "--buckets",
        action="store_true",
        help="every kind collected in hash buckets (settings.source_buckets_above: 0)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    args = parser.parse_args()
    sources = None if args.all_sources else SMALL
    settings = {"source_buckets_above": 0} if args.buckets else None
    work = Path(tempfile.mkdtemp(prefix="riverbed-kills-"))
    print(f"work folder {work}", flush=True)
    sites = PlatformSites()
    sites.always[("status.example.net", "/feed.xml")] = (500, {"Content-Type": "text/html"})
    outcomes: list[killkit.KillOutcome] = []
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        lake_of: Callable[[str], str] = lambda name: str(work / name / "lake")  # noqa: E731
        if args.s3:
            from seaweed import running_seaweedfs

            server = stack.enter_context(running_seaweedfs(work / "s3"))
            lake_of = server.uri
        reference = killkit.Project.create(
            work / "reference", sites, lake_of("reference"), sources, settings
        )
        ref = killkit.reference_run(reference)
        longest = ref.took_s
        print(f"reference run {longest:.1f}s: {_sizes(ref.snapshot)}", flush=True)
        for seed in range(args.first_seed, args.first_seed + args.kills):
            name = f"kill-{seed}"
            project = killkit.Project.create(work / name, sites, lake_of(name), sources, settings)
            if args.points == "writes":
                family = "before-write" if seed % 2 else "mid-write"
                outcome = killkit.kill_at_write(project, family, seed, ref)
            else:
                outcome = killkit.kill_and_rerun(project, seed, ref)
            outcomes.append(outcome)
            verdict = "ok" if outcome.ok else "FAILED: " + " | ".join(outcome.problems)[:2000]
            print(
                f"seed {seed:4d} kill at {outcome.kill.delay_s:6.2f}s in {outcome.kill.stage:9s}"
                f" re-run exit {outcome.rerun_code}, leftovers {outcome.leftovers}: {verdict}",
                flush=True,
            )
    sites.close()
    wall = time.monotonic() - started
    _summary(outcomes, args, longest, wall)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "seed": o.seed,
                        "delay_s": o.kill.delay_s,
                        "stage": o.kill.stage,
                        "last_line": o.kill.last_line,
                        "rerun_code": o.rerun_code,
                        "problems": o.problems,
                        "leftovers": o.leftovers,
                    }
                    for o in outcomes
                ],
                indent=1,
            )
        )
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(o.ok for o in outcomes) else 1


def _sizes(snap: killkit.Snapshot) -> str:
    return ", ".join(f"{t} {len(rows)}" for t, rows in snap.rows.items())


def _summary(
    outcomes: list[killkit.KillOutcome], args: argparse.Namespace, longest: float, wall: float
) -> None:
    by_stage: dict[str, Counter[str]] = {}
    for o in outcomes:
        by_stage.setdefault(o.kill.stage, Counter())["ok" if o.ok else "failed"] += 1
    print()
    print(f"{'stage at kill':14s} {'kills':>6s} {'survived':>9s}")
    order = ["start-up", "collect", "refine", "enrich", "publish", "finished"]
    for stage in sorted(by_stage, key=lambda s: order.index(s) if s in order else 99):
        c = by_stage[stage]
        print(f"{stage:14s} {c['ok'] + c['failed']:6d} {c['ok']:9d}")
    survived = sum(o.ok for o in outcomes)
    print(f"{'total':14s} {len(outcomes):6d} {survived:9d}")
    print()
    print(
        f"{survived}/{len(outcomes)} kills survived;"
        f" lake {'S3 (SeaweedFS)' if args.s3 else 'local'};"
        f" uninterrupted run {longest:.1f}s; wall {wall / 60:.1f} min;"
        f" {platform.node()} ({platform.machine()}, {_cpus()} CPUs, Python"
        f" {platform.python_version()}); {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
