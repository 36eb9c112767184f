"""Collect group: one asset per source kind, partitioned by day x slot.

A slot is a source id, or — in a kind with more than `settings.source_buckets_above`
sources — one of 64 hash buckets of its sources (`riverbed.core.slots`), so a run of
thousands of sources materialises tens of partitions, not thousands. A run materialises a
range of a kind's slots in ONE step, which fans out over their sources concurrently inside
the process; the work itself is `pipeline.collect.collect`.

Scale-out: work is split into batches of at most `COLLECT_BATCH` sources (env
`RIVERBED_COLLECT_BATCH`, default 200) -- a backfill launches one run per batch
(`BackfillPolicy.multi_run`), the catalogue sensor requests one run per batch -- so the
run queue hands batches to as many workers (Celery, Kubernetes) as there are. Platform APIs
(HN, Reddit, ...) each have a concurrency pool `riverbed_<kind>`, limited by the instance
(`concurrency.pools.default_limit`), so parallel runs never hit one API at once.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pyarrow as pa

from riverbed import settings
from riverbed.core.catalogue.models import PLATFORM_KINDS
from riverbed.core.slots import members, slot_map
from riverbed.defs.checks import (
    SCHEMA_DRIFT,
    UNIQUE_KEY,
    preview_markdown,
    schema_drift_result,
    specs,
    unique_key_result,
)
from riverbed.defs.partitions import collect_partitions
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake.lease import leased, slot_lease
from riverbed.lake.schemas import ITEMS
from riverbed.lake.state import SourceState
from riverbed.pipeline.collect import SourceReport, collect
from riverbed.pipeline.schedule import is_due
from riverbed.sources.registry import COLLECTORS

KINDS = list(COLLECTORS)
COLLECT_BATCH = settings.count("RIVERBED_COLLECT_BATCH")

# Transient step failures (lake I/O, a killed worker process) are retried; a source failing is
# not a step failure (it is recorded and retried with backoff by later runs).
# `RIVERBED_COLLECT_RETRY_DELAY_S` (default 5 s, then 10 s) shortens the wait, e.g. in tests.
COLLECT_RETRY = dg.RetryPolicy(
    max_retries=2,
    delay=settings.number("RIVERBED_COLLECT_RETRY_DELAY_S"),
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)


def pool_for(kind: str) -> str | None:
    """The concurrency pool of a kind: platform APIs have one; feeds and pages spread over
    many hosts are paced per host by the fetch layer instead."""
    return f"riverbed_{kind}" if kind in PLATFORM_KINDS else None


class CollectConfig(dg.Config):
    replay: bool = False
    """Rebuild the partitions from that day's stored raw responses (bronze), no network."""
    due_only: bool = False
    """Collect only the sources of the chosen slots that are due by their `every` (runs made
    by `riverbed run` and the catalogue sensor); by default every source of the slots."""


