"""Half of a CPU-bound pass in a forked child, the other half here, at the same time.

For passes over a big day that hold the GIL (tokenising, pair verification): the child
inherits its arguments through fork, so nothing big is pickled on the way in; only its
result comes back. Where a process may not have children, the work is done here, whole.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

# Work handed to a forked child: set just before the fork, read by the child.
_FORK_JOB: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {}


def can_fork() -> bool:
    """Whether this process may fork a helper: Linux (fork is safe and cheap there), and not
    a daemonic process (a Celery prefork worker's pool process is one: it may not have
    children, `multiprocessing` refuses with an AssertionError)."""
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _child(conn: Any) -> None:
    """The forked child: its half, sent back whole (or what it raised). SIGTERM goes back to
    its default first: the handler inherited from the parent (Dagster's inside a step) is
    Python code, which never runs while the child is blocked in C — it is stopped with
    SIGKILL anyway."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    func, args = _FORK_JOB["job"]
    try:
        outcome: tuple[str, Any] = ("ok", func(*args))
    except BaseException as exc:  # handed to the parent, which raises it
        outcome = ("raised", exc)
    try:
        conn.send(outcome)
    except Exception as exc:  # an unpicklable result or exception
        conn.send(("raised", RuntimeError(f"the forked half's outcome could not be sent: {exc!r}")))
    conn.close()


def _answer(receive: Any, wait: float) -> tuple[str, Any]:
    """What the child sent within `wait` seconds: ("ok", result), ("raised", exception),
    ("gave no answer", None) or ("died without answering", None)."""
    try:
        if not receive.poll(wait):
            return "gave no answer", None
        status, value = receive.recv()
    except (EOFError, OSError):  # killed or crashed before it sent anything
        return "died without answering", None
    return status, value


# how long the child may take beyond this process's half (at least this many seconds, or
# `WAIT_FACTOR` times the half's time) before its half is done here instead
MIN_WAIT_S = 60.0
WAIT_FACTOR = 3.0


def in_two(work: Callable[..., T], first: tuple[Any, ...], second: tuple[Any, ...]) -> list[T]:
    """`[work(*first), work(*second)]`: the second in a forked child while this process does
    the first (only when `can_fork()`; else one after the other here). A child that has not
    answered well after this process finished its half (a fork of a process whose other
    threads held a lock can hang) is killed and its half done here: slower, never stuck.

    The child is a bare forked `Process` stopped with SIGKILL, not a `Pool` stopped with
    SIGTERM: a forked child has the parent's Python-level SIGTERM handler (Dagster's in a
    step), which cannot run while the child is stuck in C, so a `Pool`'s terminate left the
    parent joining a child that never ended."""
    if not can_fork():
        return [work(*first), work(*second)]
    ctx = multiprocessing.get_context("fork")
    _FORK_JOB["job"] = (work, second)
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send,), daemon=True, name="riverbed-half")
    try:
        child.start()
        send.close()  # the child's end: EOF here if it dies without answering
        started = time.monotonic()
        mine = work(*first)
        wait = max(MIN_WAIT_S, WAIT_FACTOR * (time.monotonic() - started))
        status, answer = _answer(receive, wait)
        if status == "raised":
            raise answer
        if status == "ok":
            theirs: T = answer
        else:
            log.warning("the forked half %s after %.0f s: doing it here", status, wait)
            theirs = work(*second)
    finally:
        _FORK_JOB.clear()
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(timeout=10)
    return [mine, theirs]
