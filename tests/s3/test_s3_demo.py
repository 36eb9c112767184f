"""`riverbed demo --lake s3://riverbed-demo/lake` against SeaweedFS: the same row counts in
every table as the same demo (same day) on a local lake; `riverbed query` answers over S3.
The S3 secret key is distinctive and appears nowhere.

An in-process `riverbed replay` on S3 with the network off is tested once, after the demo on
Celery (tests/celery/test_celery_run.py), rather than after both demos."""

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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]  # one long module fixture

SECRET = "rbSECRETdemo-2b9e4f61a0"
URI = "s3://riverbed-demo/lake"
TABLES = [*CURRENT_STATE, *HISTORY]


def _cli(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(work, *args, timeout=900)  # a demo on S3 (minutes on a loaded machine)


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


@pytest.fixture(scope="module")
def demos(tmp_path_factory, local_demo) -> Iterator[dict]:
    local = local_demo["run"]
    s3_work = tmp_path_factory.mktemp("demo-s3")
    with running_seaweedfs(s3_work, bucket="riverbed-demo", secret_key=SECRET) as s3:
        on_s3 = _cli(s3_work, "demo", "--lake", URI, "--date", str(local_demo["day"]))
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
        yield {
            "s3": s3,
            "work": s3_work,
            "runs": {"local": local, "s3": on_s3, **query},
            "counts": counts,
            "query": query,
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


def test_the_secret_key_appears_nowhere(demos):
    from secret_scan import Scan

    scan = Scan({SECRET.encode(): "the S3 secret key"})
    for name, run in demos["runs"].items():
        scan.text(f"`{name}` output", run.stdout + run.stderr)
    scan.lake(Lake(URI))
    scan.dagster_home(demos["work"] / ".riverbed/demo/dagster")
    assert not scan.leaks, "\n".join(scan.leaks)
    assert scan.scanned["lake objects"] > 1000  # raw bodies, journals, tables, state, pages
    assert scan.scanned["dagster events"] > 100
