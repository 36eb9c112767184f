"""`riverbed demo` end to end, as a user runs it: twice, then a replay with the network off.

One module-scoped run of the whole thing (about half a minute); every test reads its results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from riverbed.demo.corpus import build_corpus
from riverbed.lake import Lake
from riverbed.lake.query import connect

pytestmark = pytest.mark.slow

CURRENT_STATE = ["items", "stories", "digest", "rss_items", "item_metrics"]
HISTORY = ["fetches", "errors", "source_health"]

# Run the CLI with every socket connect and name lookup refused: replay must not need them.
NETWORK_OFF = """
import socket, sys
def _refuse(*a, **k):
    raise OSError("network is off for this test")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
from riverbed.cli import main
sys.argv = ["riverbed", *sys.argv[1:]]
main()
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIVERBED_", "DAGSTER_"))}
    env["PYTHONWARNINGS"] = "ignore"
    return env


def _cli(workdir: Path, *args: str, network_off: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = (
        [sys.executable, "-c", NETWORK_OFF, *args]
        if network_off
        else [sys.executable, "-m", "riverbed.cli", *args]
    )
    return subprocess.run(
        cmd, check=False, cwd=workdir, env=_env(), capture_output=True, text=True, timeout=300
    )


def _snapshot(lake: Path) -> dict[str, list[str]]:
    con = connect(Lake(lake))
    out = {}
    for table in CURRENT_STATE + HISTORY:
        rows = con.execute(f"select * from {table}").fetchall()
        out[table] = sorted(repr(r) for r in rows)
    # One logical request per (run, fetch); its number of attempts depends on backoff jitter.
    out["requests"] = sorted(
        repr(r) for r in con.execute("select distinct run_id, fetch_id from fetches").fetchall()
    )
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    lake = work / ".riverbed/demo/lake"
    first = _cli(work, "demo")
    snap1 = _snapshot(lake)
    second = _cli(work, "demo")
    snap2 = _snapshot(lake)
    # Rebuild from bronze alone: current-state tables gone, network off.
    for table in CURRENT_STATE:
        shutil.rmtree(lake / "tables" / table)
    replay = _cli(
        work,
        "replay",
        "--sources",
        ".riverbed/demo/sources.yaml",
        "--lake",
        str(lake),
        network_off=True,
    )
    snap3 = _snapshot(lake)
    return {
        "work": work,
        "lake": lake,
        "runs": (first, second, replay),
        "snaps": (snap1, snap2, snap3),
        "corpus": build_corpus(datetime.now(UTC).date()),
    }


def test_demo_exits_0_and_prints_the_summary(demo):
    first = demo["runs"][0]
    assert first.returncode == 0, first.stderr[-3000:]
    for needle in (
        "sources ok",
        "sources failed",
        "stories",
        "errors",
        "wall time",
        "digest:",
        "lake:",
    ):
        assert needle in first.stdout
    assert "deliberately broken" in first.stdout


def test_query_counts_stories_as_json(demo):
    out = _cli(
        demo["work"],
        "query",
        "--lake",
        ".riverbed/demo/lake",
        "--format",
        "json",
        "select count(*) as n from stories",
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows[0]["n"] > 100


def test_broken_feeds_are_recorded_with_their_error_kind(demo):
    con = connect(Lake(demo["lake"]))
    got = set(
        con.execute("select source_id, error_kind from errors where stage = 'collect'").fetchall()
    )
    for source_id, kind in demo["corpus"].expected_failures.items():
        assert (source_id, kind) in got, f"{source_id} should fail with {kind}"
    failed = {
        r[0]
        for r in con.execute(
            "select source_id from source_health where status = 'failed'"
        ).fetchall()
    }
    assert failed == set(demo["corpus"].expected_failures)


def test_every_good_feed_has_all_its_items(demo):
    con = connect(Lake(demo["lake"]))
    got = dict(con.execute("select source_id, count(*) from rss_items group by 1").fetchall())
    missing = {
        f.source_id: (f.n_distinct, got.get(f.source_id))
        for f in demo["corpus"].feeds
        if f.role != "broken" and got.get(f.source_id) != f.n_distinct
    }
    assert not missing


def test_shared_stories_are_merged_across_sources(demo):
    con = connect(Lake(demo["lake"]))
    n_sources = dict(con.execute("select canonical_url, n_sources from stories").fetchall())
    merged = 0
    for story in demo["corpus"].shared_stories:
        best = max(
            (
                n
                for url, n in n_sources.items()
                if url and story.url.split("://")[1].lower() in url.lower()
            ),
            default=0,
        )
        merged += best >= 2
    assert merged >= 0.9 * len(demo["corpus"].shared_stories)


def test_rerun_leaves_current_state_identical_and_history_grows_by_one_run(demo):
    snap1, snap2, _ = demo["snaps"]
    assert demo["runs"][1].returncode == 0
    for table in CURRENT_STATE:
        assert snap1[table] == snap2[table], table
    n_sources = len(demo["corpus"].sources)
    assert len(snap2["source_health"]) == 2 * len(snap1["source_health"]) == 2 * n_sources
    assert len(snap2["requests"]) == 2 * len(snap1["requests"])
    assert set(snap1["fetches"]) < set(snap2["fetches"])


def test_replay_with_network_off_rebuilds_identical_tables_and_adds_no_history(demo):
    _, snap2, snap3 = demo["snaps"]
    replay = demo["runs"][2]
    assert replay.returncode == 1, replay.stderr[-3000:]  # the broken demo feeds still fail
    for table in CURRENT_STATE + HISTORY:
        assert snap3[table] == snap2[table], table


def test_published_digest_files(demo):
    published = demo["lake"] / "published"
    day = datetime.now(UTC).date().isoformat()
    for name in ("index.html", "index.md", "feed.xml", "feed.json"):
        assert (published / "digest" / day / name).stat().st_size > 1000
    rss = etree.fromstring((published / "feed.xml").read_bytes())
    assert len(rss.findall("./channel/item")) == 50
    feed = json.loads((published / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == 50
    html = (published / "index.html").read_text()
    assert "<script" not in html.lower()
    assert any((published / "tags").iterdir())


def test_block_rules_hide_items_from_stories_but_keep_them_in_items(demo):
    con = connect(Lake(demo["lake"]))
    hidden = {
        r[0]
        for r in con.execute("select item_id from items where hidden_by is not null").fetchall()
    }
    assert hidden, "the demo catalogue's global block rule should hide the sponsored items"
    in_stories = {r[0] for r in con.execute("select unnest(item_ids) from stories").fetchall()}
    assert not hidden & in_stories
