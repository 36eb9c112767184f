"""The lake lease, on a local folder and on S3 (SeaweedFS on loopback): exclusive, taken over
when expired or when its holder's process is gone, released, renewed, and it really keeps
concurrent read-merge-writes from losing updates."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from riverbed.lake import Lake
from riverbed.lake.lease import (
    Holder,
    LeaseBusy,
    Member,
    _backend,
    _Heartbeat,
    _key,
    acquire,
    leased,
)
from seaweed import SeaweedFS, running_seaweedfs


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def new_lake(request: pytest.FixtureRequest, tmp_path) -> Callable[[], Lake]:
    """A fresh, empty lake per call on the backend under test."""

    def make() -> Lake:
        name = uuid.uuid4().hex[:8]
        if request.param == "local":
            return Lake(tmp_path / name)
        return Lake(request.getfixturevalue("s3").uri(name))

    return make


def _plant(lake: Lake, name: str, **fields: object) -> None:
    """Write a lease object as another holder would have left it."""
    now = time.time()
    holder = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "run_id": "other-run",
        "token": uuid.uuid4().hex,
        "acquired_at": now,
        "expires_at": now + 3600,
        **fields,
    }
    assert _backend(lake).create(_key(name), Holder(**holder).to_bytes())  # type: ignore[arg-type]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process now
    return proc.pid


def test_a_held_lease_is_exclusive_and_busy_names_its_holder(new_lake):
    lake = new_lake()
    first = acquire(lake, "sources/feed-a", "run-1")
    with pytest.raises(LeaseBusy) as busy:
        acquire(lake, "sources/feed-a", "run-2", wait_s=0.2)
    message = str(busy.value)
    assert "sources/feed-a" in message
    assert f"run run-1 (pid {os.getpid()} on {socket.gethostname()})" in message
    assert "RIVERBED_LEASE_WAIT_S" in message
    # another name is another lease
    acquire(lake, "sources/feed-b", "run-2", wait_s=0).release()
    first.release()


def test_a_released_lease_is_free_at_once(new_lake):
    lake = new_lake()
    acquire(lake, "daily/2026-11-26", "run-1").release()
    second = acquire(lake, "daily/2026-11-26", "run-2", wait_s=0)
    assert second.held
    second.release()


def test_a_waiter_gets_the_lease_when_its_holder_releases_it(new_lake):
    lake = new_lake()
    first = acquire(lake, "notify", "run-1")
    threading.Timer(0.3, first.release).start()
    second = acquire(lake, "notify", "run-2", wait_s=30)
    assert second.holder.run_id == "run-2"
    second.release()


@pytest.mark.parametrize(
    ("planted", "why"),
    [
        ({"expires_at": time.time() - 1}, "expired"),
        ({"pid": "dead"}, "holder's process is gone on this host"),
        ({"run_id": "run-2"}, "left behind in this process (by a step of the same run)"),
        ({"run_id": "run-9"}, "left behind in this process by another run's step"),
    ],
)
def test_a_stale_lease_is_taken_over(new_lake, planted, why):
    lake = new_lake()
    fields = {**planted}
    if fields.get("pid") == "dead":
        fields["pid"] = _dead_pid()
    _plant(lake, "sources/feed-a", **fields)
    lease = acquire(lake, "sources/feed-a", "run-2", wait_s=0)
    assert lease.holder.run_id == "run-2", why
    lease.release()


@pytest.mark.parametrize(
    ("planted", "why"),
    [
        ({"host": "another-host", "pid": 1}, "a live lease of another host"),
        ({"run_id": "run-1"}, "another run of this (live) process"),
        ({}, "a live process of this host"),
    ],
)
def test_a_live_lease_is_not_taken_over(new_lake, planted, why):
    lake = new_lake()
    _plant(lake, "sources/feed-a", **({"pid": os.getppid()} | planted))
    with pytest.raises(LeaseBusy):
        acquire(lake, "sources/feed-a", "run-2", wait_s=0.1)


def test_a_lease_taken_over_after_expiry_is_lost_to_its_old_holder(new_lake):
    lake = new_lake()
    old = acquire(lake, "sources/feed-a", "run-1", ttl_s=0)  # expires at once
    new = acquire(lake, "sources/feed-a", "run-2", wait_s=0)
    assert not old.renew() and old.lost
    old.release()  # must not delete the new holder's lease
    with pytest.raises(LeaseBusy, match="run run-2"):
        acquire(lake, "sources/feed-a", "run-3", wait_s=0.1)
    new.release()


def test_renewal_pushes_the_stored_expiry_out(new_lake):
    lake = new_lake()
    lease = acquire(lake, "daily/2026-11-26", "run-1", ttl_s=30)
    before = lease.holder.expires_at
    beat = _Heartbeat([lease], every_s=0.01)
    beat.start()
    try:
        stored = before
        for _ in range(500):  # until the heartbeat has renewed it at least once
            seen = _backend(lake).read(_key("daily/2026-11-26"))
            assert seen is not None and seen.holder is not None
            stored = seen.holder.expires_at
            if stored > before:
                break
            time.sleep(0.01)
        assert stored > before
        assert seen.holder.token == lease.holder.token
    finally:
        beat.stop.set()
        beat.join()
        lease.release()


def test_leased_releases_every_lease_when_the_block_raises(new_lake):
    lake = new_lake()
    with pytest.raises(RuntimeError), leased(lake, ["sources/a", "sources/b"], "run-1"):
        raise RuntimeError("the step failed")
    with leased(lake, ["sources/b", "sources/a"], "run-2", wait_s=0) as held:
        assert [x.name for x in held] == ["sources/a", "sources/b"]  # sorted: no deadlock


def test_concurrent_read_merge_writes_under_the_lease_lose_nothing(new_lake):
    """Threads with their own run ids increment one counter object: every increment counts."""
    lake = new_lake()
    path = lake.path("state", "counter.json")
    workers, rounds = 4, 8
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(rounds):
                with leased(lake, ["counter"], f"run-{n}", wait_s=60):
                    value = lake.read_json(path) or 0
                    time.sleep(0.002)  # widen the read-modify-write window
                    lake.write_json(path, value + 1)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert lake.read_json(path) == workers * rounds


def test_overlapping_batches_neither_deadlock_nor_lose_updates(new_lake):
    """Threads taking overlapping batches of leases (as two collect steps whose source ranges
    overlap do) all finish, and every counter they guard counts every increment."""
    lake = new_lake()
    batches = [["a", "b", "c"], ["c", "d", "b"], ["d", "a"]]
    rounds = 4
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(rounds):
                names = [f"sources/{x}" for x in batches[n]]
                with leased(lake, names, f"run-{n}", wait_s=60):
                    for x in batches[n]:
                        path = lake.path("state", f"{x}.json")
                        lake.write_json(path, (lake.read_json(path) or 0) + 1)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    counts = {x: lake.read_json(lake.path("state", f"{x}.json")) for x in "abcd"}
    assert counts == {x: rounds * sum(x in b for b in batches) for x in "abcd"}


# A step of a run in a long-lived worker process (a Celery pool process, a pod): it takes its
# part of the run's shared daily lease, says "held", gives it back when told "end" (its
# IO manager's teardown), says "released" and stays alive until told "exit".
STEP = """
import sys
from riverbed.lake import Lake
from riverbed.lake.lease import leased
with leased(Lake(sys.argv[1]), [sys.argv[2]], sys.argv[3], share_run=True):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
sys.stdin.readline()
"""


def _worker_step(lake: Lake, name: str, run_id: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", STEP, str(lake.root), name, run_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def _tell(proc: subprocess.Popen[str], line: str, expect: str | None = None) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    if expect is not None:
        assert proc.stdout.readline() == expect + "\n"


def test_a_shared_lease_keeps_other_runs_out_until_its_last_step_gives_it_back(new_lake):
    """Two steps of run-1 in two worker processes (Celery, Kubernetes) hold the date's lease
    together: when the step that took it first ends, the other still keeps run-2 out; when
    that one ends too, run-2 gets the lease at once although both worker processes live on."""
    lake = new_lake()
    name = "daily/2026-11-26"
    first = _worker_step(lake, name, "run-1")  # a step on worker 1
    try:
        second = acquire(lake, name, "run-1", wait_s=0, share_run=True)  # one on worker 2
        assert second.held and second.holder.run_id == "run-1"
        assert len(second.holder.members) == 2
        with pytest.raises(LeaseBusy, match=r"run run-1 .*and 1 more process"):
            acquire(lake, name, "run-2", wait_s=0.1, share_run=True)
        _tell(first, "end", expect="released")  # worker 1's step is done; the worker lives
        assert first.poll() is None
        with pytest.raises(LeaseBusy, match="run run-1"):  # worker 2's step still runs
            acquire(lake, name, "run-2", wait_s=0.1, share_run=True)
        assert second.renew()  # ... and keeps its part
        second.release()
        nxt = acquire(lake, name, "run-2", wait_s=0, share_run=True)  # no waiting
        assert nxt.holder.run_id == "run-2" and len(nxt.holder.members) == 1
        nxt.release()
        assert _backend(lake).read(_key(name)) is None
    finally:
        _tell(first, "end")
        _tell(first, "exit")
        first.wait(timeout=30)


def test_two_steps_of_one_run_in_one_process_both_hold_their_part(new_lake):
    """A worker running two steps of a run at once in threads (Celery's threads pool): the
    second joins the first, it does not take the lease over as if left behind."""
    lake = new_lake()
    name = "daily/2026-11-26"
    one = acquire(lake, name, "run-1", wait_s=0, share_run=True)
    two = acquire(lake, name, "run-1", wait_s=0, share_run=True)
    assert one.renew() and two.renew() and not one.lost
    one.release()
    with pytest.raises(LeaseBusy):
        acquire(lake, name, "run-2", wait_s=0.1, share_run=True)
    two.release()
    acquire(lake, name, "run-2", wait_s=0, share_run=True).release()


def _plant_shared(lake: Lake, name: str, run_id: str, *members: dict[str, object]) -> None:
    now = time.time()
    ms = tuple(
        Member(
            **{  # type: ignore[arg-type]
                "host": socket.gethostname(),
                "token": uuid.uuid4().hex,
                "expires_at": now + 3600,
                **m,
            }
        )
        for m in members
    )
    base = Holder(
        host="", pid=0, run_id=run_id, token="", acquired_at=now, expires_at=now, members=ms
    )
    assert _backend(lake).create(_key(name), base.with_members(ms).to_bytes())


def test_a_shared_lease_is_stale_only_when_every_member_is(new_lake):
    lake = new_lake()
    name = "daily/2026-11-26"
    dead, live = {"pid": _dead_pid()}, {"pid": 1, "host": "another-host"}
    _plant_shared(lake, name, "run-1", dead, live)
    with pytest.raises(LeaseBusy, match="run run-1"):
        acquire(lake, name, "run-2", wait_s=0.1, share_run=True)
    # a step of run-1 joining drops the dead member and keeps the live one
    joined = acquire(lake, name, "run-1", wait_s=0, share_run=True)
    assert [m.pid for m in joined.holder.members] == [1, os.getpid()]
    joined.release()
    # every member gone (a dead pid here, an expired one elsewhere): taken over
    _backend(lake).delete(_key(name), _backend(lake).read(_key(name)))  # type: ignore[arg-type]
    _plant_shared(lake, name, "run-1", dead, {**live, "expires_at": time.time() - 1})
    lease = acquire(lake, name, "run-2", wait_s=0, share_run=True)
    assert lease.holder.run_id == "run-2"
    lease.release()


def test_an_exclusive_lease_of_the_same_run_is_not_joined(new_lake):
    lake = new_lake()
    _plant(lake, "daily/2026-11-26", run_id="run-1", pid=os.getppid())
    with pytest.raises(LeaseBusy, match="run run-1"):
        acquire(lake, "daily/2026-11-26", "run-1", wait_s=0.1, share_run=True)
