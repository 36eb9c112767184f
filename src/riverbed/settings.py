"""riverbed's numeric tuning knobs from the environment, read in one place.

A value that is not a number in range is refused with its variable's name and what it
should be (`SettingError`), instead of a bare `ValueError` in the middle of a run (or at the
import of `riverbed.defs`, which is where the collect batch and the retry delay are read).
`riverbed run`, `replay`, `demo`, `compact` and `ui` check every one before anything starts
(`problems()`: exit 2); `number(name)` / `count(name)` is how the code reads one. An unset or
empty variable means the default.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: float
    integer: bool
    minimum: float  # the smallest value allowed
    what: str  # what the value is, for the error message


SETTINGS = {
    s.name: s
    for s in (
        Setting("RIVERBED_COLLECT_BATCH", 200, True, 1, "sources per collect run"),
        Setting(
            "RIVERBED_COLLECT_RETRY_DELAY_S", 5, False, 0, "seconds before a collect step's retry"
        ),
        Setting("RIVERBED_ARTICLE_BUCKETS", 4, True, 1, "article-fetch steps"),
        Setting("RIVERBED_LEASE_TTL_S", 60, False, 1, "seconds a lake lease lives unrenewed"),
        Setting("RIVERBED_LEASE_WAIT_S", 600, False, 0, "seconds to wait for a held lake lease"),
        Setting("RIVERBED_S3_TIMEOUT_S", 0, False, 0, "S3 timeouts, seconds; 0: 5 s / 60 s"),
    )
}


class SettingError(ValueError):
    """An environment setting that is not a number in its range (the message names it)."""


def number(name: str) -> float:
    """The setting `name`: its default when unset or empty (an int for the integer ones)."""
    setting = SETTINGS[name]
    raw = os.environ.get(name, "").strip()
    if not raw:
        return int(setting.default) if setting.integer else setting.default
    kind = "a whole number" if setting.integer else "a number"
    wanted = f"{kind} >= {setting.minimum:g} ({setting.what}; default {setting.default:g})"
    try:
        value: float = int(raw) if setting.integer else float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not {wanted}") from None
    if not math.isfinite(value) or value < setting.minimum:
        raise SettingError(f"{name}={raw!r} is out of range: it must be {wanted}")
    return value


def count(name: str) -> int:
    """An integer setting (`number` has checked that it is one)."""
    return int(number(name))


def problems() -> list[str]:
    """Every setting in the environment that `number` would refuse, as messages."""
    found = []
    for name in SETTINGS:
        try:
            number(name)
        except SettingError as exc:
            found.append(str(exc))
    return found
