"""`riverbed ui --port <free port>` on a copy of the session's demo lake, with its own
DAGSTER_HOME, seen in headless Chromium: the asset catalogue lists the pipeline's assets and
the lineage graph draws items -> stories -> digest, with no request leaving the server. The
process tree is stopped at the end (interrupt, then kill) and must be gone."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from browserkit import WatchedPage, watched_page
from playwright.sync_api import Browser

from cli_runner import clean_env

STARTUP_TIMEOUT_S = 150  # webserver + daemon + code server; ~35 s on a busy 2-core machine
# longer than `riverbed ui`'s own grace (10 s) before it SIGKILLs `dagster dev`'s group: killed
# sooner, riverbed left that group (a session of its own) running, daemon and all
STOP_GRACE_S = 30
GRAPH_ASSETS = ["items", "stories", "digest"]
# the catalogue table renders only the rows on screen: names from its first screenful
CATALOG_ASSETS = ["articles", "digest", "enrichments", "items", "rss_items", "stories"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(proc: subprocess.Popen[bytes], grace_s: float = STOP_GRACE_S) -> None:
    """Ctrl-C for the whole process group (riverbed, `dagster dev`, webserver, daemon, code
    servers), then SIGKILL for whatever outlives `grace_s`: here `dagster dev` waits for
    a webserver that ignores both SIGINT and SIGTERM (dagster 1.13.27)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + grace_s
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10  # killed orphans linger until init reaps them
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_until_serving(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`riverbed ui` exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/server_info", timeout=2) as reply,
        ):
            if reply.status == 200:
                return
        time.sleep(0.5)
    pytest.fail(
        f"`riverbed ui` not serving after {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def dagster_ui(
    local_demo: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of `riverbed ui` on a copy of the demo's catalogue and lake (its daemon
    runs sensors: it must not touch the session's lake)."""
    work = tmp_path_factory.mktemp("ui")
    demo_dir = Path(str(local_demo["work"])) / ".riverbed" / "demo"
    shutil.copytree(Path(str(local_demo["pristine"])), work / "lake")
    shutil.copy(demo_dir / "sources.yaml", work / "sources.yaml")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "ui.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "riverbed.cli", "ui", "--port", str(port)),
                *("--sources", str(work / "sources.yaml"), "--lake", str(work / "lake")),
            ],
            cwd=work,
            env=clean_env(DAGSTER_HOME=str(work / "dagster")),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(proc, base, log)
        spawned = psutil.Process(proc.pid).children(recursive=True)
        yield base
    finally:
        stop_group(proc)
    assert not group_alive(proc.pid), "`riverbed ui` left processes behind"
    left = []
    for p in spawned:  # never leave a daemon launching runs after the test
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(p.cmdline()[:4]))
                p.kill()
    assert not left, f"`riverbed ui` left {left} running"


@pytest.fixture(scope="module")
def ui_page(browser: Browser, dagster_ui: str) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    watched = watched_page(context, allowed=lambda url: url.startswith(f"{dagster_ui}/"))
    yield watched
    context.close()


def test_the_asset_catalog_lists_the_pipeline_assets(ui_page, dagster_ui):
    ui_page.page.goto(f"{dagster_ui}/assets")
    for name in CATALOG_ASSETS:
        ui_page.page.locator(f'a[href="/assets/{name}"]').first.wait_for(timeout=30_000)
    assert ui_page.refused == []


def test_the_lineage_graph_draws_items_stories_and_digest(ui_page, dagster_ui, artifacts):
    ui_page.page.goto(f"{dagster_ui}/assets/stories?view=lineage")
    graph = ui_page.page.locator("svg foreignObject")
    for name in GRAPH_ASSETS:
        graph.get_by_text(name, exact=True).first.wait_for(state="visible", timeout=30_000)
    skip = ui_page.page.get_by_role("button", name="Skip")  # Dagster's newsletter dialog
    if skip.count():
        skip.first.click()
    ui_page.page.screenshot(path=artifacts / "dagster-lineage.png")
    assert ui_page.refused == []
