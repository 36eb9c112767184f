"""Root conftest: puts tests/ on sys.path so every package can import `netguard`, and guards
the whole session: no DNS lookup of an outside name and no connection to a non-loopback
address, in this process or in any Python process a test starts (PYTHONPATH carries
`netguard_site/sitecustomize.py` to children)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from netguard import loopback_only  # noqa: E402

os.environ.setdefault("RIVERBED_COLLECT_RETRY_DELAY_S", "0.5")  # before riverbed.defs loads
_SITE = str(TESTS / "netguard_site")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_SITE, *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only_session() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(autouse=True, scope="module")
def _no_event_loop_left_running() -> Iterator[None]:
    """A module must not leave an event loop running in the main thread (Playwright's sync
    API does while it is open): every later `asyncio.run()` of the session would fail."""
    import asyncio

    yield
    assert asyncio._get_running_loop() is None, "this module left an event loop running"


@pytest.fixture(scope="session")
def local_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One `riverbed demo` on a local lake for the whole session (it takes most of a minute).
    `pristine` is a copy of its lake taken right after the run: tests that go on to change
    `lake` (re-runs, replays) and tests that compare against the first run both read it, in
    any order. `day` is the demo's day, fixed when the session starts: every later demo,
    replay and expectation of the session names it, so a session that runs past midnight
    (UTC) compares one day with itself, not with the next."""
    import shutil

    from cli_runner import SUITE_DAY, run_cli

    day = SUITE_DAY
    work = tmp_path_factory.mktemp("demo")
    run = run_cli(work, "demo", "--date", day)
    lake = work / ".riverbed" / "demo" / "lake"
    pristine = tmp_path_factory.mktemp("demo-pristine") / "lake"
    if lake.exists():
        shutil.copytree(lake, pristine)
    return {"work": work, "lake": lake, "pristine": pristine, "run": run, "day": day}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with `slow` tests (whole demos, clusters) first, each module's tests in their
    order: with `make test`'s xdist workers taking one module at a time, the long ones start
    at once instead of last, so the two workers finish together."""
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)
