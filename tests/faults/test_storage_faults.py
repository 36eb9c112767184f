"""Storage faults between riverbed and its S3 server (SeaweedFS behind `FaultProxy`).

For every fault the proxy injects — latency, a reset mid-request or mid-response, a response
cut short, a stalled server, a stopped server — the lake either survives it (a transient
fault: its retries with backoff absorb it, and what it reads back is exactly what it wrote)
or fails clearly (a persistent fault: a `LakeError` naming the operation, the object, the
endpoint and the reason). Either way every object in the bucket, read straight from the
server afterwards, is whole: Parquet, JSON and zstd blobs all decode, and no multipart
upload is left behind. End to end: a `riverbed run` broken by a fault mid-way exits 3 with
one clear line and no traceback, and its re-run with the fault gone ends with the tables of
a clean run.

The S3 timeouts are shortened to 0.5 s through RIVERBED_S3_TIMEOUT_S (a stalled endpoint
would take minutes with the production defaults).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest
from faultproxy import Fault, FaultProxy
from objectcheck import direct_fs, stored_problems

from cli_runner import SUITE_DAY, clean_env, run_cli
from riverbed.lake import Lake
from riverbed.lake import store as lake_store
from riverbed.lake.blobs import BlobStore
from riverbed.lake.store import LakeError
from seaweed import SeaweedFS, running_seaweedfs
from test_run_platforms import PlatformSites

BUCKET = "riverbed-faults"
TIMEOUT_S = "0.5"
DAY = "2026-11-26"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("faults"), bucket=BUCKET) as server:
        yield server


@pytest.fixture(scope="module")
def proxy(s3: SeaweedFS) -> Iterator[FaultProxy]:
    import s3fs

    host, port = s3.endpoint.removeprefix("http://").rsplit(":", 1)
    mp = pytest.MonkeyPatch()
    with FaultProxy((host, int(port))) as fp:
        mp.setenv("AWS_ENDPOINT_URL", fp.endpoint)
        mp.setenv(lake_store.S3_TIMEOUT_ENV, TIMEOUT_S)
        s3fs.S3FileSystem.clear_instance_cache()
        yield fp
    mp.undo()
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def lake(proxy: FaultProxy, request: pytest.FixtureRequest) -> Iterator[Lake]:
    """A fresh prefix for each test, through the proxy; the proxy passes again afterwards."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    proxy.set(Fault.PASS)
    yield Lake(f"s3://{BUCKET}/{re.sub('[^a-z0-9]+', '-', request.node.name.lower())}")
    proxy.set(Fault.PASS)


def assert_every_object_whole(s3: SeaweedFS, prefix: str) -> int:
    """Every object under `prefix` decodes in full; no multipart upload is pending."""
    count, problems = stored_problems(direct_fs(s3.endpoint), BUCKET, prefix)
    assert not problems, problems
    return count


SCHEMA = pa.schema([("i", pa.int64()), ("text", pa.string())])


def _table(rows: int, seed: int) -> pa.Table:
    rng = __import__("random").Random(seed)
    # random hex: incompressible enough that a big table spans several 5 MiB parts
    return pa.table(
        {
            "i": pa.array(range(rows), pa.int64()),
            "text": [rng.randbytes(48).hex() for _ in range(rows)],
        },
        schema=SCHEMA,
    )


SMALL = _table(2_000, 1)  # one PUT
LARGE = _table(120_000, 2)  # 6 MiB of Parquet: a multipart upload of two parts
BODY = b"<rss>" + bytes(range(256)) * 64 + b"</rss>"


def _operations(lake: Lake) -> list[tuple[str, Callable[[], Any], Any]]:
    """(name, call, expected result): writes, then reads that must return what was written."""
    blobs = BlobStore(lake)
    path = lake.partition_path("t", {"date": DAY})
    state = lake.path("state", "sources", "feed.json")
    sha = hashlib.sha256(BODY).hexdigest()
    return [
        ("write a table", lambda: lake.write_table(path, SMALL), None),
        ("put a blob", lambda: blobs.put(BODY), sha),
        ("write json", lambda: lake.write_json(state, {"etag": "x" * 500}), None),
        ("read a table", lambda: lake.read_table(path), SMALL),
        ("get a blob", lambda: blobs.get(sha), BODY),
        ("read json", lambda: lake.read_json(state), {"etag": "x" * 500}),
        ("list", lambda: [p.name for p in lake.list_files(lake.path("tables"))], ["part.parquet"]),
    ]


