"""Half of a pass in a forked child (`riverbed.core.halves`) and the near-duplicate passes
that use it: the same result in two processes as in one, and no crash where a process may
not have children (a Celery prefork worker's pool process is daemonic)."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from riverbed.core import halves
from riverbed.core.neardup import DEFAULT, near_duplicates
from riverbed.demo.words import NEWS_SENTENCES

pytestmark = pytest.mark.skipif(not halves.can_fork(), reason="fork is Linux-only here")


def _pid_and(x: int) -> tuple[int, int]:
    return os.getpid(), x * 2


def test_the_second_half_runs_in_another_process_at_once():
    (mine, a), (theirs, b) = halves.in_two(_pid_and, (1,), (2,))
    assert (a, b) == (2, 4)
    assert mine == os.getpid() and theirs != mine


def _in_a_daemonic_process(work: Any, *args: Any) -> Any:
    """`work(*args)` in a daemonic child (as a Celery pool process runs a step); its result
    or the exception it raised."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()

    def target() -> None:
        try:
            out.put(("ok", work(*args)))
        except BaseException as exc:  # the test reports what the child raised
            out.put(("raised", repr(exc)))

    child = ctx.Process(target=target, daemon=True)
    child.start()
    result = out.get(timeout=120)
    child.join(timeout=30)
    return result


def test_a_daemonic_process_does_both_halves_itself():
    status, ((first, a), (second, b)) = _in_a_daemonic_process(halves.in_two, _pid_and, (1,), (2,))
    assert status == "ok" and (a, b) == (2, 4)
    assert first == second  # no child: a daemonic process may not have one


def _day(n: int) -> tuple[list[str | None], list[str | None]]:
    """Titles and texts of `n` stories, with near-duplicates among them (every story is told
    three times, in other words)."""
    titles, texts = [], []
    for i in range(n):
        event = i // 3
        sentence = NEWS_SENTENCES[event % len(NEWS_SENTENCES)]
        titles.append(f"{['Report:', 'Breaking:', 'Update:'][i % 3]} event {event} {sentence}")
        texts.append(f"{sentence} Figures {event} and {event * 7}." if i % 5 else None)
    return titles, texts


# the parallel passes from 2 documents on, verification in two from 4 chunks of 8 pairs
FORKED = dataclasses.replace(DEFAULT, parallel_min_docs=2, chunk_pairs=8)


def test_near_duplicates_in_two_processes_equal_one():
    titles, texts = _day(600)
    one = near_duplicates(titles, texts)
    two = near_duplicates(titles, texts, FORKED)
    assert one.candidates >= 4 * FORKED.chunk_pairs  # verification did go in two
    assert two == one
    assert len(set(one.labels)) < len(titles)  # it found near-duplicates


def test_near_duplicates_in_a_celery_like_pool_process():
    """Before `can_fork` asked whether the process is daemonic, a day past
    `parallel_min_docs` failed the stories step in a Celery worker: "daemonic processes are
    not allowed to have children"."""
    titles, texts = _day(300)
    status, result = _in_a_daemonic_process(near_duplicates, titles, texts, FORKED)
    assert status == "ok", result
    assert result == near_duplicates(titles, texts)


def _stuck_in_a_child(parent: int, x: int, pids: str) -> tuple[int, int]:
    if os.getpid() != parent:  # as a child deadlocked on a lock another thread held
        with Path(pids).open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(600)
    return os.getpid(), x * 2


def test_a_child_that_never_answers_is_killed_and_its_half_done_here(monkeypatch, tmp_path):
    """A child that SIGTERM cannot stop: it inherits a Python-level handler (Dagster's inside
    a step, KeyboardInterrupt after a run), which never runs while the child is blocked in C
    code; here a handler that only notes the signal. A `Pool`'s terminate (SIGTERM) left the
    parent joining such a child forever (the suite's 900 s hangs)."""
    monkeypatch.setattr(halves, "MIN_WAIT_S", 1.0)
    noted: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: noted.append(signum))
    try:
        me, pids = os.getpid(), tmp_path / "pids"
        (first, a), (second, b) = halves.in_two(
            _stuck_in_a_child, (me, 1, str(pids)), (me, 2, str(pids))
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert (a, b) == (2, 4) and first == second == me
    [child] = [int(p) for p in pids.read_text().split()]
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(child, 0)


def _dies_in_a_child(parent: int, x: int) -> tuple[int, int]:
    if os.getpid() != parent:  # killed by the OOM killer, say
        os._exit(9)
    return os.getpid(), x * 2


def test_a_child_that_dies_has_its_half_done_here_without_waiting(monkeypatch, caplog):
    monkeypatch.setattr(halves, "MIN_WAIT_S", 3600.0)  # only its end can end the wait
    me = os.getpid()
    with caplog.at_level(logging.WARNING, logger=halves.__name__):
        (first, a), (second, b) = halves.in_two(_dies_in_a_child, (me, 1), (me, 2))
    assert (a, b) == (2, 4) and first == second == me
    assert "died without answering" in caplog.text


def _fails_in_a_child(parent: int, x: int) -> int:
    if os.getpid() != parent:
        raise ValueError(f"bad half {x}")
    return x


def test_what_the_child_raises_is_raised_here():
    with pytest.raises(ValueError, match="bad half 2"):
        halves.in_two(_fails_in_a_child, (os.getpid(), 1), (os.getpid(), 2))
