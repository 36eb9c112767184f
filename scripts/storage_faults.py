"""A long randomized storage-fault run: SeaweedFS behind the fault-injecting proxy, and lake
operations under random faults.

    .venv/bin/python scripts/storage_faults.py --rounds 300 --seed 1

Each round picks a fault (latency, a reset mid-request or mid-response, a response cut short,
a stalled server, a stopped server), a lake operation (write/read a table, a multipart table,
a raw blob, JSON state, a listing) and whether the fault is transient (one or two faulted
connections: the operation must succeed and read back exactly) or persistent (every
connection: the operation must fail with a one-line `LakeError` naming the endpoint). After
the fault is lifted the same operation must succeed, and every object stored under the
prefix, read straight from the server, must decode in full with no multipart upload left
pending. Prints one JSON summary: rounds, faults injected, survived, failed clearly, time to
a clear failure (median, max), problems (must be empty). Exit 1 on any problem.
S3 timeouts are 0.5 s (RIVERBED_S3_TIMEOUT_S), as in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "faults")]
os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
os.environ.setdefault("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")

import pyarrow as pa  # noqa: E402
import s3fs  # noqa: E402
from faultproxy import Fault, FaultProxy  # noqa: E402
from objectcheck import direct_fs, pending_uploads, stored_problems  # noqa: E402

from riverbed.lake import Lake  # noqa: E402
from riverbed.lake import store as lake_store  # noqa: E402
from riverbed.lake.blobs import BlobStore  # noqa: E402
from seaweed import running_seaweedfs  # noqa: E402

BUCKET = "riverbed-faults"
FAULTS: list[tuple[Fault, Callable[[random.Random], dict[str, Any]]]] = [
    (Fault.LATENCY, lambda r: {"delay_s": r.choice([0.05, 0.2, 0.4])}),
    (Fault.RESET_REQUEST, lambda r: {"after_bytes": r.choice([10, 200, 3_000, 2**20])}),
    (Fault.RESET_RESPONSE, lambda r: {"after_bytes": r.choice([0, 100, 5_000])}),
    (Fault.TRUNCATE, lambda r: {"after_bytes": r.choice([0, 100, 5_000])}),
    (Fault.BLACKHOLE, lambda r: {}),
    (Fault.DOWN, lambda r: {}),
]


def _table(rows: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    return pa.table(
        {"i": list(range(rows)), "text": [rng.randbytes(48).hex() for _ in range(rows)]}
    )


def _operations(lake: Lake, rng: random.Random) -> dict[str, Callable[[], bool]]:
    """Each returns True when what it read back is what was written."""
    blobs = BlobStore(lake)
    small, large = _table(2_000, 1), _table(120_000, 2)
    body = rng.randbytes(30_000)

    def table(name: str, data: pa.Table) -> bool:
        path = lake.partition_path(name, {"date": "2026-11-26"})
        lake.write_table(path, data)
        got = lake.read_table(path)
        return got is not None and got.equals(data)

    def blob() -> bool:
        return blobs.get(blobs.put(body)) == body

    def state() -> bool:
        value = {"etag": rng.randbytes(8).hex()}
        path = lake.path("state", "sources", "feed.json")
        lake.write_json(path, value)
        return lake.read_json(path) == value

    def listing() -> bool:
        lake.write_table(lake.partition_path("t", {"date": "2026-11-27"}), small)
        return len(lake.list_files(lake.table_dir("t"))) >= 1

    return {
        "table": lambda: table("t", small),
        "multipart table": lambda: table("big", large),
        "blob": blob,
        "state": state,
        "list": listing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lake_store.S3_PART_BYTES = 5 * 2**20  # S3's smallest part: multipart with a 6 MiB table
    os.environ[lake_store.S3_TIMEOUT_ENV] = "0.5"
    tally: Counter[str] = Counter()
    clear_s: list[float] = []
    problems: list[str] = []
    unsurvived: list[str] = []  # transient faults that still failed (clearly)
    orphans: list[str] = []  # multipart uploads left pending
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, running_seaweedfs(Path(tmp), bucket=BUCKET) as s3:
        host, port = s3.endpoint.removeprefix("http://").rsplit(":", 1)
        with FaultProxy((host, int(port))) as proxy:
            os.environ["AWS_ENDPOINT_URL"] = proxy.endpoint
            s3fs.S3FileSystem.clear_instance_cache()
            direct = direct_fs(s3.endpoint)
            for n in range(args.rounds):
                fault, pick = rng.choice(FAULTS)
                settings = pick(rng)
                persistent = rng.random() < 0.3
                lake = Lake(f"s3://{BUCKET}/round-{n % 20}")
                ops = _operations(lake, rng)
                name = rng.choice(sorted(ops))
                label = f"{fault}/{name}/{'persistent' if persistent else 'transient'}"
                before = proxy.stats.faulted
                if fault is Fault.DOWN:
                    proxy.set(Fault.DOWN)
                    if not persistent:  # back within the retries' backoff
                        __import__("threading").Timer(0.4, proxy.set, args=(Fault.PASS,)).start()
                else:
                    proxy.set(fault, times=None if persistent else rng.choice([1, 2]), **settings)
                t0 = time.monotonic()
                try:
                    ok = ops[name]()
                    tally["survived"] += 1
                    if not ok:
                        problems.append(f"round {n} {label}: read back differs")
                except lake_store.LakeError as exc:
                    clear_s.append(time.monotonic() - t0)
                    message = str(exc)
                    tally["failed clearly"] += 1
                    if f"(S3 endpoint {proxy.endpoint})" not in message or "\n" in message:
                        problems.append(f"round {n} {label}: unclear message {message!r}")
                    if not persistent:
                        unsurvived.append(f"{label} {settings}: {message}")
                except Exception as exc:
                    problems.append(f"round {n} {label}: {type(exc).__name__}: {exc}")
                time.sleep(0.5 if fault is Fault.DOWN and not persistent else 0)
                tally["faults injected"] += proxy.stats.faulted - before
                proxy.set(Fault.PASS)
                if not ops[name]():  # the fault lifted, the same operation completes
                    problems.append(f"round {n} {label}: re-run read back differs")
                prefix = f"round-{n % 20}/"
                # a CreateMultipartUpload whose answer was lost and retried leaves an empty,
                # invisible upload behind (no part, no object): counted, then aborted
                for key, parts in pending_uploads(direct, BUCKET, prefix):
                    orphans.append(f"round {n} {label}: {key} ({parts} parts)")
                    uploads = direct.call_s3("list_multipart_uploads", Bucket=BUCKET, Prefix=key)
                    for u in uploads.get("Uploads", []):
                        direct.call_s3(
                            "abort_multipart_upload", Bucket=BUCKET, Key=key, UploadId=u["UploadId"]
                        )
                count, found = stored_problems(direct, BUCKET, prefix)
                tally["objects checked"] += count
                problems += [f"round {n} {label}: {p}" for p in found]
    summary = {
        "rounds": args.rounds,
        "seed": args.seed,
        **tally,
        "clear failure s (median)": round(statistics.median(clear_s), 2) if clear_s else None,
        "clear failure s (max)": round(max(clear_s), 2) if clear_s else None,
        "wall s": round(time.monotonic() - started, 1),
        "transient not survived": unsurvived,
        "pending multipart uploads": orphans,
        "problems": problems,
    }
    print(json.dumps(summary, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