# (fault, its settings): each is injected into one new connection before each operation
TRANSIENT = [
    (Fault.LATENCY, {"delay_s": 0.1}),
    (Fault.RESET_REQUEST, {"after_bytes": 40}),  # inside the request line and headers
    (Fault.RESET_REQUEST, {"after_bytes": 3_000}),  # inside an upload's body
    (Fault.RESET_RESPONSE, {"after_bytes": 100}),
    (Fault.TRUNCATE, {"after_bytes": 0}),  # the head, no body
    (Fault.TRUNCATE, {"after_bytes": 1_000}),
]


@pytest.mark.parametrize(("fault", "settings"), TRANSIENT, ids=str)
def test_a_transient_fault_is_retried_and_everything_reads_back_whole(
    s3: SeaweedFS, proxy: FaultProxy, lake: Lake, monkeypatch, fault: Fault, settings: dict
):
    monkeypatch.setattr(lake_store, "S3_PART_BYTES", 5 * 2**20)  # S3's smallest part
    injected = proxy.stats.faulted
    for name, call, expected in _operations(lake):
        proxy.set(fault, times=1, **settings)
        result = call()
        if isinstance(expected, pa.Table):
            assert result is not None and result.equals(expected), name
        else:
            assert result == expected, name
    assert proxy.stats.faulted - injected == len(_operations(lake))
    proxy.set(Fault.PASS)
    assert assert_every_object_whole(s3, _prefix(lake)) == 3


def _prefix(lake: Lake) -> str:
    return lake.path().path.split("/", 1)[1]


def test_a_multipart_upload_survives_a_reset_mid_part(s3, proxy, lake, monkeypatch):
    monkeypatch.setattr(lake_store, "S3_PART_BYTES", 5 * 2**20)  # S3's smallest part
    path = lake.partition_path("big", {"date": DAY})
    proxy.set(Fault.RESET_REQUEST, after_bytes=2**20, times=2)  # only a part is that long
    lake.write_table(path, LARGE)
    assert proxy.stats.faulted and lake.read_table(path).equals(LARGE)
    assert assert_every_object_whole(s3, _prefix(lake)) == 1


def test_an_upload_to_a_stalled_server_times_out_and_is_retried(s3, proxy, lake):
    """botocore's `Expect: 100-continue` made aiohttp wait for an answer with no timeout."""
    path = lake.partition_path("t", {"date": DAY})
    proxy.set(Fault.BLACKHOLE, times=1)
    lake.write_table(path, SMALL)
    assert proxy.stats.faulted and lake.read_table(path).equals(SMALL)


def test_a_server_stopped_for_a_moment_is_waited_for(s3, proxy, lake):
    path = lake.partition_path("t", {"date": DAY})
    proxy.set(Fault.DOWN)
    threading.Timer(0.5, proxy.set, args=(Fault.PASS,)).start()  # back within the backoff
    lake.write_table(path, SMALL)
    assert lake.read_table(path).equals(SMALL)


# (fault, settings, operation, reason in the message)
# A stopped server (refused) is tests/s3/test_s3_failures.py; a stalled one (`timed out`,
# ~17 s here: 3 calls x 3 attempts x timeout + backoff) is left to scripts/storage_faults.py.
PERSISTENT = [
    (Fault.RESET_REQUEST, {"after_bytes": 3_000}, "write", "connection reset"),
    (Fault.RESET_RESPONSE, {"after_bytes": 100}, "read", "response cut short"),
    (Fault.TRUNCATE, {"after_bytes": 100}, "read", "response cut short"),
]


@pytest.mark.parametrize(("fault", "settings", "op", "reason"), PERSISTENT, ids=str)
def test_a_persistent_fault_fails_naming_the_endpoint_and_reason_and_corrupts_nothing(
    s3, proxy, lake, fault, settings, op, reason
):
    path = lake.partition_path("t", {"date": DAY})
    lake.write_table(path, SMALL)
    calls = {
        "write": lambda: lake.write_table(path, _table(2_000, 3)),
        "read": lambda: lake.read_table(path),
        "list": lambda: lake.list_files(lake.table_dir("t")),
    }
    proxy.set(fault, **settings)
    with pytest.raises(LakeError) as info:
        calls[op]()
    proxy.set(Fault.PASS)
    message = str(info.value)
    assert message.startswith(f"cannot {op} s3://{BUCKET}/"), message
    assert message.endswith(f": {reason} (S3 endpoint {proxy.endpoint})"), message
    assert info.value.__cause__ is None and "\n" not in message
    assert lake.read_table(path).equals(SMALL)  # the failed write changed nothing
    assert_every_object_whole(s3, _prefix(lake))


