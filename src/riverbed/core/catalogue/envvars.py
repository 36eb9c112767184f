"""`${VAR}` / `${VAR:-default}` expansion for the catalogue values that may carry secrets.

`$${` is a literal `${`. Any other `$` is left alone, so header values such as `pa$word`
need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EnvReferenceError(ValueError):
    """A malformed `${...}` reference (the message quotes the reference, never a value)."""


@dataclass(slots=True)
class Expansion:
    """Result of expanding one string."""

    value: str
    missing: list[str] = field(default_factory=list)  # variables unset and without default
    # (name, value) of every variable substituted from the environment
    substituted: list[tuple[str, str]] = field(default_factory=list)


def expand(text: str, env: Mapping[str, str], *, missing_is_empty: bool = False) -> Expansion:
    """Expand `${VAR}` and `${VAR:-default}` (default used when VAR is unset or empty).

    An unset variable without a default is listed in `missing` (and expands to "");
    with `missing_is_empty` it silently expands to "" instead.
    Raises EnvReferenceError for a malformed reference such as `${}` or an unclosed `${`.
    """
    out: list[str] = []
    result = Expansion(value="")
    i = 0
    while True:
        start = text.find("$", i)
        if start < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        if text.startswith("$${", start):
            out.append("${")
            i = start + 3
            continue
        if not text.startswith("${", start):
            out.append("$")
            i = start + 1
            continue
        end = text.find("}", start + 2)
        if end < 0:
            raise EnvReferenceError(f"unclosed reference {text[start : start + 40]!r}")
        reference = text[start + 2 : end]
        name, sep, default = reference.partition(":-")
        if not _NAME_RE.fullmatch(name):
            raise EnvReferenceError(
                f"malformed reference {'${' + reference + '}'!r} (expected ${{NAME}} or "
                "${NAME:-default})"
            )
        value = env.get(name)
        if value:
            out.append(value)
            result.substituted.append((name, value))
        elif sep:
            out.append(default)
        elif value is None and not missing_is_empty:
            result.missing.append(name)
        i = end + 1
    result.value = "".join(out)
    return result
