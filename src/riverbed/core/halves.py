"""Half of a CPU-bound pass in a forked child, the other half here, at the same time.

For passes over a big day that hold the GIL (tokenising, pair verification): the child
inherits its arguments through fork, so nothing big is pickled on the way in; only its
result comes back. Where a process may not have children, the work is done here, whole.
"""

from __future__ import annotations

import logging
import multiprocessing
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


def _run_fork_job(_: int) -> Any:
    func, args = _FORK_JOB["job"]
    return func(*args)


# how long the child may take beyond this process's half (at least this many seconds, or
# `WAIT_FACTOR` times the half's time) before its half is done here instead
MIN_WAIT_S = 60.0
WAIT_FACTOR = 3.0


def in_two(work: Callable[..., T], first: tuple[Any, ...], second: tuple[Any, ...]) -> list[T]:
    """`[work(*first), work(*second)]`: the second in a forked child while this process does
    the first (only when `can_fork()`; else one after the other here). A child that has not
    answered well after this process finished its half (a fork of a process whose other
    threads held a lock can hang) is stopped and its half done here: slower, never stuck."""
    if not can_fork():
        return [work(*first), work(*second)]
    _FORK_JOB["job"] = (work, second)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(1) as pool:
            pending = pool.map_async(_run_fork_job, [0])
            started = time.monotonic()
            mine = work(*first)
            wait = max(MIN_WAIT_S, WAIT_FACTOR * (time.monotonic() - started))
            try:
                theirs = pending.get(timeout=wait)[0]
            except multiprocessing.TimeoutError:
                log.warning("the forked half gave no answer in %.0f s: doing it here", wait)
                pool.terminate()
                theirs = work(*second)
    finally:
        _FORK_JOB.clear()
    return [mine, theirs]