def test_a_failed_multipart_completion_is_aborted(s3, proxy, lake, monkeypatch):
    """The parts are uploaded; the request that would complete them is reset every time."""
    monkeypatch.setattr(lake_store, "S3_PART_BYTES", 5 * 2**20)
    path = lake.partition_path("big", {"date": DAY})
    fs = path.fs
    complete = fs.call_s3

    def call_s3(method: str, *args: Any, **kwargs: Any) -> Any:
        if method == "complete_multipart_upload":
            proxy.set(Fault.RESET_REQUEST, after_bytes=40)
            try:
                return complete(method, *args, **kwargs)
            finally:
                proxy.set(Fault.PASS)
        return complete(method, *args, **kwargs)

    monkeypatch.setattr(fs, "call_s3", call_s3)
    with pytest.raises(LakeError, match="connection reset"):
        lake.write_table(path, LARGE)
    assert not lake.exists(path)
    assert_every_object_whole(s3, _prefix(lake))  # and no parts left


# -- end to end ---------------------------------------------------------------------------
# columns that differ between two runs over the same responses
VOLATILE = {"run_id", "fetch_id", "fetched_at", "first_seen_at", "last_seen_at"}


def _collected(uri: str) -> list[tuple[Any, ...]]:
    """The rows `riverbed run --select group:collect` stored, less per-run columns."""
    lake = Lake(uri)
    table = lake.read_tables(lake.list_files(lake.table_dir("rss_items")), _rss_schema(lake, uri))
    keep = [c for c in table.column_names if c not in VOLATILE]
    return sorted(tuple(map(repr, row.values())) for row in table.select(keep).to_pylist())


def _rss_schema(lake: Lake, uri: str) -> pa.Schema:
    first = lake.list_files(lake.table_dir("rss_items"))[0]
    table = lake.read_table(first)
    assert table is not None, uri
    return table.schema


@pytest.fixture(scope="module")
def runs(s3: SeaweedFS, proxy: FaultProxy, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """`riverbed run` collecting one feed: clean, broken by responses cut short, re-run."""
    work = tmp_path_factory.mktemp("faults-e2e")
    sites = PlatformSites()
    catalogue = work / "sources.yaml"
    catalogue.write_text(
        "sources:\n  - {id: wp, kind: rss, url: 'http://blog.example.org/feed/'}\n"
        "settings:\n  fetch_articles: false\n  resolve:\n"
        f"    blog.example.org: '127.0.0.1:{sites.port}'\n"
    )
    day = SUITE_DAY

    def run(prefix: str, endpoint: str, home: str) -> subprocess.CompletedProcess[str]:
        args = ("run", "--sources", str(catalogue), "--lake", s3.uri(prefix), "--date", day)
        env = clean_env(
            DAGSTER_HOME=str(work / home),
            AWS_ENDPOINT_URL=endpoint,
            **{lake_store.S3_TIMEOUT_ENV: TIMEOUT_S},
        )
        return run_cli(work, *args, "--select", "group:collect", env=env)

    out: dict[str, Any] = {}
    # the clean run goes straight to the server, at the same time as the broken one
    clean = threading.Thread(target=lambda: out.update(clean=run("clean", s3.endpoint, "d1")))
    proxy.set(Fault.TRUNCATE, after_bytes=10)  # every response
    clean.start()
    out["broken"] = run("broken", proxy.endpoint, "d2")
    clean.join()
    proxy.set(Fault.PASS)
    out["objects"] = assert_every_object_whole(s3, "broken")
    out["rerun"] = run("broken", proxy.endpoint, "d2")
    out["rows"] = _collected(s3.uri("clean")), _collected(s3.uri("broken"))
    yield out
    sites.close()


@pytest.mark.slow
def test_a_run_broken_by_cut_responses_fails_clearly(runs, proxy):
    assert runs["clean"].returncode == 0, runs["clean"].stderr[-3000:]
    broken = runs["broken"]
    assert broken.returncode == 3, broken.stdout + broken.stderr[-3000:]
    assert "Traceback" not in broken.stderr, broken.stderr[-3000:]
    lines = [line for line in broken.stderr.splitlines() if line.startswith("error:")]
    assert lines, broken.stderr[-3000:]
    for line in lines:
        assert line.endswith(f": response cut short (S3 endpoint {proxy.endpoint})"), line


@pytest.mark.slow
def test_the_re_run_without_the_fault_stores_what_a_clean_run_does(runs):
    assert runs["rerun"].returncode == 0, runs["rerun"].stderr[-3000:]
    clean, rerun = runs["rows"]
    assert clean and rerun == clean
