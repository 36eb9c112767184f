"""`riverbed run` end to end on an S3 lake (SeaweedFS): every asset persisted through the
Parquet IO manager on S3, a re-run leaves current state identical, and `riverbed query`
reads the result in place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riverbed.cli import app
from riverbed.lake import Lake
from riverbed.lake.query import connect
from seaweed import SeaweedFS, running_seaweedfs
from test_run_platforms import PlatformSites, catalogue_yaml


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(tmp_path_factory.mktemp("s3run")) as server:
        yield server


@pytest.fixture
def sites() -> Iterator[PlatformSites]:
    s = PlatformSites()
    yield s
    s.close()


def _snapshot(lake: Lake) -> dict[str, list[str]]:
    con = connect(lake)
    return {
        t: sorted(repr(r) for r in con.execute(f"select * from {t}").fetchall())
        for t in ("items", "stories", "digest", "item_metrics", "hackernews_items")
    }


def test_run_and_rerun_on_s3(s3, sites, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    catalogue = tmp_path / "sources.yaml"
    text = catalogue_yaml(sites.port).replace(
        "settings:\n", "settings:\n  fetch_articles: false\n", 1
    )
    catalogue.write_text(text)
    uri = s3.uri("run-lake")
    args = ["run", "--sources", str(catalogue), "--lake", uri, "--format", "json"]
    first = CliRunner().invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 1, first.output  # the deliberately broken status page
    status = {r["source_id"]: r["status"] for r in json.loads(first.output)}
    assert status.pop("status-page") == "failed" and set(status.values()) == {"ok"}
    lake = Lake(uri)
    snap = _snapshot(lake)
    assert snap["items"] and snap["stories"] and snap["digest"]
    assert lake.exists(lake.path("published", "index.html"))

    again = CliRunner().invoke(app, [*args[:-2], "--all", "--format", "json"])
    assert again.exit_code == 1, again.output
    now = _snapshot(lake)
    assert now == snap  # same responses: current state unchanged

    query = CliRunner().invoke(
        app, ["query", "--lake", uri, "--format", "json", "select count(*) as n from stories"]
    )
    assert query.exit_code == 0 and json.loads(query.output)[0]["n"] == len(snap["stories"])
