"""The catalogue sensor: due sources from each source's `every`, partitions kept equal to the
catalogue, and catalogue edits picked up without reloading any code."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest

from riverbed.defs.automation import RANGE_END, RANGE_START, catalogue_sensor
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake import Lake
from riverbed.pipeline.collect import SourceState


def _write(path, ids_every):
    lines = ["sources:"]
    for sid, every in ids_every:
        lines.append(
            f"  - {{id: {sid}, kind: rss, url: 'http://{sid}.example/feed', every: {every}}}"
        )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def setup(tmp_path):
    catalogue = tmp_path / "sources.yaml"
    lake_uri = str(tmp_path / "lake")
    instance = dg.DagsterInstance.ephemeral()
    resources = {
        "catalogue": CatalogueResource(path=str(catalogue)),
        "lake": LakeResource(uri=lake_uri),
    }

    def evaluate() -> dg.SensorResult:
        ctx = dg.build_sensor_context(instance=instance, resources=resources)
        result = catalogue_sensor(ctx)
        for req in result.dynamic_partitions_requests or []:  # what the daemon would apply
            if isinstance(req, dg.AddDynamicPartitionsRequest):
                instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
            else:
                for key in req.partition_keys:
                    instance.delete_dynamic_partition(req.partitions_def_name, key)
        return result

    return catalogue, Lake(lake_uri), instance, evaluate


def _ranges(result: dg.SensorResult) -> list[tuple[str, str]]:
    return [
        (r.tags[RANGE_START].split("|")[1], r.tags[RANGE_END].split("|")[1])
        for r in result.run_requests or []
    ]


def test_new_sources_are_added_and_all_due(setup):
    catalogue, _, instance, evaluate = setup
    _write(catalogue, [("a", "1h"), ("b", "1h"), ("c", "1h")])
    result = evaluate()
    assert instance.get_dynamic_partitions("rss_sources") == ["a", "b", "c"]
    assert _ranges(result) == [("a", "c")]
    today = datetime.now(UTC).date().isoformat()
    assert result.run_requests[0].tags[RANGE_START] == f"{today}|a"
    assert result.run_requests[0].job_name == "collect_rss"


def test_only_due_sources_are_requested_as_contiguous_ranges(setup):
    catalogue, lake, _, evaluate = setup
    _write(catalogue, [("a", "1h"), ("b", "1d"), ("c", "1h")])
    evaluate()
    now = datetime.now(UTC).isoformat()
    for sid in ("a", "b", "c"):
        SourceState(lake).save(sid, {"last_attempt_at": now})
    assert _ranges(evaluate()) == []
    SourceState(lake).save("a", {"last_attempt_at": "2020-01-01T00:00:00+00:00"})
    SourceState(lake).save("c", {"last_attempt_at": "2020-01-01T00:00:00+00:00"})
    assert _ranges(evaluate()) == [("a", "a"), ("c", "c")]


def test_catalogue_edits_need_no_code_reload(setup):
    catalogue, _, instance, evaluate = setup
    _write(catalogue, [("a", "1h"), ("b", "1h")])
    evaluate()
    _write(catalogue, [("a", "1h"), ("d", "1h")])
    result = evaluate()
    assert instance.get_dynamic_partitions("rss_sources") == ["a", "d"]
    assert _ranges(result) == [("a", "d")]


def test_a_large_catalogue_is_requested_in_batches_one_run_each(setup, monkeypatch):
    catalogue, _, _, evaluate = setup
    monkeypatch.setattr("riverbed.defs.automation.COLLECT_BATCH", 2)
    _write(catalogue, [(s, "1h") for s in "abcde"])
    result = evaluate()
    assert _ranges(result) == [("a", "b"), ("c", "d"), ("e", "e")]
    assert len({r.run_key for r in result.run_requests}) == 3


def test_platform_kinds_have_a_pool_and_collect_steps_retry():
    from riverbed.defs.collect import COLLECT_BATCH, collect_assets

    by_kind = {a.key.to_user_string().removesuffix("_items"): a for a in collect_assets}
    for kind in ("hackernews", "reddit", "lobsters", "arxiv", "github_trending", "youtube"):
        (op,) = by_kind[kind].node_def.iterate_op_defs()
        assert op.pool == f"riverbed_{kind}"
    for kind in ("rss", "html", "json_api"):  # many hosts, paced per host by the fetch layer
        (op,) = by_kind[kind].node_def.iterate_op_defs()
        assert op.pool is None
    for asset in collect_assets:
        assert asset.backfill_policy == dg.BackfillPolicy.multi_run(COLLECT_BATCH)
        (op,) = asset.node_def.iterate_op_defs()
        assert op.retry_policy is not None and op.retry_policy.max_retries >= 1
