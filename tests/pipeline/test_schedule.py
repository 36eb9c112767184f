from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    ("wanted", "max_len", "ranges"),
    [
        (set("abcdefg"), 3, [("a", "c"), ("d", "f"), ("g", "g")]),
        (set("abdefg"), 2, [("a", "b"), ("d", "e"), ("f", "g")]),
        (set("abcdefg"), 7, [("a", "g")]),
        (set("abcdefg"), 1, [(k, k) for k in "abcdefg"]),
    ],
)
def test_contiguous_ranges_are_cut_into_batches(wanted, max_len, ranges):
    assert contiguous_ranges(list("abcdefg"), wanted, max_len) == ranges


@given(
    st.lists(st.booleans(), min_size=0, max_size=40),
    st.integers(min_value=1, max_value=9),
)
def test_batches_cover_every_wanted_key_once(flags, max_len):
    ordered = [f"s{i:02d}" for i in range(len(flags))]
    wanted = {k for k, f in zip(ordered, flags, strict=True) if f}
    covered = []
    for first, last in contiguous_ranges(ordered, wanted, max_len):
        batch = ordered[ordered.index(first) : ordered.index(last) + 1]
        assert 1 <= len(batch) <= max_len
        assert set(batch) <= wanted  # a range never spans a key that is not due
        covered += batch
    assert sorted(covered) == sorted(wanted)


def test_max_len_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        contiguous_ranges(list("ab"), set("ab"), 0)
