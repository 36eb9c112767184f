"""Lenient, honest parsing of the dates feeds publish.

`parse_date` reads RFC 822/2822 (`Tue, 05 Mar 2024 14:30:00 EST`, with or without weekday,
seconds, fractional seconds or zone, two-digit years) and ISO 8601/RFC 3339 (`2024-03-05`,
`2024-03-05T14:30:00.123+01:00`, `Z`, offsets with or without colon, space separator), then,
rarely, anything `dateutil` reads as a complete date (year, month and day all present).

Zones:
- numeric offsets (`+0100`, `-05:00`, `+01`), `Z`, `UT`, `UTC`, `GMT`, `GMT+1`, `UTC-05:30`;
- the RFC 822 names (`EST EDT CST CDT MST MDT PST PDT`) and other common abbreviations
  (`ZONE_ABBREVIATIONS`; ambiguous ones take their usual meaning in feeds: `CST` is US Central,
  `IST` is India, `BST` is British Summer Time);
- RFC 822 military letters as that RFC defines them (`A` = -1 h ... `M` = -12 h, `N` = +1 h
  ... `Y` = +12 h, `Z` = UTC), as feedparser reads them;
- IANA names (`America/New_York`) through `zoneinfo`, with the offset in force at that time.
A date with no zone at all is read as UTC (RFC 3339 "unknown local offset" and feedparser do
the same). A date whose zone is named but not recognised is rejected (None) rather than read
as UTC: a wrong time is worse than none.

Results are timezone-aware UTC with microseconds kept (digits beyond the sixth are dropped).
Implausible dates, before `EARLIEST` or more than `FUTURE_SLACK` after `now`, are rejected.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)
MAX_DATE_CHARS = 128

_H = 3600
ZONE_ABBREVIATIONS: dict[str, int] = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": _H,
    "BST": _H,
    "IST": 5 * _H + 1800,
    "CET": _H,
    "CEST": 2 * _H,
    "MET": _H,
    "MEST": 2 * _H,
    "EET": 2 * _H,
    "EEST": 3 * _H,
    "MSK": 3 * _H,
    "SAST": 2 * _H,
    "CAT": 2 * _H,
    "EAT": 3 * _H,
    "WAT": _H,
    "EST": -5 * _H,
    "EDT": -4 * _H,
    "ET": -5 * _H,
    "CST": -6 * _H,
    "CDT": -5 * _H,
    "CT": -6 * _H,
    "MST": -7 * _H,
    "MDT": -6 * _H,
    "MT": -7 * _H,
    "PST": -8 * _H,
    "PDT": -7 * _H,
    "PT": -8 * _H,
    "AKST": -9 * _H,
    "AKDT": -8 * _H,
    "HST": -10 * _H,
    "AST": -4 * _H,
    "ADT": -3 * _H,
    "AT": -4 * _H,
    "NST": -3 * _H - 1800,
    "NDT": -2 * _H - 1800,
    "ART": -3 * _H,
    "BRT": -3 * _H,
    "AEST": 10 * _H,
    "AEDT": 11 * _H,
    "ACST": 9 * _H + 1800,
    "ACDT": 10 * _H + 1800,
    "AWST": 8 * _H,
    "NZST": 12 * _H,
    "NZDT": 13 * _H,
    "JST": 9 * _H,
    "KST": 9 * _H,
    "HKT": 8 * _H,
    "SGT": 8 * _H,
    "PHT": 8 * _H,
    "WIB": 7 * _H,
    "ICT": 7 * _H,
}
# RFC 822 section 5.1, signs as written there (and as feedparser reads them).
for _i, _letter in enumerate("ABCDEFGHIKLM", start=1):
    ZONE_ABBREVIATIONS[_letter] = -_i * _H
for _i, _letter in enumerate("NOPQRSTUVWXY", start=1):
    ZONE_ABBREVIATIONS[_letter] = _i * _H

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_ZONE = r"(?P<tz>[+-]\d{1,2}(?::?\d{2})?|[A-Za-z][A-Za-z0-9/_+:.-]*)"
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
_RFC822 = re.compile(
    r"(?:[A-Za-z]{2,9}\.?,?\s*)?"
    r"(?P<d>\d{1,2})[\s-]+(?P<mon>[A-Za-z]{3,9})\.?[\s-]+(?P<y>\d{2,4})"
    rf"(?:[\s,T]+{_TIME})?"
    rf"\s*{_ZONE}?(?:\s*\([^()]*\))?\s*"
)
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    rf"(?:(?:[Tt]|\s+){_TIME})?"
    rf"\s*{_ZONE}?\s*"
)
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")
_PREFIXED_OFFSET = re.compile(r"(?:GMT|UTC|UT)([+-]\d{1,2}(?::?\d{2})?)", re.IGNORECASE)
_DEFAULT_A = datetime(2001, 1, 1)
_DEFAULT_B = datetime(2002, 2, 2)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_day(value: object) -> bool:
    """Whether `value` is a day partition key, `YYYY-MM-DD` (a day folder's name, a digest's
    date): text of that shape only, so it can name a path."""
    return isinstance(value, str) and _DAY.fullmatch(value) is not None


def parse_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse a published date; None if absent, unreadable, in an unknown zone or implausible.

    `now` (default: the current time) bounds the future: dates more than two days after it
    are rejected, as are dates before 1995. The result is timezone-aware UTC.
    """
    if not value or not isinstance(value, str) or len(value) > MAX_DATE_CHARS:
        return None
    parsed = _parse_utc(value)
    if parsed is None or parsed < EARLIEST:
        return None
    limit = (now if now is not None else datetime.now(UTC)) + FUTURE_SLACK
    if limit.tzinfo is None:
        limit = limit.replace(tzinfo=UTC)
    return None if parsed > limit else parsed


