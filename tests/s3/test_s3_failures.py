"""The lake on S3 when things go wrong: writes stay atomic for readers (a multipart upload is
invisible until it completes, a failed one is aborted), a dead endpoint fails within seconds
with a short message, and credentials in the endpoint never reach a message."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from cli_runner import clean_env, run_cli
from loopback import refused_port
from riverbed.lake import Lake
from riverbed.lake import store as lake_store
from riverbed.lake.store import LakeError
from seaweed import SeaweedFS, running_seaweedfs

SECRET = "rbSECRETpass-5d0c7a13"


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("s3fail"), bucket="riverbed-fail") as server:
        yield server


def _fs():
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True)


def _batches(n: int, rows: int = 20_000, fail_after: int | None = None, check=None):
    rng = __import__("random").Random(7)
    for i in range(n):
        if fail_after is not None and i == fail_after:
            raise RuntimeError("the producer broke mid-table")
        if check is not None:
            check(i)
        # random bytes hex-encoded: incompressible enough that the object spans parts
        text = [rng.randbytes(48).hex() for _ in range(rows)]
        yield pa.record_batch({"i": pa.array([i] * rows, pa.int64()), "text": text})


SCHEMA = pa.schema([("i", pa.int64()), ("text", pa.string())])


def _uploads(s3: SeaweedFS) -> list[dict]:
    return _fs().call_s3("list_multipart_uploads", Bucket=s3.bucket).get("Uploads", [])


def test_a_multipart_object_is_invisible_until_complete(s3, monkeypatch):
    monkeypatch.setattr(lake_store, "S3_PART_BYTES", 5 * 2**20)  # S3's smallest part
    lake = Lake(s3.uri("mpu"))
    path = lake.partition_path("t", {"date": "2026-11-26"})
    lake.write_table(path, pa.table({"i": [-1], "text": ["old"]}))
    key = path.path
    seen: list[tuple[int, int | None]] = []

    def check(i: int) -> None:
        # while parts are being uploaded, readers still get the previous object, whole
        old = lake.read_table(path)
        seen.append((i, None if old is None else old.num_rows))
        assert old is not None and old.column("text").to_pylist() == ["old"]
        if i == 6:
            assert _uploads(s3), "by now the writer should be in a multipart upload"

    rows = lake.write_batches(path, SCHEMA, _batches(8, check=check))
    assert rows == 8 * 20_000
    assert _fs().size(key) > lake_store.S3_PART_BYTES  # really several parts
    assert lake.read_table(path).num_rows == rows
    assert not _uploads(s3)


def test_a_failed_write_leaves_the_previous_object_and_no_parts(s3, monkeypatch):
    monkeypatch.setattr(lake_store, "S3_PART_BYTES", 5 * 2**20)
    lake = Lake(s3.uri("abort"))
    path = lake.partition_path("t", {"date": "2026-11-26"})
    lake.write_table(path, pa.table({"i": [-1], "text": ["old"]}))
    with pytest.raises(RuntimeError, match="producer broke"):
        lake.write_batches(path, SCHEMA, _batches(8, fail_after=6))
    assert lake.read_table(path).column("text").to_pylist() == ["old"]
    assert not _uploads(s3)  # the multipart upload was aborted
    fresh = lake.partition_path("t", {"date": "2026-11-27"})
    with pytest.raises(RuntimeError):
        lake.write_batches(fresh, SCHEMA, _batches(2, fail_after=1))  # small: a single PUT
    assert not lake.exists(fresh)


@pytest.fixture
def endpoint(monkeypatch) -> Iterator:
    """Point the lake at another endpoint (cached s3fs instances keep the old one)."""
    import s3fs

    def use(url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        s3fs.S3FileSystem.clear_instance_cache()

    yield use
    monkeypatch.undo()
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def closed_port() -> Iterator[int]:
    with refused_port() as port:
        yield port


def test_a_dead_endpoint_fails_within_seconds_with_a_short_clear_message(s3, endpoint, closed_port):
    port = closed_port
    endpoint(f"http://127.0.0.1:{port}")
    lake = Lake("s3://riverbed-fail/dead")
    path = lake.partition_path("items", {"date": "2026-11-26"})
    for op, call in (
        ("write", lambda: lake.write_table(path, pa.table({"a": [1]}))),
        ("read", lambda: lake.read_table(path)),
        ("list", lambda: lake.list_files(lake.table_dir("items"))),
    ):
        started = time.monotonic()
        with pytest.raises(LakeError) as info:
            call()
        assert time.monotonic() - started < 15, op  # botocore/s3fs defaults: ~10 s per call
        message = str(info.value)
        assert message.startswith(f"cannot {op} s3://riverbed-fail/dead/"), message
        assert message.endswith(f": connection refused (S3 endpoint http://127.0.0.1:{port})"), (
            message
        )
        assert info.value.__cause__ is None and info.value.__suppress_context__


def test_credentials_in_the_endpoint_are_redacted(s3, endpoint):
    port = s3.endpoint.rsplit(":", 1)[1]
    endpoint(f"http://riverbed:{SECRET}@127.0.0.1:{port}")
    lake = Lake("s3://riverbed-fail/creds")
    with pytest.raises(LakeError) as info:
        lake.write_table(lake.partition_path("items"), pa.table({"a": [1]}))
    message = str(info.value)
    assert SECRET not in message and "REDACTED@127.0.0.1" in message, message
    assert SECRET not in repr(info.value.args)


def test_credentials_in_the_lake_uri_are_redacted(s3):
    lake = Lake(f"s3://riverbed:{SECRET}@riverbed-fail/lake")
    assert SECRET not in repr(lake) + str(lake)
    with pytest.raises(OSError) as info:
        lake.write_table(lake.partition_path("items"), pa.table({"a": [1]}))
    assert SECRET not in str(info.value)


def _cli(tmp: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp, *args, env=clean_env(**env, DAGSTER_HOME=str(tmp / "dagster")))


@pytest.mark.parametrize("broken", ["credentials", "dead"])
def test_the_cli_names_the_cause_without_the_secret(s3, tmp_path, broken, closed_port):
    if broken == "credentials":  # aiohttp refuses a URL with credentials: every call fails
        port = s3.endpoint.rsplit(":", 1)[1]
        url, shown = f"http://riverbed:{SECRET}@127.0.0.1:{port}", f"REDACTED@127.0.0.1:{port}"
    else:
        port = str(closed_port)
        url, shown = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    env = {"AWS_ENDPOINT_URL": url, "AWS_SECRET_ACCESS_KEY": SECRET}
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text("sources:\n  - {id: feed, kind: rss, url: 'http://127.0.0.1:9/f'}\n")
    uri = "s3://riverbed-fail/cli"
    for args in (
        ["query", "--lake", uri, "select count(*) from items"],
        ["status", "--sources", str(catalogue), "--lake", uri],
        ["run", "--sources", str(catalogue), "--lake", uri],
    ):
        out = _cli(tmp_path, env, *args)
        assert SECRET not in out.stdout + out.stderr, args
        assert out.returncode == 3, (args, out.stdout, out.stderr[-2000:])
        assert "Traceback" not in out.stderr, out.stderr[-2000:]
        assert f"(S3 endpoint http://{shown})" in out.stderr, out.stderr
        if broken == "dead":
            assert "connection refused" in out.stderr, out.stderr
