"""Refine group: the day's items, engagement history, stories, and the history tables."""

from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from riverbed.defs.checks import (
    NOT_EMPTY,
    UNIQUE_KEY,
    not_empty_result,
    preview_markdown,
    specs,
    unique_key_result,
)
from riverbed.defs.collect import KINDS
from riverbed.defs.partitions import daily
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ITEM_METRICS, TABLES
from riverbed.pipeline.refine import history_table, item_metrics_table, items_table, stories_table

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


def _schema_md(table: pa.Table) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in table.schema])


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    ins=COLLECT_INPUTS,
    check_specs=specs("items", UNIQUE_KEY, NOT_EMPTY),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
)
def items(
    context: dg.AssetExecutionContext, catalogue: CatalogueResource, **collected: pa.Table
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """Every item seen today in any source: one row per item (latest values), with its
    canonical URL, stable item_id, first/last seen times, engagement, and `hidden_by` when a
    keep/block rule of the catalogue hides it (hidden items stay here, nowhere downstream)."""
    table = items_table((t for t in collected.values() if t.num_rows), catalogue.load())
    hidden = sum(1 for h in table.column("hidden_by").to_pylist() if h) if table.num_rows else 0
    yield dg.Output(
        table,
        metadata={
            "dagster/column_schema": _schema_md(table),
            "sources": len(set(table.column("source_id").to_pylist())) if table.num_rows else 0,
            "hidden_by_rules": hidden,
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["source_id", "title", "canonical_url", "published_at"])
            ),
        },
    )
    yield unique_key_result(table, ["item_id"], "items")
    yield not_empty_result(table, "items")


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
)
def item_metrics(
    context: dg.AssetExecutionContext, lake: LakeResource, items: pa.Table
) -> pa.Table:
    """History of every item's score and comment count, one row per (item, observation) --
    every collect run's observation, not just the latest -- so rising stories can be
    detected from it. Re-runs on unchanged data and replays add nothing."""
    date = context.partition_key
    path = lake.lake.partition_path("item_metrics", {"date": date})
    observed = Journal(lake.lake).read("item_metrics", date)
    return item_metrics_table(lake.lake.read_table(path, ITEM_METRICS), observed, items)


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    check_specs=specs("stories", UNIQUE_KEY, NOT_EMPTY),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
)
def stories(
    context: dg.AssetExecutionContext, items: pa.Table
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """Real-world stories of the day: items merged across sources by exact canonical URL,
    each listing every discussion, its first-seen source and time. Hidden items are left out."""
    table = stories_table(items, context.partition_key)
    multi = sum(1 for n in table.column("n_sources").to_pylist() if n > 1) if table.num_rows else 0
    yield dg.Output(
        table,
        metadata={
            "dagster/column_schema": _schema_md(table),
            "stories_in_several_sources": multi,
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["n_sources", "title", "first_source_id"])
            ),
        },
    )
    yield unique_key_result(table, ["story_id"], "stories")
    yield not_empty_result(table, "stories")


def _history_asset(name: str, description: str, group: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=name,
        group_name=group,
        kinds={"python", "parquet"},
        # every step that journals these records runs first (article fetches and errors too)
        deps=[*(f"{k}_items" for k in KINDS), "articles"],
        check_specs=specs(name, UNIQUE_KEY),
        description=description,
        partitions_def=daily,
        io_manager_key="lake_io",
        owners=OWNERS,
    )
    def _history(
        context: dg.AssetExecutionContext, lake: LakeResource
    ) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
        table = history_table(Journal(lake.lake), name, context.partition_key)
        yield dg.Output(table, metadata={"dagster/column_schema": _schema_md(table)})
        yield unique_key_result(table, list(TABLES[name][1]), name)

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