@lru_cache(maxsize=8192)
def _parse_utc(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        if text[:4].isdigit():
            fast = _fromisoformat(text)
            if fast is not None:
                return fast
            m = _ISO.fullmatch(text)
            if m:
                return _build(m, int(m["mo"]))
        m = _RFC822.fullmatch(text)
        if m:
            month = _MONTHS.get(m["mon"].lower())
            if month is None:
                return None
            return _build(m, month)
        return _dateutil(text)
    except (ValueError, OverflowError, ArithmeticError):
        return None


def _fromisoformat(text: str) -> datetime | None:
    if len(text) < 10 or text[4] != "-":
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _build(m: re.Match[str], month: int) -> datetime | None:
    """The UTC time named by an `_ISO` or `_RFC822` match (with its month as a number)."""
    zone = m["tz"]
    tz = _zone(zone) if zone else UTC
    if tz is None:
        return None
    year = m["y"]
    y = int(year)
    if len(year) == 2:
        y += 2000 if y < 50 else 1900
    elif len(year) == 3:
        y += 1900
    h = int(m["H"] or 0)
    second = min(int(m["S"] or 0), 59)  # a leap second reads as :59
    fraction = m["f"]
    micro = int((fraction + "00000")[:6]) if fraction else 0
    next_day = h == 24
    local = datetime(y, month, int(m["d"]), 0 if next_day else h, int(m["M"] or 0), second, micro)
    if next_day:
        local += timedelta(days=1)
    return local.replace(tzinfo=tz).astimezone(UTC)


@lru_cache(maxsize=512)
def _zone(name: str) -> tzinfo | None:
    """The zone a date names, or None if it is not one we know."""
    if name[0] in "+-":
        return _offset(name)
    upper = name.upper()
    if upper.startswith("ETC/"):
        upper = upper[4:]
    seconds = ZONE_ABBREVIATIONS.get(upper)
    if seconds is not None:
        return UTC if seconds == 0 else timezone(timedelta(seconds=seconds))
    m = _PREFIXED_OFFSET.fullmatch(name)
    if m:
        return _offset(m.group(1))
    if "/" in name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            return None
    return None


def _offset(text: str) -> tzinfo | None:
    m = _OFFSET.fullmatch(text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 23 or minutes > 59:
        return None
    seconds = (hours * 3600 + minutes * 60) * (-1 if m.group(1) == "-" else 1)
    return UTC if seconds == 0 else timezone(timedelta(seconds=seconds))


def _dateutil(text: str) -> datetime | None:
    """Anything else dateutil reads as a complete date in a known zone."""
    unknown_zone = False

    def zones(name: str | None, offset: int | None) -> tzinfo | None:
        nonlocal unknown_zone
        if name:
            found = _zone(name)
            if found is None:
                unknown_zone = True
            return found
        if offset is not None:
            return timezone(timedelta(seconds=offset))
        return None

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=zones)
            b = dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=zones)
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        return None
    # A part missing from the text comes from the default: the two parses then disagree.
    if unknown_zone or a != b:
        return None
    return a.replace(tzinfo=UTC) if a.tzinfo is None else a.astimezone(UTC)
