"""Refine group: the day's items, engagement history, stories, and the history tables."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from riverbed.defs.checks import (
    NOT_EMPTY,
    SCHEMA_DRIFT,
    UNIQUE_KEY,
    daily_schema_drift,
    not_empty_result,
    preview_markdown,
    specs,
    unique_key_result,
)
from riverbed.defs.collect import KINDS
from riverbed.defs.executors import DAY_SIZED
from riverbed.defs.io import input_columns, lazy_input
from riverbed.defs.partitions import daily
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ITEM_METRICS, TABLES
from riverbed.lake.store import TableSource
from riverbed.pipeline.refine import (
    METRIC_ITEM_FIELDS,
    history_table,
    item_metrics_table,
    items_table,
)
from riverbed.pipeline.stories import stories_table

COLLECT_INPUTS = {
    f"{kind}_items": dg.AssetIn(
        key=f"{kind}_items",
        partition_mapping=dg.MultiToSingleDimensionPartitionMapping(
            partition_dimension_name="date"
        ),
    )
    for kind in KINDS
}
OWNERS = ["team:riverbed"]
# A broken `stories` (duplicate ids, a drifted schema) must not reach the digest: these checks
# fail its step, so nothing downstream runs. An empty day is not broken (all sources down is
# exit 1, not a failed run): `not_empty` stays non-blocking, and the digest's own check shows it.
STORIES_BLOCKING = (UNIQUE_KEY, SCHEMA_DRIFT)


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    ins=COLLECT_INPUTS,
    check_specs=specs("items", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
    op_tags=DAY_SIZED,
)
def items(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    catalogue: CatalogueResource,
    **collected: pa.Table,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """Every item seen today in any source: one row per item (latest values), with its
    canonical URL, stable item_id, first/last seen times, engagement, and `hidden_by` when a
    keep/block rule of the catalogue hides it (hidden items stay here, nowhere downstream)."""
    table = items_table((t for t in collected.values() if t.num_rows), catalogue.load())
    # counted in Arrow: no Python string per item
    hidden = pc.sum(pc.not_equal(table.column("hidden_by"), "")).as_py() or 0
    yield dg.Output(
        table,
        metadata={
            "sources": dg.MetadataValue.int(pc.count_distinct(table.column("source_id")).as_py()),
            "hidden_by_rules": dg.MetadataValue.int(hidden),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["source_id", "title", "canonical_url", "published_at"])
            ),
        },
    )
    yield unique_key_result(table, ["item_id"], "items")
    yield not_empty_result(table, "items")
    yield daily_schema_drift(lake.lake, "items", context.partition_key)


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    check_specs=specs("item_metrics", UNIQUE_KEY, SCHEMA_DRIFT),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
    op_tags=DAY_SIZED,
    ins={"items": input_columns(*METRIC_ITEM_FIELDS)},
)
def item_metrics(
    context: dg.AssetExecutionContext, lake: LakeResource, items: pa.Table
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """History of every item's score and comment count, one row per (item, observation) --
    every collect run's observation, not just the latest -- so rising stories can be
    detected from it. Re-runs on unchanged data and replays add nothing."""
    date = context.partition_key
    path = lake.lake.partition_path("item_metrics", {"date": date})
    observed = Journal(lake.lake).read("item_metrics", date)
    table = item_metrics_table(lake.lake.read_table(path, ITEM_METRICS), observed, items)
    yield dg.Output(
        table,
        metadata={
            "items_observed": dg.MetadataValue.int(
                pc.count_distinct(table.column("item_id")).as_py() if table.num_rows else 0
            ),
            "observations_journaled": dg.MetadataValue.int(observed.num_rows),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["item_id", "source_id", "observed_at", "score"])
            ),
        },
    )
    yield unique_key_result(table, list(TABLES["item_metrics"][1]), "item_metrics")
    yield daily_schema_drift(lake.lake, "item_metrics", date)


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    check_specs=specs("stories", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT, blocking=STORIES_BLOCKING),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
    op_tags=DAY_SIZED,
    ins={"items": lazy_input()},  # read in Arrow, never all Python rows (`stories_table`)
)
def stories(
    context: dg.AssetExecutionContext, lake: LakeResource, items: TableSource
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """Real-world stories of the day: items merged across sources by exact canonical URL,
    each listing every discussion, its first-seen source and time. Hidden items are left out."""
    table = stories_table(items, context.partition_key)
    multi = sum(1 for n in table.column("n_sources").to_pylist() if n > 1) if table.num_rows else 0
    yield dg.Output(
        table,
        metadata={
            "stories_in_several_sources": dg.MetadataValue.int(multi),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["n_sources", "title", "first_source_id"])
            ),
        },
    )
    yield unique_key_result(table, ["story_id"], "stories")
    yield not_empty_result(table, "stories")
    yield daily_schema_drift(lake.lake, "stories", context.partition_key)


def _history_asset(name: str, description: str, group: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=name,
        group_name=group,
        kinds={"python", "parquet"},
        # every step that journals these records runs first (article fetches and errors too)
        deps=[*(f"{k}_items" for k in KINDS), "articles"],
        check_specs=specs(name, UNIQUE_KEY, SCHEMA_DRIFT),
        description=description,
        partitions_def=daily,
        io_manager_key="lake_io",
        owners=OWNERS,
    )
    def _history(
        context: dg.AssetExecutionContext, lake: LakeResource
    ) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
        table = history_table(Journal(lake.lake), name, context.partition_key)
        yield dg.Output(table, metadata=_history_metadata(name, table))
        yield unique_key_result(table, list(TABLES[name][1]), name)
        yield daily_schema_drift(lake.lake, name, context.partition_key)

    return _history


fetches = _history_asset(
    "fetches",
    "Every HTTP request made that day (one row per attempt): status, bytes, latency, whether "
    "the stored body was re-used (conditional GET), error kind. History: runs only add rows.",
    "refine",
)
errors = _history_asset(
    "errors",
    "Every failure of one thing that day (a source, an item, a page) with its contract "
    "error_kind and message. History: replaying the same stored response adds nothing.",
    "refine",
)


def _history_metadata(name: str, table: pa.Table) -> dict[str, Any]:
    """The numbers the UI plots for a history table, and a preview of its first rows."""
    rows = table.to_pylist() if table.num_rows else []
    if name == "fetches":
        latencies = sorted(r["elapsed_ms"] for r in rows if r["elapsed_ms"] is not None)
        return {
            "bytes": dg.MetadataValue.int(sum(r["bytes"] or 0 for r in rows)),
            "latency_ms_median": dg.MetadataValue.int(
                latencies[len(latencies) // 2] if latencies else 0
            ),
            "failed_requests": dg.MetadataValue.int(sum(1 for r in rows if r["error_kind"])),
            "preview": dg.MetadataValue.md(
                preview_markdown(
                    table, ["source_id", "url", "status", "bytes", "elapsed_ms", "error_kind"]
                )
            ),
        }
    stages = Counter(r["stage"] for r in rows)
    return {
        **{f"errors_{stage}": dg.MetadataValue.int(n) for stage, n in sorted(stages.items())},
        "preview": dg.MetadataValue.md(
            preview_markdown(table, ["stage", "source_id", "error_kind", "message"])
        ),
    }