def build_collect_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{kind}_items",
        group_name="collect",
        partitions_def=collect_partitions(kind),
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=COLLECT_BATCH),
        retry_policy=COLLECT_RETRY,
        kinds={"python", "parquet"},
        owners=["team:riverbed"],
        tags={"riverbed/kind": kind},
        pool=pool_for(kind),
        check_specs=specs(f"{kind}_items", UNIQUE_KEY, SCHEMA_DRIFT),
        description=(
            f"Items of every `{kind}` source, one partition per (day, source) — or per (day, "
            "bucket of sources) when the kind has many sources. Re-running a partition "
            "merges: items seen earlier that day survive a feed's moving window, nothing is "
            "duplicated. Raw responses are kept in bronze (`raw/`)."
        ),
        io_manager_key="lake_io",
    )
    def _collect(
        context: dg.AssetExecutionContext,
        config: CollectConfig,
        lake: LakeResource,
        catalogue: CatalogueResource,
    ) -> Iterator[dg.Output[dict[str, pa.Table]] | dg.AssetCheckResult]:
        cat = catalogue.load()
        by_id = {s.id: s for s in cat.sources if s.kind == kind}
        settings = cat.settings
        slot_of = slot_map(list(by_id), settings.source_buckets_above)
        wanted: dict[str, list[str]] = defaultdict(list)
        for key in context.partition_keys:
            date, _, slot = str(key).partition("|")  # dimensions in name order
            wanted[date].append(slot)

        name = f"{kind}_items"
        # one lease per slot, held from reading its partition and its sources' state until
        # the IO manager has written them back (it runs inside the `yield` of the Output
        # below): a second run collecting the same slot waits, then merges into this result
        held = sorted({slot for slots in wanted.values() for slot in slots})
        state = SourceState(lake.lake)
        now = datetime.now(UTC)
        with leased(lake.lake, [slot_lease(kind, s) for s in held], context.run.run_id):
            outputs: dict[str, pa.Table] = {}
            stored = []  # where the IO manager writes each partition (the schema check reads it)
            reports: list[SourceReport] = []
            results = []
            for date, slots in sorted(wanted.items()):
                in_slots = members(slot_of, slots)
                unknown = [s for s in slots if s not in in_slots]
                if unknown:
                    context.log.warning(
                        f"no source of the catalogue in these partitions, left as they are: "
                        f"{unknown}"
                    )
                sources = [by_id[i] for s in slots for i in in_slots.get(s, [])]
                if config.due_only:
                    sources = [s for s in sources if is_due(s.every_td, state.load(s.id), now)]
                result = collect(
                    lake.lake,
                    sources,
                    settings,
                    date,
                    context.run.run_id,
                    replay=config.replay,
                    slots=slot_of,
                    known=set(by_id),
                )
                results.append(result)
                reports.extend(result.reports)
                for slot, table in result.tables.items():
                    outputs[str(dg.MultiPartitionKey({"date": date, "source": slot}))] = table
                    stored.append(lake.lake.partition_path(name, {"date": date, "source": slot}))
                # each partition's materialisation shows its own source (or bucket's sources)
                by_slot: dict[str, list[SourceReport]] = defaultdict(list)
                for r in result.reports:
                    by_slot[slot_of[r.source_id]].append(r)
                for slot, slot_reports in by_slot.items():
                    table = result.tables.get(slot)
                    meta = slot_metadata(slot, slot_reports)
                    if table is not None:  # its own rows, not the batch's (the IO manager's count)
                        meta["dagster/row_count"] = dg.MetadataValue.int(table.num_rows)
                    context.add_asset_metadata(
                        meta, partition_key=dg.MultiPartitionKey({"date": date, "source": slot})
                    )
            failed = [r for r in reports if r.status == "failed"]
            for r in failed:
                context.log.warning(f"source {r.source_id} failed: {r.error_kind}: {r.message}")
            yield dg.Output(
                outputs,
                metadata={  # the batch this run collected (per-source: source_health's table)
                    "batch_sources": dg.MetadataValue.int(len(reports)),
                    "batch_sources_failed": dg.MetadataValue.int(len(failed)),
                    "batch_error_rate": dg.MetadataValue.float(
                        round(len(failed) / len(reports), 4) if reports else 0.0
                    ),
                    "batch_items_new": dg.MetadataValue.int(sum(r.items_new or 0 for r in reports)),
                    "batch_bytes": dg.MetadataValue.int(sum(r.bytes or 0 for r in reports)),
                    "batch_http_statuses": dg.MetadataValue.json(_status_counts(reports)),
                    "replay": config.replay,
                    "preview": dg.MetadataValue.md(
                        preview_markdown(
                            pa.concat_tables(list(outputs.values()))
                            if outputs
                            else ITEMS.empty_table(),
                            ["source_id", "title", "canonical_url", "published_at"],
                        )
                    ),
                },
            )
            # the IO manager has stored the partitions when the generator resumes here: only
            # now may rows that moved slot leave their old one, and the sources' state say
            # they were collected (a kill before this re-fetches them); still under the
            # slots' leases (the state is read-merge-written too)
            for result in results:
                result.finish(lake.lake)
        # item ids hash the source id in: unique within each (day, source) partition and
        # across the batch alike
        batch = [t for t in outputs.values() if t.num_rows]
        yield unique_key_result(
            pa.concat_tables(batch) if batch else ITEMS.empty_table(), ["item_id"], name
        )
        yield schema_drift_result(stored, ITEMS, name)

    return _collect


def slot_metadata(slot: str, reports: list[SourceReport]) -> dict[str, Any]:
    """A partition's numbers: its source's own, or a bucket's totals over its sources."""
    if len(reports) == 1 and reports[0].source_id == slot:
        return source_metadata(reports[0])
    failed = [r for r in reports if r.status == "failed"]
    meta: dict[str, Any] = {
        "sources": dg.MetadataValue.int(len(reports)),
        "failed": dg.MetadataValue.int(len(failed)),
        "items_seen": dg.MetadataValue.int(sum(r.items_seen for r in reports)),
        "items_new": dg.MetadataValue.int(sum(r.items_new for r in reports)),
        "items_updated": dg.MetadataValue.int(sum(r.items_updated for r in reports)),
        "bytes": dg.MetadataValue.int(sum(r.bytes for r in reports)),
    }
    if failed:
        meta["failed_sources"] = dg.MetadataValue.json(sorted(r.source_id for r in failed))
    return meta


def source_metadata(r: SourceReport) -> dict[str, Any]:
    """One source's numbers on its partition's materialisation (the UI plots them over time)."""
    meta: dict[str, Any] = {"status": r.status}
    numbers = {
        "items_seen": r.items_seen,
        "items_new": r.items_new,
        "items_updated": r.items_updated,
        "latency_ms": r.latency_ms,
        "bytes": r.bytes,
        "http_status": r.http_status,
    }
    # typed ints, so the UI plots each over the partition's materialisations (a value that
    # is unknown, e.g. items_updated on a failure, is left out rather than plotted as 0)
    meta.update({k: dg.MetadataValue.int(v) for k, v in numbers.items() if v is not None})
    meta["failed"] = dg.MetadataValue.int(int(r.status == "failed"))
    if r.error_kind:
        meta["error"] = f"{r.error_kind}: {r.message or ''}"[:500]
    return meta


def _status_counts(reports: list[SourceReport]) -> dict[str, int]:
    """How many sources ended on each HTTP status ("none": no response at all)."""
    counts: dict[str, int] = defaultdict(int)
    for r in reports:
        counts[str(r.http_status) if r.http_status is not None else "none"] += 1
    return dict(sorted(counts.items()))


collect_assets = [build_collect_asset(kind) for kind in KINDS]
