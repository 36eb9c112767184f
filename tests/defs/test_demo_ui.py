"""The issue's "must hold", read from the Dagster instance `riverbed demo` left behind (the
session's one demo run, no extra one): every asset materialised with its row count, stored
schema and plotted numbers, and the deliberately broken demo sources failed on
`source_health`."""

from __future__ import annotations

import dagster as dg
import pytest

from riverbed.demo.broken import BROKEN_SOURCES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_instance(local_demo):
    run = local_demo["run"]
    assert run.returncode == 0, run.stderr[-2000:]
    home = local_demo["work"] / ".riverbed" / "demo" / "dagster"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def specs(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("demo-ui")
    monkeypatch_module.setenv("RIVERBED_LAKE", str(root / "lake"))
    monkeypatch_module.setenv("RIVERBED_SOURCES", str(root / "sources.yaml"))
    from riverbed.definitions import build_definitions

    return {s.key: s for s in build_definitions().resolve_all_asset_specs()}


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict:
    event = instance.get_latest_materialization_event(key)
    assert event is not None and event.asset_materialization is not None, key
    return dict(event.asset_materialization.metadata)


def test_every_asset_shows_description_kind_row_count_and_schema(demo_instance, specs):
    kinds_in_demo = {k.path[-1] for k in demo_instance.get_asset_keys()}
    for key, spec in specs.items():
        if key.path[-1].endswith("_items") and key.path[-1] not in kinds_in_demo:
            continue  # a source kind the demo catalogue does not use
        assert spec.description and spec.kinds, key
        meta = _latest(demo_instance, key)
        assert isinstance(meta["dagster/row_count"], dg.IntMetadataValue), key
        assert meta["dagster/column_schema"].value.columns, key


def test_numbers_the_ui_plots(demo_instance):
    health = _latest(demo_instance, dg.AssetKey("source_health"))
    for name in ("items_new", "latency_ms", "bytes", "sources_failed"):
        assert isinstance(health[name], dg.IntMetadataValue), name
    assert isinstance(health["error_rate"], dg.FloatMetadataValue)
    assert 0 < health["error_rate"].value < 1
    rss = _latest(demo_instance, dg.AssetKey("rss_items"))  # one source's partition
    for name in ("items_seen", "latency_ms", "bytes"):
        assert isinstance(rss[name], dg.IntMetadataValue), name
    digest = _latest(demo_instance, dg.AssetKey("digest"))
    assert digest["digest_url"].value.startswith("file://")


def test_the_broken_demo_sources_show_as_failed_on_source_health(demo_instance):
    table = _latest(demo_instance, dg.AssetKey("source_health"))["per_source"].value
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()[2:]}
    for broken in BROKEN_SOURCES:
        assert f"| {broken.source_id} | failed |" in rows[broken.source_id], rows
    # failed sources come first
    statuses = [line.split(" | ")[1] for line in table.splitlines()[2:]]
    assert statuses[: len(BROKEN_SOURCES)] == ["failed"] * len(BROKEN_SOURCES)
    key = dg.AssetCheckKey(dg.AssetKey("source_health"), "no_failed_sources")
    record = demo_instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed is False
