"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven headless by Playwright, never a
browser Playwright would download.

Without that binary the tests fail in CI (`CI=true`: `.ci/run` installs it) and are skipped
elsewhere with a reason saying they were NOT run, repeated at the end of the session.
Chromium resolves no host name: every page is a file:// or a 127.0.0.1 server, and each test
also aborts (and records) any request leaving it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browserkit import ARTIFACTS, CHROMIUM, launch_args
from playwright.sync_api import Browser, Playwright, sync_playwright

NOT_RUN = f"browser tests NOT run: no Chromium at {CHROMIUM}"
_not_run: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def chromium_executable() -> Path:
    """Autouse and session-wide, so a missing browser is reported before any slow fixture
    (the demo) starts."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{NOT_RUN}; CI must run them: .ci/run installs Debian's `chromium` first",
            pytrace=False,
        )
    _not_run.append(NOT_RUN)
    pytest.skip(NOT_RUN)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """One Playwright per module, stopped when the module is done: while it runs, its event
    loop counts as running in this thread, and every later `asyncio.run()` of the session
    (the collectors, the fetch client) would fail with "cannot be called from a running
    event loop"."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium_executable: Path) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=str(chromium_executable), headless=True, args=launch_args()
    )
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """`test-artifacts/` at the repository root (git-ignored): screenshots CI keeps."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _not_run:
        terminalreporter.write_sep("!", NOT_RUN, yellow=True, bold=True)
