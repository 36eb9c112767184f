"""The S3 server stops in the middle of a pipeline run, then comes back.

The stop is placed deterministically: `riverbed run --select 'group:collect'` collects every
source while the server is up; the server is stopped; the daily run (`not group:collect`)
must then fail, exit 3, and name the object, the operation, the endpoint and the reason
(within seconds: the lake's S3 retries are bounded). Nothing half-written is left behind.
After a restart (same data, same ports) re-running the daily run completes with exactly the
tables of an uninterrupted daily run over a copy of the same collected data.

The S3 secret key is distinctive and must appear nowhere: not in the CLI's output, the
lake's tables and files, nor the Dagster instance (every event: metadata, failures, runs).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli_runner import SUITE_DAY, clean_env, run_cli
from riverbed.lake import Lake
from riverbed.lake.query import connect
from seaweed import SeaweedFS, running_seaweedfs
from test_run_platforms import PlatformSites, catalogue_yaml

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]  # one long module fixture

SECRET = "rbSECRETkey-8c1f2e9d4b7a"
TABLES = [
    "items",
    "stories",
    "digest",
    "item_metrics",
    "articles",
    "hackernews_items",
    "reddit_items",
    "rss_items",
    "fetches",
    "errors",
    "source_health",
]


def _cli(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(work, *args, env=clean_env(DAGSTER_HOME=str(work / "dagster")))


def _snapshot(uri: str) -> dict[str, list[str]]:
    con = connect(Lake(uri))
    return {
        t: sorted(repr(r) for r in con.execute(f"select * from {t}").fetchall()) for t in TABLES
    }


@pytest.fixture(scope="module")
def outage(tmp_path_factory) -> Iterator[dict]:
    import s3fs

    tmp = tmp_path_factory.mktemp("outage")
    sites = PlatformSites()
    with running_seaweedfs(tmp, bucket="riverbed-outage", secret_key=SECRET) as s3:
        catalogue = tmp / "sources.yaml"
        catalogue.write_text(
            catalogue_yaml(sites.port).replace(
                "settings:\n", "settings:\n  fetch_articles: false\n", 1
            )
        )
        day = SUITE_DAY
        broken, reference = s3.uri("lake"), s3.uri("reference")

        def run(uri: str, select: str) -> subprocess.CompletedProcess[str]:
            return _cli(
                tmp,
                *("run", "--sources", str(catalogue), "--lake", uri, "--date", day),
                *("--select", select, "--all"),
            )

        collect = run(broken, "group:collect")
        # the same collected data under a second prefix: its daily run is never interrupted
        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.copy(f"{s3.bucket}/lake", f"{s3.bucket}/reference", recursive=True)
        uninterrupted = run(reference, "not group:collect")

        s3.stop()
        started = time.monotonic()
        failed = run(broken, "not group:collect")
        failed_s = time.monotonic() - started
        s3.start()
        objects = _objects(s3)
        recovered = run(broken, "not group:collect")
        yield {
            "s3": s3,
            "work": tmp,
            "runs": {
                "collect": collect,
                "uninterrupted": uninterrupted,
                "failed": failed,
                "recovered": recovered,
            },
            "failed_s": failed_s,
            "objects_after_failure": objects,
            "snaps": (_snapshot(reference), _snapshot(broken)),
        }
    sites.close()


def _objects(s3: SeaweedFS) -> dict[str, bytes]:
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    keys = fs.find(f"{s3.bucket}/lake")
    return dict(zip(keys, fs.cat(keys).values(), strict=True)) if keys else {}


def test_the_stop_fails_the_run_quickly_naming_object_operation_endpoint_and_reason(outage):
    runs = outage["runs"]
    assert runs["collect"].returncode == 1, runs["collect"].stderr[-3000:]  # status-page
    assert runs["uninterrupted"].returncode == 0, runs["uninterrupted"].stderr[-3000:]
    failed = runs["failed"]
    assert failed.returncode == 3, failed.stdout + failed.stderr
    endpoint = outage["s3"].endpoint
    print(failed.stderr)
    lines = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert lines, failed.stderr
    for line in lines:
        assert "connection refused" in line and f"S3 endpoint {endpoint}" in line, line
        assert "cannot " in line and "s3://riverbed-outage/lake/" in line, line
        assert "Traceback" not in line and len(line) < 600, line
    # bounded retries: each lake call gives up within seconds (the Dagster import and one
    # failed daily run included, far below s3fs/botocore's default minutes of retrying)
    assert outage["failed_s"] < 90


def test_the_failed_dagster_run_records_the_cause(outage):
    import dagster as dg

    with dg.DagsterInstance.from_config(str(outage["work"] / "dagster")) as instance:
        failures = [
            r
            for r in instance.get_run_records()
            if r.dagster_run.status == dg.DagsterRunStatus.FAILURE
        ]
        assert len(failures) == 1
        events = instance.all_logs(failures[0].dagster_run.run_id)
    step_failures = [e.dagster_event for e in events if e.is_dagster_event and e.dagster_event]
    messages = [
        ev.step_failure_data.error.to_string()
        for ev in step_failures
        if ev.is_step_failure and ev.step_failure_data and ev.step_failure_data.error
    ]
    assert messages
    assert any(
        "LakeError: cannot" in m and "connection refused" in m and outage["s3"].endpoint in m
        for m in messages
    ), messages[0][:2000]


def test_nothing_half_written_is_left_after_the_failure(outage):
    objects = outage["objects_after_failure"]
    assert any(k.endswith(".parquet") for k in objects)
    for key, data in objects.items():
        if key.endswith(".parquet"):
            pq.read_metadata(pa.BufferReader(data))  # raises on a truncated file
        elif key.endswith(".json"):
            json.loads(data)


def test_rerun_after_restart_completes_with_the_uninterrupted_tables(outage):
    recovered = outage["runs"]["recovered"]
    assert recovered.returncode == outage["runs"]["uninterrupted"].returncode, recovered.stderr[
        -3000:
    ]
    reference, after = outage["snaps"]
    assert reference["items"] and reference["stories"] and reference["digest"]
    for table in TABLES:
        assert after[table] == reference[table], table


def test_the_secret_key_appears_nowhere(outage):
    from secret_scan import Scan

    scan = Scan({SECRET.encode(): "the S3 secret key"})
    for name, run in outage["runs"].items():
        scan.text(f"`{name}` output", run.stdout + run.stderr)
    scan.lake(Lake(outage["s3"].uri("lake")))
    scan.dagster_home(outage["work"] / "dagster")
    assert not scan.leaks, "\n".join(scan.leaks)
    assert scan.scanned["lake objects"] and scan.scanned["dagster runs"]
