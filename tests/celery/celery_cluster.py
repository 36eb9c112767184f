"""A whole distributed riverbed on this machine, from PyPI packages only: SeaweedFS (S3),
Redis (Celery broker and result backend), Postgres (the Dagster instance) and N
`dagster-celery` workers started exactly as docs/deployment.md tells an operator to.

`celery_stack(tmp)` yields a `Stack`: the environment a `riverbed` command needs to
run on it (`stack.env`), the worker processes, and the Dagster instance to inspect.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cli_runner import clean_env
from riverbed.orchestrate import GENERATED_MARK, LOCAL_INSTANCE
from seaweed import SeaweedFS, _stop, running_seaweedfs
from services import Postgres, running_postgres, running_redis

REPO = Path(__file__).resolve().parents[2]
CELERY_YAML = REPO / "deploy" / "celery.yaml"
WORKER_READY_TIMEOUT_S = 90.0


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (children of the `celery worker` main process)."""
        main = _children(self.proc.pid)  # `dagster-celery` runs `celery` as its child
        return [pid for m in main for pid in _children(m)]


@dataclass
class Stack:
    s3: SeaweedFS
    redis_url: str
    postgres: Postgres
    dagster_home: Path
    env: dict[str, str]
    workers: list[Worker] = field(default_factory=list)

    def instance(self):  # type: ignore[no-untyped-def]
        import dagster as dg

        with _environ(self.env):
            return dg.DagsterInstance.get()


def instance_yaml(pg: Postgres) -> str:
    """riverbed's local instance settings on Postgres storage (without the generated-file mark:
    `riverbed` would otherwise rewrite the file back to SQLite)."""
    local = LOCAL_INSTANCE.removeprefix(GENERATED_MARK + "\n")
    return f'{local}storage:\n  postgres:\n    postgres_url: "{pg.url}"\n'


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def base_env(work: Path) -> dict[str, str]:
    # `dagster-celery` starts `celery` by name: the venv's scripts first on PATH
    return clean_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


@contextlib.contextmanager
def celery_stack(tmp: Path) -> Iterator[Stack]:
    with (
        running_seaweedfs(tmp / "s3", bucket="riverbed-celery") as s3,
        running_redis(tmp) as redis_url,
        running_postgres(tmp) as pg,
    ):
        home = tmp / "dagster"
        home.mkdir(parents=True, exist_ok=True)
        (home / "dagster.yaml").write_text(instance_yaml(pg))
        env = base_env(tmp)
        env.update({k: os.environ[k] for k in os.environ if k.startswith("AWS_")})
        env.update(
            {
                "DAGSTER_HOME": str(home),
                "RIVERBED_EXECUTOR": "celery",
                "RIVERBED_CELERY_BROKER": redis_url,
                "RIVERBED_CELERY_BACKEND": redis_url.rsplit("/", 1)[0] + "/1",
            }
        )
        stack = Stack(s3=s3, redis_url=redis_url, postgres=pg, dagster_home=home, env=env)
        try:
            yield stack
        finally:
            for w in stack.workers:
                _stop_worker(w)


def start_workers(stack: Stack, n: int, tmp: Path) -> None:
    """N workers, one pool process each, as an operator starts them (docs/deployment.md).
    They are told no lake and no catalogue: each run's config names both."""
    env = dict(stack.env)
    for i in range(n):
        name = f"w{len(stack.workers) + 1}"
        log = tmp / f"worker-{name}.log"
        cmd = [
            str(Path(sys.executable).parent / "dagster-celery"),
            "worker",
            "start",
            "-A",
            "dagster_celery.app",
            "-y",
            str(CELERY_YAML),
            "-n",
            name,
            "-l",
            "info",
            "--",
            "--concurrency=1",
            "--pool=prefork",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        stack.workers.append(Worker(name=name, proc=proc, log=log))
        del i
    _wait_ready(stack)


def _wait_ready(stack: Stack) -> None:
    deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
    for w in stack.workers:
        while b" ready." not in (w.log.read_bytes() if w.log.exists() else b""):
            if w.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {w.name} did not start: {w.log.read_text()[-3000:]}")
            time.sleep(0.2)


def _stop_worker(w: Worker) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(w.proc.pid, signal.SIGTERM)
    with contextlib.suppress(Exception):
        w.proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(w.proc.pid, signal.SIGKILL)
    _stop(w.proc)
