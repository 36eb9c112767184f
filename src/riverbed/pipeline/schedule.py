"""When sources are due, and how due sources map onto contiguous partition ranges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any


def is_due(every: timedelta, state: Mapping[str, Any], now: datetime) -> bool:
    """Due when never attempted, or when its last attempt is at least `every` ago.

    A small grace (2% of the cadence, at most a minute) keeps an hourly source due on an
    hourly schedule whose ticks drift by a few seconds.
    """
    last = state.get("last_attempt_at")
    if not last:
        return True
    grace = min(every * 0.02, timedelta(minutes=1))
    return now - datetime.fromisoformat(last) >= every - grace


def contiguous_ranges(
    ordered: Sequence[str], wanted: set[str], max_len: int | None = None
) -> list[tuple[str, str]]:
    """Split `wanted` into (first, last) runs of consecutive keys of `ordered`, each at most
    `max_len` keys long (a batch: one run, one worker).

    A Dagster run targets a partition *range*, so due sources that are not adjacent in the
    dynamic dimension's order need one range each; with one cadence for all it is one range.
    """
    if max_len is not None and max_len < 1:
        raise ValueError(f"max_len must be at least 1, not {max_len}")
    ranges: list[tuple[str, str]] = []
    start: str | None = None
    prev: str | None = None
    length = 0
    for key in ordered:
        if key in wanted:
            if start is not None and prev is not None and max_len is not None and length == max_len:
                ranges.append((start, prev))
                start, length = None, 0
            start = start or key
            prev = key
            length += 1
        elif start is not None and prev is not None:
            ranges.append((start, prev))
            start = prev = None
            length = 0
    if start is not None and prev is not None:
        ranges.append((start, prev))
    return ranges
