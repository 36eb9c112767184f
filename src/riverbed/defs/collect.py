"""Collect group: one asset per source kind, partitioned by day x source id.

A run materialises a whole range of a kind's source partitions in ONE step
(`BackfillPolicy.single_run()`), which fans out over the sources concurrently inside the
process; the work itself is `pipeline.collect.collect`.
"""

from collections import defaultdict
from dataclasses import asdict

import dagster as dg
import pyarrow as pa

from riverbed.defs.checks import per_source_markdown
from riverbed.defs.partitions import collect_partitions
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.pipeline.collect import SourceReport, collect
from riverbed.sources.registry import COLLECTORS

KINDS = list(COLLECTORS)


class CollectConfig(dg.Config):
    replay: bool = False
    """Rebuild the partitions from that day's stored raw responses (bronze), no network."""


def build_collect_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{kind}_items",
        group_name="collect",
        partitions_def=collect_partitions(kind),
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"python", "parquet"},
        owners=["team:riverbed"],
        tags={"riverbed/kind": kind},
        pool=f"riverbed_{kind}",
        description=(
            f"Items of every `{kind}` source, one partition per (day, source). Re-running a "
            "partition merges: items seen earlier that day survive a feed's moving window, "
            "nothing is duplicated. Raw responses are kept in bronze (`raw/`)."
        ),
        io_manager_key="lake_io",
    )
    def _collect(
        context: dg.AssetExecutionContext,
        config: CollectConfig,
        lake: LakeResource,
        catalogue: CatalogueResource,
    ) -> dg.Output[dict[str, pa.Table]]:
        by_id = {s.id: s for s in catalogue.load().sources if s.kind == kind}
        settings = catalogue.load().settings
        wanted: dict[str, list[str]] = defaultdict(list)
        for key in context.partition_keys:
            date, _, source_id = str(key).partition("|")  # dimensions in name order
            wanted[date].append(source_id)

        outputs: dict[str, pa.Table] = {}
        reports: list[SourceReport] = []
        for date, ids in sorted(wanted.items()):
            unknown = [i for i in ids if i not in by_id]
            if unknown:
                context.log.warning(f"not in the catalogue any more, left as they are: {unknown}")
            sources = [by_id[i] for i in ids if i in by_id]
            result = collect(
                lake.lake, sources, settings, date, context.run.run_id, replay=config.replay
            )
            reports.extend(result.reports)
            for sid, table in result.tables.items():
                outputs[str(dg.MultiPartitionKey({"date": date, "source": sid}))] = table
        failed = [r for r in reports if r.status == "failed"]
        for r in failed:
            context.log.warning(f"source {r.source_id} failed: {r.error_kind}: {r.message}")
        return dg.Output(
            outputs,
            metadata={
                "sources": len(reports),
                "sources_failed": len(failed),
                "items_seen": sum(r.items_seen for r in reports),
                "items_new": sum(r.items_new for r in reports),
                "bytes": sum(r.bytes for r in reports),
                "latency_ms_max": max((r.latency_ms for r in reports), default=0),
                "per_source": dg.MetadataValue.md(
                    per_source_markdown([asdict(r) for r in reports])
                ),
                "replay": config.replay,
            },
        )

    return _collect


collect_assets = [build_collect_asset(kind) for kind in KINDS]
