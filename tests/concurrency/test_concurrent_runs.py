"""Two `riverbed run` processes at once on one catalogue, lake and date, and the daily job
started the way the daemon's schedule/sensor path starts it (`execute_in_process`) while a CLI
run is in its daily stage: every run succeeds and the lake converges -- every item either run
saw is there once, with the latest values, and every current-state table keeps its key unique.

The interleaving is forced, not hoped for: the feed server holds the first run's feed request
until the second run's collect step has started (without the source lease the second run
would fetch and merge at the same moment), and holds the first article request of a daily
stage until the scheduled run has started (without the daily lease the scheduled run's steps
would run while the CLI's daily run is still in progress)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from cli_runner import SUITE_DAY, clean_env
from loopback import LoopbackHTTP, Reply
from riverbed.lake import Lake
from riverbed.lake.query import connect

pytestmark = pytest.mark.slow  # three pipeline runs forced to overlap

DATE = SUITE_DAY
WAIT_S = 180.0  # a bound for hangs only: nothing asserts on time


def _rss(items: Mapping[int, str]) -> bytes:
    entries = "".join(
        f"<item><title>post {n} {version}</title><link>http://blog.example.org/post-{n}</link>"
        f"<guid>http://blog.example.org/post-{n}</guid>"
        f"<pubDate>Thu, 26 Nov 2026 0{n % 10}:00:00 GMT</pubDate>"
        # a comment count: engagement, so each run's observation is an item_metrics row
        f"<slash:comments>{n + len(version)}</slash:comments></item>"
        for n, version in items.items()
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">'
        "<channel><title>blog</title>"
        f"<link>http://blog.example.org/</link>{entries}</channel></rss>"
    ).encode()


# the feed's window moves on between the two runs: posts 1-2 leave, 6-7 arrive, 3-5 change
FIRST = {1: "v1", 2: "v1", 3: "v1", 4: "v1", 5: "v1"}
SECOND = {3: "v2", 4: "v2", 5: "v2", 6: "v2", 7: "v2"}
ARTICLE = b"<html><head><title>a post</title></head><body><p>" + b"words " * 200 + b"</p></body>"


class Gate:
    """Holds the first request that passes until `open()` (or a hang bound)."""

    def __init__(self) -> None:
        self.hit = threading.Event()
        self._open = threading.Event()
        self._taken = threading.Lock()
        self._first = True

    def pass_through(self) -> None:
        with self._taken:
            first, self._first = self._first, False
        if first:
            self.hit.set()
            self._open.wait(WAIT_S)

    def open(self) -> None:
        self._open.set()


class Server(LoopbackHTTP):
    def __init__(self) -> None:
        self.feed_gate, self.article_gate = Gate(), Gate()
        self.lock = threading.Lock()
        self.windows: dict[str, Mapping[int, str]] = {}  # run tag -> the window it was served
        self.in_flight = self.most_in_flight = 0
        self.feed_log: list[tuple[str, str]] = []  # (run tag, "start" | "end")
        super().__init__(self._respond)

    def _respond(self, host: str, path: str, headers: Any) -> Reply:
        if path == "/robots.txt":
            return Reply(404, b"")
        if host == "github.example.com":
            return Reply(200, b"<html><body>release notes</body></html>", _html())
        if path.startswith("/post-"):
            self.article_gate.pass_through()
            return Reply(200, ARTICLE, _html())
        run = headers.get("X-Run") or "?"
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.feed_log.append((run, "start"))
            window = self.windows.setdefault(run, FIRST if not self.windows else SECOND)
        try:
            self.feed_gate.pass_through()
            return Reply(200, _rss(window), {"Content-Type": "application/rss+xml"})
        finally:
            with self.lock:
                self.in_flight -= 1
                self.feed_log.append((run, "end"))


def _html() -> dict[str, str]:
    return {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.feed_gate.open()
    s.article_gate.open()
    s.close()


def _until(what: str, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def _step_starts(instance: Any, **tags: str) -> list[Any]:
    import dagster as dg

    out = []
    for record in instance.get_run_records(filters=dg.RunsFilter(tags=tags)):
        out += instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_START)
    return out


def _run_span(instance: Any, run_id: str) -> tuple[float, float]:
    """From the run's first step start to its last step end (event timestamps)."""
    import dagster as dg

    events = [e for e in instance.all_logs(run_id) if e.dagster_event is not None]
    starts = [e.timestamp for e in events if e.dagster_event_type == dg.DagsterEventType.STEP_START]
    ends = [
        e.timestamp
        for e in events
        if e.dagster_event_type
        in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
    ]
    return min(starts), max(ends)


def _keys_unique(lake: Lake, table: str, keys: str) -> None:
    con = connect(lake)
    total, distinct = con.execute(
        f"select count(*), count(distinct ({keys})) from {table}"
    ).fetchone()
    assert total == distinct, f"{table}: duplicate ({keys})"
    assert total > 0, f"{table} is empty"


