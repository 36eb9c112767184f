from datetime import UTC, datetime, timedelta

import pytest

from riverbed.pipeline.schedule import contiguous_ranges, is_due

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("every", "last", "due"),
    [
        (timedelta(hours=1), None, True),
        (timedelta(hours=1), NOW - timedelta(minutes=30), False),
        (timedelta(hours=1), NOW - timedelta(minutes=59, seconds=30), True),  # within the grace
        (timedelta(hours=1), NOW - timedelta(hours=2), True),
        (timedelta(days=1), NOW - timedelta(hours=23), False),
    ],
)
def test_is_due(every, last, due):
    state = {"last_attempt_at": last.isoformat()} if last else {}
    assert is_due(every, state, NOW) is due


@pytest.mark.parametrize(
    ("wanted", "ranges"),
    [
        (set("abcde"), [("a", "e")]),
        (set("ace"), [("a", "a"), ("c", "c"), ("e", "e")]),
        (set("bcd"), [("b", "d")]),
        (set(), []),
        (set("ab") | {"zz"}, [("a", "b")]),
    ],
)
def test_contiguous_ranges(wanted, ranges):
    assert contiguous_ranges(list("abcde"), wanted) == ranges
