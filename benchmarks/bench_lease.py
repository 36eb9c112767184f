"""What the lake leases cost, and how often two processes collide on dynamic partitions.

lease      acquire + release of one free lease, and `leased()` over a collect batch of N
           source leases (what a collect step pays before and after its work), on a local
           lake and on SeaweedFS on loopback (`weed` from the dev dependencies)
contention T threads with their own run ids incrementing one JSON counter under the lease:
           increments lost (must be 0) and increments per second
partitions two forked processes syncing the same 300 dynamic partitions at once, R rounds:
           IntegrityErrors raised by the instance (each retried by
           `sync_source_partitions`) and partitions wrong at the end (must be 0)

  uv run python benchmarks/bench_lease.py [--rounds 20] [--batch 200] [--threads 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from riverbed.lake import Lake
from riverbed.lake.lease import acquire, leased, source_lease


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def bench_lake(label: str, lake: Lake, rounds: int, batch: int, threads: int) -> None:
    one = []
    for n in range(rounds):
        t = time.perf_counter()
        acquire(lake, f"bench/{n}", "bench").release()
        one.append(time.perf_counter() - t)
    names = [source_lease(f"src-{i:04d}") for i in range(batch)]
    many = []
    for _ in range(max(1, rounds // 5)):
        t = time.perf_counter()
        with leased(lake, names, "bench"):
            pass
        many.append(time.perf_counter() - t)
    print(f"{label:6} one lease: {_ms(one)}; a batch of {batch}: {_ms(many)}")

    path = lake.path("state", f"counter-{uuid.uuid4().hex}.json")
    per_thread = 10

    def work(n: int) -> None:
        for _ in range(per_thread):
            with leased(lake, ["bench-counter"], f"run-{n}", wait_s=120):
                lake.write_json(path, (lake.read_json(path) or 0) + 1)

    t = time.perf_counter()
    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    took = time.perf_counter() - t
    want = threads * per_thread
    got = lake.read_json(path)
    print(
        f"{label:6} contention: {threads} threads x {per_thread}: lost {want - got}, "
        f"{want / took:.0f} increments/s"
    )


def _partition_child(home: str, rounds: int, barrier: Any, out: Any) -> None:
    import dagster as dg

    from riverbed.defs.partitions import sync_source_partitions
    from riverbed.orchestrate import prepare_dagster_home

    prepare_dagster_home(home)
    instance = dg.DagsterInstance.get()
    add = instance.add_dynamic_partitions
    errors: list[str] = []

    def counted(name: str, keys: Any) -> None:
        try:
            add(name, keys)
        except Exception as exc:
            errors.append(type(exc).__name__)
            raise

    instance.add_dynamic_partitions = counted  # type: ignore[method-assign]
    ids = [f"src-{i:04d}" for i in range(300)]
    for n in range(rounds):
        barrier.wait(timeout=120)
        sync_source_partitions(instance, {f"k{n}": ids}, [f"k{n}"])
    out.put(errors)


def bench_partitions(rounds: int) -> None:
    import dagster as dg

    from riverbed.orchestrate import prepare_dagster_home

    with tempfile.TemporaryDirectory() as tmp:
        home = str(Path(tmp) / "dagster")
        prepare_dagster_home(home)
        instance = dg.DagsterInstance.get()
        instance.get_dynamic_partitions("k0_sources")
        ctx = multiprocessing.get_context("fork")
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=_partition_child, args=(home, rounds, barrier, out))
            for _ in range(2)
        ]
        for p in procs:
            p.start()
        errors = [out.get(timeout=300) for _ in procs]
        for p in procs:
            p.join()
        wrong = sum(
            list(instance.get_dynamic_partitions(f"k{n}_sources"))
            != [f"src-{i:04d}" for i in range(300)]
            for n in range(rounds)
        )
        kinds = sorted({e for errs in errors for e in errs})
        print(
            f"partitions: {rounds} rounds x 2 processes: {sum(map(len, errors))} collisions "
            f"({', '.join(kinds) or 'none'}) retried; exit codes {[p.exitcode for p in procs]}; "
            f"dimensions wrong at the end: {wrong}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    print(f"{platform.node()} {platform.python_version()} {time.strftime('%Y-%m-%d %H:%M')}")
    from seaweed import running_seaweedfs

    with tempfile.TemporaryDirectory() as tmp:
        bench_lake("local", Lake(Path(tmp) / "lake"), args.rounds, args.batch, args.threads)
        with running_seaweedfs(Path(tmp) / "s3") as s3:
            bench_lake("s3", Lake(s3.uri("bench")), args.rounds, args.batch, args.threads)
    bench_partitions(args.rounds)


if __name__ == "__main__":
    main()
