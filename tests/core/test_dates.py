"""Feed dates: every common spelling, honest zones, milliseconds kept, implausible rejected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riverbed.core.dates import parse_date

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


CASES = [
    # RFC 822 / 2822
    ("Mon, 12 May 2025 09:00:00 +0000", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 2025 09:00:00 GMT", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 2025 09:00:00 UT", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 2025 09:00:00 UTC", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 2025 09:00:00 Z", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 2025 09:00:00 -0400", utc(2025, 5, 12, 13, 0)),
    ("Mon, 12 May 2025 09:00:00 +05:30", utc(2025, 5, 12, 3, 30)),
    ("Mon, 12 May 2025 09:00:00 EST", utc(2025, 5, 12, 14, 0)),
    ("Mon, 12 May 2025 09:00:00 EDT", utc(2025, 5, 12, 13, 0)),
    ("Mon, 12 May 2025 09:00:00 CST", utc(2025, 5, 12, 15, 0)),
    ("Mon, 12 May 2025 09:00:00 MDT", utc(2025, 5, 12, 15, 0)),
    ("Mon, 12 May 2025 09:00:00 PST", utc(2025, 5, 12, 17, 0)),
    ("Mon, 12 May 2025 09:00:00 PDT", utc(2025, 5, 12, 16, 0)),
    ("Mon, 12 May 2025 09:00:00 CEST", utc(2025, 5, 12, 7, 0)),
    ("Mon, 12 May 2025 09:00:00 IST", utc(2025, 5, 12, 3, 30)),
    ("Mon, 12 May 2025 09:00:00 A", utc(2025, 5, 12, 10, 0)),  # RFC 822 military, as written
    ("Mon, 12 May 2025 09:00:00 N", utc(2025, 5, 12, 8, 0)),
    ("Mon, 12 May 2025 09:00:00 GMT+2", utc(2025, 5, 12, 7, 0)),
    ("Mon, 12 May 2025 09:00:00 +0100 (CET)", utc(2025, 5, 12, 8, 0)),
    ("Mon, 12 May 2025 02:30:00 America/New_York", utc(2025, 5, 12, 6, 30)),  # EDT in force
    ("Sun, 12 Jan 2025 02:30:00 America/New_York", utc(2025, 1, 12, 7, 30)),  # EST in force
    ("12 May 2025 09:00 +0000", utc(2025, 5, 12, 9, 0)),
    ("Mon,12 May 2025 09:00:00 GMT", utc(2025, 5, 12, 9, 0)),
    ("Monday, 12-May-25 09:00:00 GMT", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 25 09:00:00 GMT", utc(2025, 5, 12, 9, 0)),
    ("Thu, 12 Sept 2024 09:00:00 GMT", utc(2024, 9, 12, 9, 0)),
    ("Mon, 12 May 2025 09:00:00", utc(2025, 5, 12, 9, 0)),  # no zone: UTC
    ("12 May 2025", utc(2025, 5, 12)),
    ("Mon, 12 May 2025 09:00:00.250 GMT", utc(2025, 5, 12, 9, 0, 0, 250000)),
    ("  Mon, 12 May 2025 09:00:00 GMT\n", utc(2025, 5, 12, 9, 0)),
    ("Mon, 12 May 2025 24:00:00 GMT", utc(2025, 5, 13, 0, 0)),
    # ISO 8601 / RFC 3339
    ("2025-05-12T09:00:00Z", utc(2025, 5, 12, 9, 0)),
    ("2025-05-12t09:00:00z", utc(2025, 5, 12, 9, 0)),
    ("2025-05-12T09:00:00+02:00", utc(2025, 5, 12, 7, 0)),
    ("2025-05-12T09:00:00-0700", utc(2025, 5, 12, 16, 0)),
    ("2025-05-12T09:00:00+05", utc(2025, 5, 12, 4, 0)),
    ("2025-05-12T09:00:00.123Z", utc(2025, 5, 12, 9, 0, 0, 123000)),
    ("2025-05-12T09:00:00.123456789Z", utc(2025, 5, 12, 9, 0, 0, 123456)),
    ("2025-05-12T09:00:00,5+01:00", utc(2025, 5, 12, 8, 0, 0, 500000)),
    ("2025-05-12T09:00Z", utc(2025, 5, 12, 9, 0)),
    ("2025-05-12 09:00:00", utc(2025, 5, 12, 9, 0)),
    ("2025-05-12 09:00:00 PDT", utc(2025, 5, 12, 16, 0)),
    ("2025-05-12T09:00:00 +01:00", utc(2025, 5, 12, 8, 0)),
    ("2025-05-12", utc(2025, 5, 12)),
    ("2025-05-12T24:00:00Z", utc(2025, 5, 13)),
    # Other complete dates (dateutil)
    ("May 12, 2025 9:00 PM", utc(2025, 5, 12, 21, 0)),
    ("Mon May 12 09:00:00 2025", utc(2025, 5, 12, 9, 0)),
    ("2025/05/12 09:00:00", utc(2025, 5, 12, 9, 0)),
    # Unknown zones, incomplete dates, garbage: no date rather than a wrong one
    ("Mon, 12 May 2025 09:00:00 XYZ", None),
    ("2025-05-12T09:00:00 Mars/Olympus", None),
    ("Mon, 12 May 2025 09:00:00 +2500", None),
    ("12", None),
    ("May 2025", None),
    ("2025", None),
    ("post-4812", None),
    ("2025-02-30", None),
    ("Mon, 31 Apr 2025 09:00:00 GMT", None),
    ("", None),
    ("   ", None),
    (None, None),
    ("x" * 5000, None),
]


@pytest.mark.parametrize(("value", "expected"), CASES, ids=[str(c[0])[:50] for c in CASES])
def test_parse_date(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value, now=NOW) == expected


def test_results_are_utc_aware() -> None:
    parsed = parse_date("2025-05-12T09:00:00+02:00", now=NOW)
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1994-12-31T23:59:59Z", None),
        ("1995-01-01T00:00:00Z", utc(1995, 1, 1)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", None),
        ("2025-06-03T11:59:59Z", utc(2025, 6, 3, 11, 59, 59)),  # within two days of NOW
        ("2025-06-03T12:00:01Z", None),
        ("2038-01-19T03:14:08Z", None),
        ("9999-12-31T23:59:59Z", None),
        ("Mon, 12 May 95 09:00:00 GMT", utc(1995, 5, 12, 9, 0)),
        ("Mon, 12 May 94 09:00:00 GMT", None),
    ],
)
def test_implausible_dates_are_rejected(value: str, expected: datetime | None) -> None:
    assert parse_date(value, now=NOW) == expected


def test_future_bound_follows_the_injected_now() -> None:
    value = "2030-01-01T00:00:00Z"
    assert parse_date(value, now=NOW) is None
    assert parse_date(value, now=datetime(2029, 12, 31, tzinfo=UTC)) == utc(2030, 1, 1)


def test_default_now_is_the_current_time() -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    later = datetime.now(UTC) + timedelta(days=3)
    assert parse_date(soon.isoformat()) == soon
    assert parse_date(later.isoformat()) is None


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=80))
def test_parse_date_never_raises(value: str) -> None:
    parsed = parse_date(value, now=NOW)
    assert parsed is None or parsed.tzinfo is UTC
