"""Jobs and sensors: what the Dagster daemon does when `riverbed ui` runs.

The catalogue sensor re-reads `sources.yaml` on every tick (no code reload when it changes),
keeps each kind's dynamic partitions equal to the catalogue, and requests a collect run for
the sources that are due by their own `every`. When a collect run succeeds, the daily
refine/publish job runs for that day.
"""

from datetime import UTC, datetime

import dagster as dg

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
    by_kind = {k: [s for s in v] for k, v in catalogue.sources_by_kind().items()}
    state = SourceState(lake.lake)
    partition_requests: list[
        dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest
    ] = []
    run_requests = []
    for kind in KINDS:
        name = f"{kind}_sources"
        ids = [s.id for s in by_kind.get(kind, [])]
        have = list(context.instance.get_dynamic_partitions(name))
        added = [i for i in ids if i not in have]
        removed = [i for i in have if i not in ids]
        if added:
            partition_requests.append(dg.AddDynamicPartitionsRequest(name, added))
        if removed:
            partition_requests.append(dg.DeleteDynamicPartitionsRequest(name, removed))
        order = [i for i in have if i in ids] + added
        due = {s.id for s in by_kind.get(kind, []) if is_due(s.every_td, state.load(s.id), now)}
        for first, last in contiguous_ranges(order, due, max_len=COLLECT_BATCH):
            run_requests.append(
                dg.RunRequest(
                    job_name=f"collect_{kind}",
                    run_key=f"{kind}:{date}:{first}:{last}:{now:%Y%m%dT%H%M}",
                    tags=range_tags(date, first, last),
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
