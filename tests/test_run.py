"""`riverbed run` against feeds served on loopback: cadence, merge, isolation of a failing
source, exit codes."""

from __future__ import annotations

import gc
import os
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from loopback import LoopbackHTTP, Reply
from riverbed.cli import app
from riverbed.lake import Lake
from riverbed.lake.query import connect
from riverbed.lake.schemas import TABLES

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


class FeedServer(LoopbackHTTP):
    """Serves feeds by Host header; `bodies[host]` is what that host returns now."""

    def __init__(self) -> None:
        self.bodies: dict[str, tuple[int, bytes]] = {}
        self.hits: dict[str, int] = {}
        super().__init__(self._respond)

    def _respond(self, host: str, path: str, headers: object) -> Reply:
        self.hits[host] = self.hits.get(host, 0) + 1
        status, body = self.bodies.get(host, (404, b"not here"))
        return Reply(status, body, {"Content-Type": "application/rss+xml"})


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.close()


@pytest.fixture
def project(tmp_path, server, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    for var in ("RIVERBED_LAKE", "RIVERBED_SOURCES"):
        monkeypatch.delenv(var, raising=False)
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        "sources:\n"
        "  - {id: wp, kind: rss, url: 'http://blog.example.org/feed/', every: 1h, tags: [blogs]}\n"
        "  - {id: gh, kind: rss, url: 'http://github.example.com/releases.atom', every: 1h}\n"
        "settings:\n"
        # the feeds' items link to outside hosts: these run-loop tests fetch no article
        "  fetch_articles: false\n"
        f"  resolve: {{blog.example.org: '127.0.0.1:{server.port}', github.example.com: '127.0.0.1:{server.port}'}}\n"
    )
    server.bodies["blog.example.org"] = (200, (FEEDS / "rss20_wordpress.xml").read_bytes())
    server.bodies["github.example.com"] = (200, (FEEDS / "atom10_github_releases.xml").read_bytes())
    lake = tmp_path / "lake"
    runner = CliRunner()

    def run(*extra: str):
        return runner.invoke(
            app,
            ["run", "--sources", str(catalogue), "--lake", str(lake), "--quiet", *extra],
            catch_exceptions=False,
        )

    return run, Lake(lake)


def _count(lake: Lake, sql: str) -> int:
    return int(connect(lake).execute(sql).fetchone()[0])


def test_run_collects_then_respects_every(project, server):
    run, lake = project
    first = run()
    assert first.exit_code == 0, first.output
    items = _count(lake, "select count(*) from items")
    assert items > 0
    assert _count(lake, "select count(*) from stories") > 0
    assert server.hits == {"blog.example.org": 1, "github.example.com": 1}

    again = run()  # nothing is due an instant later: no request is made
    assert again.exit_code == 0
    assert server.hits == {"blog.example.org": 1, "github.example.com": 1}
    assert _count(lake, "select count(*) from items") == items

    forced = run("--all")
    assert forced.exit_code == 0
    assert server.hits == {"blog.example.org": 2, "github.example.com": 2}
    assert _count(lake, "select count(*) from items") == items
    # feed fetches only (article pages are fetched once, with no source)
    assert _count(lake, "select count(*) from fetches where source_id is not null") == 4


def test_a_failing_source_keeps_its_items_and_fails_alone(project, server):
    run, lake = project
    assert run().exit_code == 0
    wp_items = _count(lake, "select count(*) from rss_items where source_id = 'wp'")
    server.bodies["blog.example.org"] = (200, b"<html><body>Maintenance</body></html>")
    result = run("--all", "--format", "json")
    assert result.exit_code == 1
    assert '"source_id": "wp", "status": "failed"' in result.output
    assert _count(lake, "select count(*) from rss_items where source_id = 'wp'") == wp_items
    assert (
        _count(
            lake, "select count(*) from errors where source_id = 'wp' and error_kind = 'not_a_feed'"
        )
        == 1
    )
    assert (
        _count(lake, "select count(*) from source_health where source_id = 'gh' and status = 'ok'")
        == 2
    )


def test_a_feed_window_moving_on_loses_nothing(project, server):
    run, lake = project
    assert run().exit_code == 0
    before = {
        r[0]
        for r in connect(lake)
        .execute("select item_id from rss_items where source_id = 'gh'")
        .fetchall()
    }
    body = (FEEDS / "atom10_github_releases.xml").read_bytes()
    # drop the first entry, as a feed does when new ones push old ones out
    start = body.index(b"<entry>")
    end = body.index(b"</entry>", start) + len(b"</entry>")
    server.bodies["github.example.com"] = (200, body[:start] + body[end:])
    assert run("--all").exit_code == 0
    after = {
        r[0]
        for r in connect(lake)
        .execute("select item_id from rss_items where source_id = 'gh'")
        .fetchall()
    }
    assert after == before


def test_unwritable_lake_exits_3_naming_the_cause(project, tmp_path):
    run, _ = project
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lake should be")
    result = run("--lake", str(blocker / "lake"))
    assert result.exit_code == 3
    assert "error:" in result.output
    assert "NotADirectoryError" in result.output


def test_a_failing_dagster_step_exits_3_naming_step_and_cause(project, tmp_path):
    run, _ = project
    lake = tmp_path / "lake2"
    lake.mkdir()
    (lake / "tables").write_text("tables cannot be written here")
    result = run("--lake", str(lake))
    assert result.exit_code == 3
    # the lake's error names the operation and the object, then the OS error
    assert "failed: rss_items: LakeError: cannot write " in result.output
    assert "NotADirectoryError" in result.output


