"""What a `riverbed` child process of the kill harness runs first: a fixed wall clock for
riverbed's own code and, optionally, a kill point.

Frozen clock.

Why: a killed run and its re-run happen seconds or minutes after the uninterrupted run they
are compared with, and riverbed stamps rows with the time they were seen (`first_seen_at`,
`last_seen_at`, a story's `first_seen_at`, the digest's "now" and so its scores). With every
riverbed module reading the same instant, the three runs must agree on every column of every
row, so the comparison stays exact instead of dropping the time columns.

Only riverbed's modules see the fixed instant (an import hook swaps each one's module-level
`datetime` name for a subclass whose `now()` answers it); Dagster, the HTTP stack and the lake's clients keep
the real clock, so timeouts, retries and run bookkeeping behave as they do for users. Elapsed
times (`time.monotonic`) stay real too: latency columns live in history tables only.

Kill point. `$RIVERBED_KILL_AT` = `module:Qualified.name@text#n` wraps that callable: on the
n-th call whose arguments' text contains `text`, the process SIGKILLs its own process group
before the call proceeds — a kill at an exact place (e.g. just before an items partition is
written), where random kills only land by luck. Several points: `;`-separated. `#count`
instead of `#n` only counts the passes and prints them as the CLI exits.

`BOOTSTRAP` is the `python -c` source that freezes the clock at `$RIVERBED_FROZEN_NOW`
(ISO 8601), arms the kill point if there is one, then runs the CLI.
"""

from __future__ import annotations

import importlib
import importlib.abc
import os
import signal
import sys
import types
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, NoReturn

ENV = "RIVERBED_FROZEN_NOW"
KILL_AT = "RIVERBED_KILL_AT"

BOOTSTRAP = (
    "import sys; "
    f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
    "import kill_child; kill_child.freeze(); kill_child.arm(); "
    "from riverbed.cli import main; main()"
)


def _frozen_class(instant: datetime) -> type[datetime]:
    class FrozenDatetime(datetime):
        """`datetime` whose `now()` is always `instant`."""

        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return instant.astimezone(tz) if tz is not None else instant.replace(tzinfo=None)

        @classmethod
        def utcnow(cls) -> datetime:  # type: ignore[override]
            return instant.astimezone(UTC).replace(tzinfo=None)

    return FrozenDatetime


class _Freezer(importlib.abc.MetaPathFinder):
    """Points each riverbed module's `datetime` at the frozen class as it is imported."""

    def __init__(self, frozen: type[datetime]) -> None:
        self.frozen = frozen

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "riverbed" and not name.startswith("riverbed."):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader, frozen = spec.loader, self.frozen
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            if getattr(module, "datetime", None) is datetime:
                module.datetime = frozen  # type: ignore[attr-defined]

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def freeze(instant: datetime | None = None) -> None:
    """From now on, every riverbed module imported sees `instant` (default:
    `$RIVERBED_FROZEN_NOW`) as `datetime.now()`. Call before importing riverbed."""
    when = instant or datetime.fromisoformat(os.environ[ENV])
    if when.tzinfo is None:
        raise ValueError(f"{ENV} must carry a UTC offset: {when.isoformat()}")
    if any(name.startswith("riverbed") for name in sys.modules):
        raise RuntimeError("freeze() must run before riverbed is imported")
    sys.meta_path.insert(0, _Freezer(_frozen_class(when)))


def arm(specs: str | None = None) -> None:
    """Install the kill points `specs` (`;`-separated; default: `$RIVERBED_KILL_AT`).

    `#count` instead of `#n` kills nothing: as the CLI exits the process prints
    `kill_child: <n> calls of <spec>` on stderr (how many times an uninterrupted run passes
    that point)."""
    specs = specs if specs is not None else os.environ.get(KILL_AT, "")
    for spec in filter(None, specs.split(";")):
        _arm(spec)


def _arm(spec: str) -> None:
    target, _, rest = spec.partition("@")
    text, _, nth = rest.partition("#")
    module_name, _, qualname = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, attr = qualname.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, attr)
    counting = nth == "count"
    wanted, seen = (0 if counting else int(nth or 1)), 0

    def killing(*args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        if not text or text in " ".join(map(str, (*args, *kwargs.values()))):
            seen += 1
            if seen == wanted:
                os.killpg(0, signal.SIGKILL)
        return original(*args, **kwargs)

    if counting:  # the CLI leaves through os._exit (no atexit): report just before it
        leave = os._exit

        def report_and_leave(code: int) -> NoReturn:
            print(f"kill_child: {seen} calls of {spec}", file=sys.stderr, flush=True)
            leave(code)

        os._exit = report_and_leave
    setattr(owner, attr, killing)
