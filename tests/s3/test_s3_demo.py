"""`riverbed demo --lake s3://riverbed-demo/lake` against SeaweedFS: the same row counts in
every table as the same demo (same day) on a local lake; `riverbed query` answers over S3;
`riverbed replay` with the network off (loopback S3 aside) rebuilds identical current-state
tables on S3, articles included. The S3 secret key is distinctive and appears nowhere.

One module-scoped run of everything (about a minute)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_runner import run_cli
from riverbed.lake import Lake
from riverbed.lake.query import connect, table_names
from seaweed import running_seaweedfs
from test_demo_e2e import CURRENT_STATE, HISTORY

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # one long module fixture

SECRET = "rbSECRETdemo-2b9e4f61a0"
URI = "s3://riverbed-demo/lake"
TABLES = [*CURRENT_STATE, *HISTORY]  # compared row by row after the replay

# Every connection refused except to the S3 endpoint on loopback, every name lookup refused:
# replay must not need the network (the lake is the only thing it talks to).
NETWORK_OFF = """
import os, socket, sys
from urllib.parse import urlsplit
s3 = urlsplit(os.environ["AWS_ENDPOINT_URL"])
allowed = {(s3.hostname, s3.port)}
def _refuse(*a, **k):
    raise OSError("network is off for this test")
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _only_s3(connect):
    def guarded(self, address):
        if self.family != socket.AF_UNIX and tuple(address[:2]) not in allowed:
            _refuse()
        return connect(self, address)
    return guarded
socket.socket.connect = _only_s3(_connect)
socket.socket.connect_ex = _only_s3(_connect_ex)
_getaddrinfo = socket.getaddrinfo
def _numeric_s3_only(host, port, *a, **k):
    if (host, port) not in allowed:
        _refuse()
    return _getaddrinfo(host, port, *a, **k)
socket.getaddrinfo = _numeric_s3_only
from riverbed.cli import main
sys.argv = ["riverbed", *sys.argv[1:]]
main()
"""


def _cli(work: Path, *args: str, network_off: bool = False) -> subprocess.CompletedProcess[str]:
    return run_cli(work, *args, bootstrap=NETWORK_OFF if network_off else None)


def _counts(uri: str | Path) -> dict[str, int]:
    """Rows of every table in the lake (every table the demo wrote, and every known one)."""
    lake = Lake(uri)
    con = connect(lake)
    counts = {
        t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in table_names(lake)
    }
    # a request's number of attempts depends on backoff jitter: count logical requests
    counts["fetches"] = con.execute(
        "select count(*) from (select distinct run_id, fetch_id from fetches)"
    ).fetchone()[0]
    return counts


def _rows(uri: str, tables: list[str]) -> dict[str, list[str]]:
    con = connect(Lake(uri))
    return {
        t: sorted(repr(r) for r in con.execute(f"select * from {t}").fetchall()) for t in tables
    }


@pytest.fixture(scope="module")
def demos(tmp_path_factory, local_demo) -> Iterator[dict]:
    local = local_demo["run"]
    s3_work = tmp_path_factory.mktemp("demo-s3")
    with running_seaweedfs(s3_work, bucket="riverbed-demo", secret_key=SECRET) as s3:
        on_s3 = _cli(s3_work, "demo", "--lake", URI)
        counts = (_counts(local_demo["pristine"]), _counts(URI))
        query = {
            "stories": _cli(
                s3_work, "query", "--lake", URI, "--format", "json",
                "select count(*) as n, count(distinct story_id) as ids from stories",
            ),
            "join": _cli(
                s3_work, "query", "--lake", URI, "--format", "json",
                "select count(*) as n, count(a.canonical_url) as with_article"
                " from stories s left join articles a using (canonical_url)",
            ),
        }  # fmt: skip
        before = _rows(URI, TABLES)
        lake = Lake(URI)
        for table in CURRENT_STATE:  # current state gone: replay rebuilds it from bronze
            lake.root.fs.rm(lake.table_dir(table).path, recursive=True)
        replay = _cli(
            s3_work,
            *("replay", "--sources", ".riverbed/demo/sources.yaml", "--lake", URI),
            network_off=True,
        )
        after = _rows(URI, TABLES)
        yield {
            "s3": s3,
            "work": s3_work,
            "runs": {"local": local, "s3": on_s3, "replay": replay, **query},
            "counts": counts,
            "query": query,
            "before": before,
            "after": after,
        }


def test_the_demo_on_s3_has_the_row_counts_of_the_local_demo(demos):
    runs = demos["runs"]
    assert runs["local"].returncode == 0, runs["local"].stderr[-3000:]
    assert runs["s3"].returncode == 0, runs["s3"].stderr[-3000:]
    assert URI in runs["s3"].stderr  # the summary (on stderr) names the lake
    local, on_s3 = demos["counts"]
    assert set(TABLES) | {"hackernews_items", "reddit_items", "lobsters_items"} <= set(local)
    assert on_s3 == local
    for table in TABLES:
        assert on_s3[table] > 0, table


def test_query_answers_over_s3(demos):
    stories, join = demos["query"]["stories"], demos["query"]["join"]
    assert stories.returncode == 0, stories.stderr
    [row] = json.loads(stories.stdout)
    assert row["n"] == row["ids"] == demos["counts"][1]["stories"]
    assert join.returncode == 0, join.stderr
    [row] = json.loads(join.stdout)
    assert row["n"] == demos["counts"][1]["stories"]
    assert 500 < row["with_article"] <= row["n"]


def test_replay_on_s3_with_the_network_off_rebuilds_identical_tables(demos):
    replay = demos["runs"]["replay"]
    assert replay.returncode == 1, replay.stderr[-3000:]  # the broken demo feeds still fail
    for table in TABLES:
        assert demos["after"][table] == demos["before"][table], table
    assert demos["after"]["articles"]


def test_the_secret_key_appears_nowhere(demos):
    from secrets_scan import scan_dagster_home, scan_lake

    for name, run in demos["runs"].items():
        assert SECRET not in run.stdout + run.stderr, name
    assert scan_lake(Lake(URI), SECRET) > 1000  # raw bodies, journals, tables, state, pages
    assert scan_dagster_home(demos["work"] / ".riverbed/demo/dagster", SECRET) > 100
