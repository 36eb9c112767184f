"""The check helpers: schema drift against the declared schemas, error-rate thresholds,
stale sources by `riverbed status`'s rule, and what each source's partition shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa
import pytest

from riverbed.core.catalogue import load_catalogue
from riverbed.defs.checks import (
    error_rate_result,
    per_source_markdown,
    schema_drift,
    schema_drift_result,
    stale_rows,
    stale_sources_result,
)
from riverbed.defs.collect import source_metadata
from riverbed.lake import Lake
from riverbed.lake.schemas import STORIES
from riverbed.pipeline.collect import SourceReport, SourceState

DECLARED = pa.schema([("story_id", pa.string()), ("n_sources", pa.int64())])
PASS, WARN, ERROR = None, dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR


@pytest.mark.parametrize(
    "stored, expected",
    [
        (DECLARED, PASS),
        (pa.schema([("story_id", pa.string())]), ERROR),  # a column went missing
        (pa.schema([("story_id", pa.string()), ("n_sources", pa.string())]), ERROR),  # retyped
        (DECLARED.append(pa.field("debug", pa.string())), WARN),  # only an extra column
    ],
)
def test_schema_drift_of_a_stored_object(tmp_path, stored, expected):
    lake = Lake(str(tmp_path))
    path = lake.partition_path("stories", {"date": "2026-11-20"})
    lake.write_table(path, stored.empty_table())
    result = schema_drift_result([path], DECLARED, "stories")
    assert result.passed is (expected is PASS)
    if expected is not PASS:
        assert result.severity == expected
    assert result.metadata["objects_checked"].value == 1


def test_schema_drift_names_what_differs():
    stored = pa.schema([("n_sources", pa.string()), ("debug", pa.bool_())])
    assert schema_drift(stored, DECLARED) == {
        "missing": ["story_id"],
        "extra": ["debug"],
        "changed": ["n_sources: string != int64"],
    }
    assert schema_drift(STORIES, STORIES) == {"missing": [], "extra": [], "changed": []}


def test_an_unreadable_stored_object_is_a_schema_error(tmp_path):
    lake = Lake(str(tmp_path))
    path = lake.partition_path("stories", {"date": "2026-11-20"})
    lake.write_bytes(path, b"not parquet at all")
    result = schema_drift_result([path], DECLARED, "stories")
    assert not result.passed and result.severity == ERROR
    assert "part.parquet" in result.metadata["unreadable"].value


@pytest.mark.parametrize(
    "failed, total, expected",
    [
        (0, 20, PASS),
        (2, 20, PASS),  # 10 %: at the warning threshold, not above it
        (3, 20, WARN),
        (10, 20, WARN),  # 50 %: at the error threshold
        (11, 20, ERROR),
        (0, 0, PASS),  # no source ran: nothing failed
    ],
)
def test_error_rate_thresholds(failed, total, expected):
    result = error_rate_result([f"s{i}" for i in range(failed)], total, "source_health")
    assert result.passed is (expected is PASS)
    if expected is not PASS:
        assert result.severity == expected
    assert isinstance(result.metadata["error_rate"], dg.FloatMetadataValue)


def test_stale_sources_follow_riverbed_status(tmp_path, monkeypatch):
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        "sources:\n"
        "  - {id: fresh, kind: rss, url: 'http://a.example/f', every: 1h}\n"
        "  - {id: late, kind: rss, url: 'http://b.example/f', every: 1h}\n"
        "  - {id: daily, kind: rss, url: 'http://c.example/f', every: 1d}\n"
        "  - {id: never_ok, kind: rss, url: 'http://d.example/f', every: 1h}\n"
        "  - {id: never_run, kind: rss, url: 'http://e.example/f', every: 1h}\n"
    )
    sources = load_catalogue(catalogue).sources
    lake = Lake(str(tmp_path / "lake"))
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    state = SourceState(lake)
    for sid, ago in (("fresh", 2), ("late", 4), ("daily", 30)):
        at = (now - timedelta(hours=ago)).isoformat()
        state.save(sid, {"last_attempt_at": at, "last_success_at": at})
    state.save("never_ok", {"last_attempt_at": now.isoformat(), "last_status": "failed"})

    stale = stale_rows(lake, sources, now)
    # 3 x every: 4 h without a success is stale for hourly, 30 h is not for daily
    assert [r["source_id"] for r in stale] == ["late", "never_ok"]
    result = stale_sources_result(stale, "source_health")
    assert not result.passed and result.severity == WARN
    assert result.metadata["sources"].value.startswith("late (last success 2026-11-20 08:00")

    # the rule is status's own: changing it there changes the check
    monkeypatch.setattr("riverbed.pipeline.status.STALE_FACTOR", 5)
    assert [r["source_id"] for r in stale_rows(lake, sources, now)] == ["never_ok"]


def _report(status: str, **numbers: int | None) -> SourceReport:
    base = {
        "items_seen": 5,
        "items_new": 2,
        "items_updated": 1,
        "latency_ms": 120,
        "bytes": 4096,
        "http_status": 200,
    }
    base.update(numbers)
    return SourceReport(
        source_id="blog", kind="rss", status=status, error_kind=None, message=None, **base
    )


def test_a_source_partition_shows_numbers_the_ui_plots():
    meta = source_metadata(_report("ok"))
    for name, value in [("items_new", 2), ("latency_ms", 120), ("bytes", 4096), ("failed", 0)]:
        assert meta[name] == dg.MetadataValue.int(value), name
    failed = source_metadata(_report("failed", items_updated=None, http_status=None))
    assert failed["failed"] == dg.MetadataValue.int(1)
    assert "items_updated" not in failed and "http_status" not in failed


def test_the_per_source_table_lists_failed_sources_first():
    rows = [
        {"source_id": "a", "status": "ok", "items_seen": 1, "items_new": 1},
        {"source_id": "z", "status": "failed", "error_kind": "http_5xx", "message": "Bad | gw"},
    ]
    lines = per_source_markdown(rows).splitlines()
    assert lines[2].startswith("| z | failed |") and "http_5xx: Bad / gw" in lines[2]
    assert lines[3].startswith("| a | ok |")