def test_two_cli_runs_and_a_scheduled_daily_run_converge(tmp_path, server, monkeypatch):
    home, lake_dir, catalogue = tmp_path / "dagster", tmp_path / "lake", tmp_path / "sources.yaml"
    port = server.port
    catalogue.write_text(
        "sources:\n"
        "  - {id: wp, kind: rss, url: 'http://blog.example.org/feed/', every: 1h,\n"
        "     headers: {X-Run: '${RIVERBED_TEST_RUN:-schedule}'}}\n"
        "settings:\n"
        f"  resolve: {{blog.example.org: '127.0.0.1:{port}', github.example.com: '127.0.0.1:{port}'}}\n"
        "  allow_private_hosts: [blog.example.org, github.example.com]\n"
    )
    for var, value in (
        ("DAGSTER_HOME", str(home)),
        ("RIVERBED_LAKE", str(lake_dir)),
        ("RIVERBED_SOURCES", str(catalogue)),
    ):
        monkeypatch.setenv(var, value)
    from riverbed.orchestrate import GENERATED_MARK, LOCAL_INSTANCE

    # riverbed's instance, without compute-log capture: the local capture of a run executed
    # in a thread here mirrors each step's output through a `tail -F` process that outlived
    # the test (no mark line: the runs' `prepare_dagster_home` leaves the file as it is)
    home.mkdir()
    (home / "dagster.yaml").write_text(
        LOCAL_INSTANCE.replace(GENERATED_MARK + "\n", "")
        + "compute_logs:\n  module: dagster._core.storage.noop_compute_log_manager\n"
        + "  class: NoOpComputeLogManager\n"
    )
    import dagster as dg

    instance = dg.DagsterInstance.get()

    def start(tag: str) -> subprocess.Popen[str]:
        env = clean_env(DAGSTER_HOME=str(home), RIVERBED_TEST_RUN=tag)
        # --all: both runs fetch (without it the run that waited for the source's lease
        # finds the source collected, not due, and leaves it: nothing to merge)
        cmd = [sys.executable, "-m", "riverbed.cli", "run", "--all", "--date", DATE]
        cmd += ["--sources", str(catalogue)]
        return subprocess.Popen(
            [*cmd, "--lake", str(lake_dir), "--quiet"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    runs = {"A": start("A"), "B": start("B")}
    try:
        # the first run to fetch is held at its feed request, inside its source lease ...
        assert server.feed_gate.hit.wait(WAIT_S)
        first = next(iter(server.windows))
        second = "B" if first == "A" else "A"
        # ... until the second run's collect step runs (and so asks for that lease)
        pid = str(runs[second].pid)
        _until(
            "the second run's collect step", lambda: _step_starts(instance, **{"riverbed/pid": pid})
        )
        time.sleep(
            0.5
        )  # let it reach the lease (a wider window; the outcome does not depend on it)
        server.feed_gate.open()

        # a daily stage fetching its first article holds the date's lease: now the
        # "schedule" fires the daily job in this process, the way the daemon's path runs it
        assert server.article_gate.hit.wait(WAIT_S)
        from riverbed.definitions import build_definitions

        scheduled: dict[str, Any] = {}

        def fire() -> None:
            job = build_definitions().resolve_job_def("refine_and_publish")
            scheduled["result"] = job.execute_in_process(
                instance=instance, partition_key=DATE, tags={"riverbed/test": "schedule"}
            )

        firing = threading.Thread(target=fire)
        firing.start()
        _until(
            "the scheduled run to start",
            lambda: instance.get_run_records(
                filters=dg.RunsFilter(tags={"riverbed/test": "schedule"})
            ),
        )
        time.sleep(0.5)
        server.article_gate.open()
        firing.join(WAIT_S)
        outputs = {tag: p.communicate(timeout=WAIT_S) for tag, p in runs.items()}
    finally:
        server.feed_gate.open()
        server.article_gate.open()
        for p in runs.values():
            if p.poll() is None:
                p.kill()
    for tag, p in runs.items():
        assert p.returncode == 0, f"run {tag}: {outputs[tag][1][-3000:]}"
    assert scheduled["result"].success

    # the source lease: one run fetched and merged at a time, the second after the first
    assert server.most_in_flight == 1
    assert [tag for tag, _ in server.feed_log] == [first, first, second, second]

    # the daily lease: no two daily runs of the date ever ran a step at the same time
    daily = instance.get_run_records(filters=dg.RunsFilter(job_name="refine_and_publish"))
    assert len(daily) == 3
    spans = sorted(_run_span(instance, r.dagster_run.run_id) for r in daily)
    for (_, end), (start_next, _) in itertools.pairwise(spans):
        assert end <= start_next, "two daily runs overlapped"

    # converged: every post either run saw, once, with the latest values
    lake = Lake(lake_dir)
    con = connect(lake)
    titles = dict(con.execute("select url, title from items where source_id = 'wp'").fetchall())
    expected = {
        f"http://blog.example.org/post-{n}": f"post {n} {v}" for n, v in {**FIRST, **SECOND}.items()
    }
    assert titles == expected
    for table, keys in (
        ("rss_items", "item_id"),
        ("items", "item_id"),
        ("item_metrics", "item_id, observed_at"),
        ("stories", "story_id"),
        ("articles", "canonical_url"),
        ("digest", "story_id"),
    ):
        _keys_unique(lake, table, keys)
    assert con.execute("select count(*) from stories").fetchone()[0] == len(expected)
    # every lease was given back
    assert sorted(p.name for p in (lake_dir / "leases").rglob("*.lease")) == []
    assert os.environ["DAGSTER_HOME"] == str(home)