def test_a_selection_without_collect_assets_runs_under_any_executor(project, server):
    """`--select stories` collects nothing: under the multiprocess executor that once failed
    starting a pool of no workers ("max_workers must be greater than 0")."""
    run, lake = project
    assert run().exit_code == 0
    stories = _count(lake, "select count(*) from stories")
    for executor in ("in_process", "multiprocess"):
        again = run("--select", "stories", "--executor", executor)
        assert again.exit_code == 0, again.output
        assert _count(lake, "select count(*) from stories") == stories
    assert server.hits == {"blog.example.org": 1, "github.example.com": 1}


@pytest.mark.parametrize("executor", ["in_process", "multiprocess"])
def test_progress_counts_what_every_executor_materialised(project, server, tmp_path, executor):
    """Runs under the multiprocess executor report no events to the CLI's process while they
    run: their materialisations are read back at the end (the stages ended "0/11 assets")."""
    _, lake = project
    server.bodies.pop("github.example.com")  # a failing source is counted and named too
    args = ["--sources", str(tmp_path / "sources.yaml"), "--lake", str(lake)]
    result = CliRunner().invoke(app, ["run", *args, "--executor", executor], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "  source gh failed" in lines
    ends = [line.split(": done, ")[1].rsplit(", ", 1)[0] for line in lines if ": done, " in line]
    assert ends == ["2/2 sources, 1 failed", "11/11 assets"], lines


@pytest.mark.parametrize("select", ["stories", "item_metrics"])
def test_a_step_whose_inputs_were_never_materialised_reads_empty_tables(project, server, select):
    """`--select stories` on a day nothing was collected for: the step reads a lake table's
    columns with no rows (it once read a table of no columns: KeyError 'item_id')."""
    run, lake = project
    result = run("--select", select, "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    stored = lake.read_table(lake.partition_path(select, {"date": "2026-11-20"}))
    assert stored is not None and stored.num_rows == 0
    assert stored.schema.equals(TABLES[select][0])
    assert server.hits == {}


def test_runs_in_one_process_each_use_their_own_environment(tmp_path, server, monkeypatch):
    """Two multiprocess runs in one process (an embedding program, a test session), each with
    its own DAGSTER_HOME: the runs launched side by side in child processes use the second
    run's instance, not the one of the environment the first run's process pool started in
    (they once looked for the second catalogue's partitions in the first instance and failed:
    "Nonexistent partition keys"). And a run leaves no executor choice behind for the next."""
    for var in ("RIVERBED_LAKE", "RIVERBED_SOURCES", "RIVERBED_EXECUTOR"):
        monkeypatch.delenv(var, raising=False)
    server.bodies["blog.example.org"] = (200, (FEEDS / "rss20_wordpress.xml").read_bytes())
    server.bodies["github.example.com"] = (200, (FEEDS / "atom10_github_releases.xml").read_bytes())
    server.bodies["www.youtube.com"] = (200, (FEEDS / "youtube_channel.xml").read_bytes())
    resolve = ", ".join(
        f"{h}: '127.0.0.1:{server.port}'"
        for h in ("blog.example.org", "github.example.com", "www.youtube.com")
    )
    feeds = [
        "  - {id: yt, kind: youtube, url: 'http://www.youtube.com', channel_id: UCsBjURrPoezykLs9EqgamOA}\n",
        "  - {id: wp, kind: rss, url: 'http://blog.example.org/feed/'}\n",
        "  - {id: gh, kind: rss, url: 'http://github.example.com/releases.atom'}\n",
    ]
    for n, sources in enumerate((feeds[:2], feeds)):  # the second adds an rss source
        work = tmp_path / f"run{n}"
        work.mkdir()
        monkeypatch.setenv("DAGSTER_HOME", str(work / "dagster"))
        catalogue = work / "sources.yaml"
        catalogue.write_text(
            "sources:\n"
            + "".join(sources)
            + f"settings:\n  fetch_articles: false\n  resolve: {{{resolve}}}\n"
        )
        args = ["run", "--sources", str(catalogue), "--lake", str(work / "lake")]
        result = CliRunner().invoke(app, [*args, "--executor", "multiprocess", "--quiet"])
        assert result.exit_code == 0, result.output
        assert _count(Lake(work / "lake"), "select count(distinct source_id) from items") == len(
            sources
        )
        assert "RIVERBED_EXECUTOR" not in os.environ


MADE: list[weakref.ref[pa.Table]] = []
ALIVE: list[bool] = []


@dg.asset
def upstream() -> pa.Table:
    table = pa.table({"n": list(range(1000))})
    MADE.append(weakref.ref(table))
    return table


@dg.asset
def downstream(upstream: pa.Table) -> pa.Table:
    gc.collect()
    ALIVE.append(MADE[-1]() is not None)
    return upstream


def test_an_in_process_run_keeps_no_step_output_in_memory(tmp_path):
    """Dagster's `execute_in_process` holds every step's output until the run ends; riverbed's
    in-process runs do not: by the time a downstream step runs, the upstream step's table is
    gone from memory (it is read back from the lake), so a day's tables do not pile up."""
    from riverbed.defs.io import LakeIOManager
    from riverbed.orchestrate import execute_in_process

    ALIVE.clear()
    defs = dg.Definitions(
        assets=[upstream, downstream],
        jobs=[dg.define_asset_job("both")],
        resources={"io_manager": LakeIOManager(uri=str(tmp_path / "lake"))},
    )
    with dg.instance_for_test() as instance:
        result = execute_in_process(
            defs.resolve_job_def("both"),
            instance=instance,
            partition_key=None,
            asset_selection=None,
            tags={},
            run_config={},
            run_id=str(uuid.uuid4()),
        )
    assert result.success and ALIVE == [False]
