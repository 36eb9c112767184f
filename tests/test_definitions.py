"""The Dagster code location loads, and every asset explains itself in the UI."""

from __future__ import annotations

import dagster as dg
import pytest

from riverbed.definitions import build_definitions
from riverbed.defs.collect import COLLECT_BATCH
from riverbed.sources.registry import COLLECTORS

EXPECTED_GROUPS = {
    **{f"{kind}_items": "collect" for kind in COLLECTORS},
    "items": "refine",
    "item_metrics": "refine",
    "stories": "refine",
    "articles": "refine",
    "fetches": "refine",
    "errors": "refine",
    "embeddings": "enrich",
    "topics": "enrich",
    "enrichments": "enrich",
    "digest": "publish",
    "source_health": "publish",
}


@pytest.fixture(scope="module")
def defs(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("defs")
    monkeypatch_module.setenv("RIVERBED_LAKE", str(root / "lake"))
    monkeypatch_module.setenv("RIVERBED_SOURCES", str(root / "sources.yaml"))
    return build_definitions()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_definitions_load_and_validate(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == set(EXPECTED_GROUPS)


def test_every_asset_has_group_description_kinds_and_owner(defs):
    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        assert spec.group_name == EXPECTED_GROUPS[name], name
        assert spec.description and len(spec.description) > 40, name
        assert spec.kinds, name
        assert spec.owners, name


def test_key_and_emptiness_checks_exist(defs):
    checks = {
        (k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys
    }
    for asset in ("items", "stories", "digest"):
        assert (asset, "unique_key") in checks
        assert (asset, "not_empty") in checks
    assert ("source_health", "no_failed_sources") in checks


def test_collect_assets_are_day_by_source_in_batches(defs):
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey("rss_items"))
    pdef = node.partitions_def
    assert isinstance(pdef, dg.MultiPartitionsDefinition)
    assert sorted(pdef.partition_dimension_names) == ["date", "source"]
    # a backfill runs batches of sources, one run (one worker) each
    assert node.backfill_policy == dg.BackfillPolicy.multi_run(COLLECT_BATCH)
    assert isinstance(graph.get(dg.AssetKey("items")).partitions_def, dg.DailyPartitionsDefinition)


def test_jobs_and_sensors(defs):
    assert defs.resolve_job_def("collect_rss") is not None
    assert defs.resolve_job_def("refine_and_publish") is not None
    names = {s.name for s in defs.sensors or []}
    assert {"catalogue_sensor", "publish_after_collect"} <= names


def test_enrich_steps_share_one_pool_and_never_feed_collect_or_refine(defs):
    graph = defs.resolve_asset_graph()
    enrich = [
        k for k in graph.get_all_asset_keys() if EXPECTED_GROUPS[k.to_user_string()] == "enrich"
    ]
    assert len(enrich) == 3
    by_key = {k: a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) for k in a.keys}
    for key in enrich:
        assert by_key[key].op.pool == "riverbed_enrich", key
        # AI steps never block the collect/refine path: nothing there depends on them
        for child in graph.get(key).child_keys:
            assert EXPECTED_GROUPS[child.to_user_string()] in {"enrich", "publish"}, child
    job = defs.resolve_job_def("refine_and_publish")
    assert set(enrich) <= set(job.asset_layer.executable_asset_keys)
