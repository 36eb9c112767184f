"""The Dagster code location loads, and every asset explains itself in the UI."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.freshness import TimeWindowFreshnessPolicy

import riverbed.defs
from riverbed.definitions import build_definitions
from riverbed.defs.collect import COLLECT_BATCH
from riverbed.lake.schemas import ITEMS, TABLES
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


def test_every_asset_links_to_the_file_that_defines_it(defs):
    defs_dir = Path(riverbed.defs.__file__).parent
    for spec in defs.resolve_all_asset_specs():
        refs = spec.metadata["dagster/code_references"].code_references
        assert refs, spec.key
        for ref in refs:
            assert isinstance(ref, dg.LocalFileCodeReference), spec.key
            path = Path(ref.file_path)
            assert path.parent == defs_dir and path.is_file(), (spec.key, path)
            assert ref.line_number and ref.line_number > 0


@pytest.mark.parametrize(
    "url, platform, base",
    [
        (
            "https://git.example.org/team/riverbed/",
            "",
            "https://git.example.org/team/riverbed/tree",
        ),
        (
            "https://gitlab.example.org/team/riverbed",
            "",
            "https://gitlab.example.org/team/riverbed/-/tree",
        ),
        ("https://code.example.org/riverbed", "gitlab", "https://code.example.org/riverbed/-/tree"),
    ],
)
def test_code_references_link_to_git_when_a_repository_url_is_set(monkeypatch, url, platform, base):
    monkeypatch.setenv("RIVERBED_GIT_URL", url)
    monkeypatch.setenv("RIVERBED_GIT_BRANCH", "release")
    monkeypatch.setenv("RIVERBED_GIT_PLATFORM", platform)
    defs = build_definitions()
    for spec in defs.resolve_all_asset_specs():
        (ref,) = spec.metadata["dagster/code_references"].code_references
        assert isinstance(ref, dg.UrlCodeReference), spec.key
        assert ref.url.startswith(f"{base}/release/src/riverbed/defs/"), ref.url
        assert "#L" in ref.url


def test_every_asset_declares_its_table_schema(defs):
    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        declared = ITEMS if name.endswith("_items") else TABLES[name][0]
        columns = spec.metadata["dagster/column_schema"].columns
        assert [(c.name, c.type) for c in columns] == [(f.name, str(f.type)) for f in declared]


# check -> the assets that have it (besides, every table asset has unique_key and schema_drift)
CHECKS = {
    "not_empty": {
        "items",
        "stories",
        "articles",
        "embeddings",
        "topics",
        "enrichments",
        "digest",
        "source_health",
    },
    "no_failed_sources": {"source_health"},
    "error_rate": {"source_health"},
    "stale_sources": {"source_health"},
}


def test_every_named_check_exists(defs):
    checks = {
        (k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys
    }
    expected = {
        (asset, name) for asset in EXPECTED_GROUPS for name in ("unique_key", "schema_drift")
    }
    expected |= {(asset, name) for name, assets in CHECKS.items() for asset in assets}
    assert checks == expected


def test_stories_checks_block_the_digest_except_emptiness(defs):
    graph = defs.resolve_asset_graph()
    blocking = {
        (k.asset_key.to_user_string(), k.name)
        for k in graph.asset_check_keys
        if graph.get_check_spec(k).blocking
    }
    assert blocking == {("stories", "unique_key"), ("stories", "schema_drift")}


def test_daily_assets_have_a_freshness_policy_and_collect_assets_none(defs):
    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        policy = spec.freshness_policy
        if EXPECTED_GROUPS[name] == "collect":
            # per source: the stale_sources check, not a per-asset policy
            assert policy is None, name
        else:
            assert isinstance(policy, TimeWindowFreshnessPolicy), name
            assert policy.warn_window is not None
            assert policy.warn_window.to_timedelta() < policy.fail_window.to_timedelta()


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
