"""A `riverbed run` killed with -9 while a platform pool slot is held: the next run marks the
dead run failed, frees its slot and completes instead of waiting forever."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from loopback import LoopbackHTTP, Reply
from riverbed.orchestrate import GENERATED_MARK, LOCAL_INSTANCE, prepare_dagster_home

ITEMS = Path(__file__).parent / "fixtures" / "platforms" / "hackernews" / "v0"


class SlowHN(LoopbackHTTP):
    """Hacker News on loopback; while `stall` is set the top-stories list never answers."""

    def __init__(self) -> None:
        self.stall = threading.Event()
        self.asked = threading.Event()
        super().__init__(self._respond)

    def _respond(self, host: str, path_qs: str, headers: object) -> Reply | None:
        path = path_qs.split("?", maxsplit=1)[0]
        if path == "/v0/topstories.json":
            self.asked.set()
            if self.stall.is_set():
                time.sleep(60)
                return None
        file = ITEMS / path.removeprefix("/v0/")
        body = file.read_bytes() if file.is_file() else b"null"
        return Reply(200, body, {"Content-Type": "application/json"})


def _riverbed(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    code = "from riverbed.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_killed_run_is_swept_and_its_pool_slot_freed(tmp_path):
    server = SlowHN()
    try:
        catalogue = tmp_path / "sources.yaml"
        catalogue.write_text(
            "sources:\n"
            "  - {id: hn, kind: hackernews, url: 'http://hacker-news.firebaseio.com'}\n"
            "settings:\n"
            "  timeout_s: 120\n"
            f"  resolve: {{hacker-news.firebaseio.com: '127.0.0.1:{server.port}'}}\n"
        )
        home = tmp_path / "dagster"
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "RIVERBED_SOURCES": str(catalogue),
            "RIVERBED_LAKE": str(tmp_path / "lake"),
        }
        args = ("run", "--format", "json")
        server.stall.set()
        victim = _riverbed(*args, env=env, cwd=tmp_path)
        assert server.asked.wait(60), victim.communicate(timeout=5)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)

        with dg.DagsterInstance.from_config(str(home)) as instance:
            (dead,) = instance.get_runs()
            assert dead.status == dg.DagsterRunStatus.STARTED  # what -9 leaves behind
            info = instance.event_log_storage.get_concurrency_info("riverbed_hackernews")
            assert info.slot_count == 1 and info.claimed_slots  # and the slot it holds

        server.stall.clear()
        again = _riverbed(*args, env=env, cwd=tmp_path)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err[-3000:]
        assert {r["source_id"]: r["status"] for r in json.loads(out)} == {"hn": "ok"}

        with dg.DagsterInstance.from_config(str(home)) as instance:
            swept = instance.get_run_by_id(dead.run_id)
            assert swept is not None and swept.status == dg.DagsterRunStatus.FAILURE
            info = instance.event_log_storage.get_concurrency_info("riverbed_hackernews")
            assert not info.claimed_slots
    finally:
        server.close()


def test_local_instance_config_is_kept_current_unless_the_user_owns_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    cfg = tmp_path / "h" / "dagster.yaml"
    prepare_dagster_home(str(tmp_path / "h"))
    assert cfg.read_text() == LOCAL_INSTANCE
    cfg.write_text(GENERATED_MARK + "\ntelemetry:\n  enabled: false\n")  # an older riverbed
    prepare_dagster_home(str(tmp_path / "h"))
    assert cfg.read_text() == LOCAL_INSTANCE
    cfg.write_text("telemetry:\n  enabled: true\n")  # the user's own
    prepare_dagster_home(str(tmp_path / "h"))
    assert cfg.read_text() == "telemetry:\n  enabled: true\n"


@pytest.fixture(autouse=True)
def _restore_dagster_home(monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", ""))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(30)
    return proc.pid


# (status, its process alive, swept): one instance for the whole table (each costs seconds)
SWEEP_CASES = [
    # killed after Dagster stored the run, before it started (seen by the kill harness)
    (dg.DagsterRunStatus.NOT_STARTED, False, True),
    (dg.DagsterRunStatus.STARTING, False, True),
    (dg.DagsterRunStatus.STARTED, False, True),
    (dg.DagsterRunStatus.CANCELING, False, True),
    (dg.DagsterRunStatus.NOT_STARTED, True, False),  # its process is still at it
    (dg.DagsterRunStatus.STARTED, True, False),
    (dg.DagsterRunStatus.SUCCESS, False, False),
    (dg.DagsterRunStatus.FAILURE, False, False),
]


def test_runs_of_a_dead_process_are_swept_whatever_unfinished_state_they_are_in(tmp_path):
    from riverbed.orchestrate import HOST_TAG, PID_TAG, sweep_dead_runs

    dead, alive = _dead_pid(), os.getppid()
    with dg.DagsterInstance.from_config(str(prepare_dagster_home(str(tmp_path)))) as instance:
        runs = []
        for n, (status, pid_alive, _) in enumerate(SWEEP_CASES):
            run = dg.DagsterRun(
                job_name="collect_rss",
                run_id=f"0f0e0d0c-0000-4000-8000-{n:012d}",
                status=status,
                tags={PID_TAG: str(alive if pid_alive else dead), HOST_TAG: socket.gethostname()},
            )
            instance.add_run(run)
            runs.append(run)
        swept = sweep_dead_runs(instance)
        for run, (status, _, expected) in zip(runs, SWEEP_CASES, strict=True):
            after = instance.get_run_by_id(run.run_id)
            assert after is not None
            assert (run.run_id in swept) == expected, (status, expected)
            assert after.status == (dg.DagsterRunStatus.FAILURE if expected else status)
