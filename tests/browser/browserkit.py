"""Shared by the browser tests: where Chromium and the artefacts are, how it is launched, and
a page wrapper that records console messages and the requests it refused."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def launch_args() -> list[str]:
    # Chromium's sandbox refuses to start as root (CI containers); a name lookup of anything
    # but loopback fails inside the browser, whatever a page asks for.
    args = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


@dataclass
class WatchedPage:
    """A page whose requests outside `allowed` are aborted and recorded in `refused`, and
    whose console messages and uncaught errors are recorded in `console` as (type, text)."""

    page: Page
    refused: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)

    def problems(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind in ("error", "warning")]


def watched_page(context: BrowserContext, allowed: Callable[[str], bool]) -> WatchedPage:
    page = context.new_page()
    watched = WatchedPage(page)

    def route(r: Route) -> None:
        if allowed(r.request.url):
            r.continue_()
        else:
            watched.refused.append(r.request.url)
            r.abort()

    def on_console(message: ConsoleMessage) -> None:
        watched.console.append((message.type, message.text))

    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: watched.console.append(("error", f"uncaught: {exc}")))
    return watched
