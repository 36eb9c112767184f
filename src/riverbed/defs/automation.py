"""Jobs and sensors: what the Dagster daemon does when `riverbed ui` runs.

The catalogue sensor re-reads `sources.yaml` on every tick (no code reload when it changes),
keeps each kind's dynamic partitions equal to the catalogue's slots (source ids, or hash
buckets of a kind's sources past `settings.source_buckets_above`: `riverbed.core.slots`), and
requests collect runs — batches of about `COLLECT_BATCH` sources — for the slots holding
sources that are due by their own `every` (the step collects only those). When a collect
run succeeds, the daily refine/publish job runs for that day.
"""

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from riverbed.core.slots import slot_map, slot_order
from riverbed.defs.collect import COLLECT_BATCH, KINDS
from riverbed.defs.partitions import collect_key
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.pipeline.collect import SourceState
from riverbed.pipeline.schedule import contiguous_ranges, is_due

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"

# Run retries (the daemon re-launches a failed run from the failed step; `run_retries` must be
# enabled in dagster.yaml): a crashed worker or a lost node, not a failing source.
RUN_RETRIES = {"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"}

collect_jobs = {
    kind: dg.define_asset_job(
        f"collect_{kind}",
        selection=dg.AssetSelection.assets(f"{kind}_items"),
        description=f"Collect a batch of due `{kind}` sources for a day, in one step.",
        tags=RUN_RETRIES,
    )
    for kind in KINDS
}

daily_job = dg.define_asset_job(
    "refine_and_publish",
    selection=dg.AssetSelection.groups("refine", "enrich", "publish"),
    description="Items, stories, history tables, enrichments and the digest of one day.",
    tags=RUN_RETRIES,
)


def range_tags(date: str, first: str, last: str) -> dict[str, str]:
    return {RANGE_START: collect_key(date, first), RANGE_END: collect_key(date, last)}


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    jobs=list(collect_jobs.values()),
    description="Re-reads sources.yaml, syncs source partitions, and collects due sources.",
)
def catalogue_sensor(
    context: dg.SensorEvaluationContext, catalogue: CatalogueResource, lake: LakeResource
) -> dg.SensorResult:
    now = datetime.now(UTC)
    date = now.date().isoformat()
    cat = catalogue.load()
    by_kind: dict[str, list[Any]] = {}
    for source in cat.sources:
        by_kind.setdefault(source.kind, []).append(source)
    above = cat.settings.source_buckets_above
    state = SourceState(lake.lake)
    partition_requests: list[
        dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest
    ] = []
    run_requests = []
    for kind in KINDS:
        name = f"{kind}_sources"
        ids = [s.id for s in by_kind.get(kind, [])]
        slot_of = slot_map(ids, above)
        wanted = slot_order(ids, above)
        have = list(context.instance.get_dynamic_partitions(name))
        added = [i for i in wanted if i not in have]
        removed = [i for i in have if i not in wanted]
        if added:
            partition_requests.append(dg.AddDynamicPartitionsRequest(name, added))
        if removed:
            partition_requests.append(dg.DeleteDynamicPartitionsRequest(name, removed))
        order = [i for i in have if i in wanted] + added
        due = {s.id for s in by_kind.get(kind, []) if is_due(s.every_td, state.load(s.id), now)}
        # a batch is about COLLECT_BATCH sources: fewer slots per run when a slot is a bucket
        per_slot = max(1, -(-len(ids) // max(1, len(wanted))))
        batch = max(1, COLLECT_BATCH // per_slot)
        for first, last in contiguous_ranges(order, {slot_of[i] for i in due}, max_len=batch):
            run_requests.append(
                dg.RunRequest(
                    job_name=f"collect_{kind}",
                    run_key=f"{kind}:{date}:{first}:{last}:{now:%Y%m%dT%H%M}",
                    tags=range_tags(date, first, last),
                    run_config={"ops": {f"{kind}_items": {"config": {"due_only": True}}}},
                )
            )
    return dg.SensorResult(
        run_requests=run_requests, dynamic_partitions_requests=partition_requests
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=list(collect_jobs.values()),
    request_job=daily_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a collect run succeeds, refine and publish its day.",
)
def publish_after_collect(context: dg.RunStatusSensorContext) -> dg.RunRequest | None:
    start = context.dagster_run.tags.get(RANGE_START) or ""
    date = start.split("|")[0]
    if not date:
        return None
    return dg.RunRequest(run_key=f"daily:{context.dagster_run.run_id}", partition_key=date)
