"""What `riverbed run` writes where, as a user's shell sees it (a new process each, feeds
served on 127.0.0.1): results on stdout, progress and the end-of-run report on stderr;
`--format json` prints one JSON array and nothing else; `--quiet` prints errors only."""

from __future__ import annotations

import itertools
import json
import re
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli_runner import clean_env, run_cli
from loopback import LoopbackHTTP, Reply
from riverbed.cli import app

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
BODIES = {
    "blog.example.org": (FEEDS / "rss20_wordpress.xml").read_bytes(),
    "gh.example.com": (FEEDS / "atom10_github_releases.xml").read_bytes(),
    "down.example.net": b"<html><body>Maintenance</body></html>",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Four runs of one catalogue (two good feeds, one HTML page): the default table format
    (the whole pipeline), `--format json` and `--quiet` (collect only: enough for streams),
    and the whole pipeline as JSON under the multiprocess executor."""
    server = LoopbackHTTP(
        lambda host, path, headers: Reply(
            200, BODIES.get(host, b"?"), {"Content-Type": "application/rss+xml"}
        )
    )
    work = tmp_path_factory.mktemp("streams")
    hosts = ", ".join(f"{h}: '127.0.0.1:{server.port}'" for h in BODIES)
    (work / "sources.yaml").write_text(
        "sources:\n"
        "  - {id: wp, kind: rss, url: 'http://blog.example.org/feed/'}\n"
        "  - {id: gh, kind: rss, url: 'http://gh.example.com/releases.atom'}\n"
        "  - {id: down, kind: rss, url: 'http://down.example.net/feed'}\n"
        "settings:\n"
        "  fetch_articles: false\n"
        f"  resolve: {{{hosts}}}\n"
    )
    try:
        # the day the (undated) runs process: taken just before the first, which it asserts on
        out: dict[str, Any] = {"work": work, "day": datetime.now(UTC).date().isoformat()}
        for name, extra in (
            ("table", []),
            ("json", ["--format", "json", "--select", "rss_items"]),
            ("quiet", ["--quiet", "--select", "rss_items"]),
            # the executor of runs from the UI or a schedule: a process per step
            ("multiprocess", ["--format", "json", "--executor", "multiprocess"]),
        ):
            out[name] = run_cli(
                work,
                "run",
                "--lake",
                f"lake-{name}",
                *extra,
                env={
                    k: v
                    for k, v in clean_env(DAGSTER_HOME=str(work / f"dagster-{name}")).items()
                    # as a user's shell has it: Python's own default warning filters
                    if not (k == "PYTHONWARNINGS" and name == "multiprocess")
                },
            )
        yield out
    finally:
        server.close()


def test_table_mode_prints_the_sources_on_stdout_and_nothing_else(runs):
    run = runs["table"]
    assert run.returncode == 1, run.stderr[-3000:]  # one source failed entirely
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["source_id", "status", "items_new", "error_kind"]
    assert [line.split()[:2] for line in lines[2:5]] == [
        ["down", "failed"],
        ["gh", "ok"],
        ["wp", "ok"],
    ]
    assert lines[5:] == ["(3 rows)"]


def test_progress_goes_to_stderr_one_line_per_stage_when_not_a_terminal(runs):
    err = runs["table"].stderr.splitlines()
    assert "collect rss: wp … down (live) …" in err
    done = next(line for line in err if line.startswith("collect rss: wp … down (live): "))
    assert "done, 3/3 sources, 1 failed" in done
    assert "  source down failed" in err
    day = runs["day"]
    assert f"refine and publish {day} …" in err
    assert any(line.startswith("  stories ok ") for line in err)
    assert any(line.startswith(f"refine and publish {day}: done, ") for line in err)
    assert "\x1b[" not in runs["table"].stderr  # no terminal codes in a log


def test_the_summary_says_what_happened_and_what_to_do_next(runs):
    err = runs["table"].stderr
    report = err[err.index("riverbed run ") :].splitlines()
    rows = dict(re.fullmatch(r"  (\S.*?) {2,}(.*)", line).groups() for line in report[1:7])
    assert rows["sources"] == "2 ok, 1 failed (of 3)"
    assert int(rows["stories"]) > 0 and int(rows["items new"]) > 0
    assert Path(rows["digest"]).is_file()
    assert rows["duration"].endswith("s")
    assert "failed sources:" in report
    assert any(line.split()[:2] == ["down", "not_a_feed"] for line in report)
    advice = [line for line in report if line.startswith("- ")]
    assert advice[0].startswith("- not_a_feed (down): the URL does not serve a feed")
    assert advice[-1].startswith("- fix or remove a source in ")


def test_the_suggested_query_runs_and_finds_the_failure(runs):
    err = runs["table"].stderr
    line = next(x for x in err.splitlines() if x.startswith("- the recorded errors: "))
    argv = shlex.split(line.removeprefix("- the recorded errors: "))
    assert argv[:2] == ["riverbed", "query"]
    lake = Path(argv[3])
    assert lake.is_absolute() and lake == runs["work"] / "lake-table"
    result = CliRunner().invoke(app, [*argv[1:], "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {(r["source_id"], r["error_kind"]) for r in rows} == {("down", "not_a_feed")}


def test_json_mode_prints_exactly_one_json_array_and_no_progress(runs):
    run = runs["json"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert run.stdout.count("\n") == 1 and run.stdout.startswith("[")
    rows = json.loads(run.stdout)
    assert [set(r) for r in rows] == [{"source_id", "status", "items_new", "error_kind"}] * 3
    assert {r["source_id"]: r["status"] for r in rows} == {
        "down": "failed",
        "gh": "ok",
        "wp": "ok",
    }
    assert run.stderr == ""  # scripts: no progress, no summary


def test_quiet_prints_nothing_but_errors(runs):
    run = runs["quiet"]
    assert run.returncode == 1
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert lines[0] == "error: source down failed: not_a_feed: HTML page, not a feed"
    assert all(line.startswith(("error: ", "- ")) for line in lines), lines


def test_a_multiprocess_run_prints_the_same_and_no_warnings_from_its_step_processes(runs):
    """Each step in its own process: the same results and tables as in process. Dagster's
    beta notices, raised again in every step process, stay out of stderr; what is left is one
    line per step from Dagster's own logger of a step process, which no run config reaches
    (only the instance's `python_log_level`, and that would keep DEBUG events out of the
    event log)."""
    run = runs["multiprocess"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert json.loads(run.stdout) == json.loads(runs["json"].stdout)
    assert "Warning" not in run.stderr
    chatter = r"\S+ \S+ \+0000 - dagster - DEBUG - .* - STEP_WORKER_STARTED - Executing step .*"
    assert [x for x in run.stderr.splitlines() if not re.fullmatch(chatter, x)] == []
    work = runs["work"]
    for table in ("items", "stories", "embeddings", "topics", "enrichments"):
        [single] = (work / "lake-table" / "tables" / table).glob("date=*/*.parquet")
        [multi] = (work / "lake-multiprocess" / "tables" / table).glob("date=*/*.parquet")
        assert pq.read_table(multi).num_rows == pq.read_table(single).num_rows > 0, table


def test_a_multiprocess_run_has_one_day_sized_step_at_a_time(runs):
    """Steps that hold a whole day's table (`DAY_SIZED`) never overlap in a multiprocess run
    (stories beside item_metrics was a day's memory peak); small steps still run beside
    them."""
    import dagster as dg

    from riverbed.definitions import defs
    from riverbed.defs.executors import DAY_SIZED

    tagged = {
        key.path[-1]
        for assets in defs.assets or []
        if isinstance(assets, dg.AssetsDefinition)
        and isinstance(assets.node_def, dg.OpDefinition)
        and DAY_SIZED.items() <= dict(assets.node_def.tags or {}).items()
        for key in assets.keys
    }
    assert {
        "items",
        "item_metrics",
        "stories",
        "embeddings",
        "topics",
        "enrichments",
        "digest",
    } <= tagged
    home = runs["work"] / "dagster-multiprocess"
    windows: dict[str, list[float]] = {}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for record in instance.get_run_records():
            for entry in instance.all_logs(record.dagster_run.run_id):
                kind = entry.dagster_event_type
                if entry.step_key and kind in (
                    dg.DagsterEventType.STEP_START,
                    dg.DagsterEventType.STEP_SUCCESS,
                    dg.DagsterEventType.STEP_FAILURE,
                ):
                    windows.setdefault(entry.step_key, []).append(entry.timestamp)
    day = sorted(
        (w[0], w[-1], key)
        for key, w in windows.items()
        if key in tagged | {"articles.articles_plan"}
    )
    assert len(day) >= 7, windows
    for (_, end, a), (start, _, b) in itertools.pairwise(day):
        assert start >= end, f"{a} and {b} overlapped"
    small = [w for key, w in windows.items() if key not in tagged and "." not in key]
    assert small  # source_health, errors, fetches ran too
