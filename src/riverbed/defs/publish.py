"""Publish group: the ranked, rendered digest and per-source health."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow as pa

from riverbed.defs.checks import (
    ERROR_RATE,
    NO_FAILED_SOURCES,
    NOT_EMPTY,
    SCHEMA_DRIFT,
    STALE_SOURCES,
    UNIQUE_KEY,
    daily_schema_drift,
    error_rate_result,
    not_empty_result,
    per_source_markdown,
    preview_markdown,
    specs,
    stale_rows,
    stale_sources_result,
    unique_key_result,
)
from riverbed.defs.collect import KINDS
from riverbed.defs.executors import DAY_SIZED
from riverbed.defs.io import input_columns, lazy_input
from riverbed.defs.partitions import daily
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake.journal import Journal
from riverbed.lake.store import TableSource
from riverbed.pipeline.publish import (
    DIGEST_READS,
    digest_rows,
    digest_table,
    public_base,
    publish,
)
from riverbed.pipeline.refine import history_table

OWNERS = ["team:riverbed"]
# Where `<lake>/published/` is served, e.g. https://news.example.org/riverbed/ (optional):
# the feeds then carry their own URL and their page's.
PUBLIC_URL_ENV = "RIVERBED_PUBLIC_URL"


@dg.asset(
    group_name="publish",
    kinds={"python", "parquet", "html"},
    check_specs=specs("digest", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
    op_tags=DAY_SIZED,
    # the stories: read for ranking's fields, then a batch at a time for the kept rows
    ins={
        "stories": lazy_input(),
        **{name: input_columns(*columns) for name, columns in DIGEST_READS.items()},
    },
)
def digest(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    stories: TableSource,
    articles: pa.Table,
    enrichments: pa.Table,
    topics: pa.Table,
    item_metrics: pa.Table,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """The day's digest: stories ranked by recency, independent sources, engagement velocity
    (from `item_metrics`, normalised per source) and interest (formula in `core/ranking.py`),
    grouped by topic, each with its summary, keywords, every discussion link and why it is
    there; rendered as HTML, Markdown, RSS 2.0 and JSON Feed 1.1 under
    `published/digest/<date>/`, plus stable latest-digest and per-tag feeds
    (`published/tags/<tag>/`). Set `RIVERBED_PUBLIC_URL` to where `published/` is served for
    feeds that name their own URL."""
    date = context.partition_key
    rows = digest_rows(
        stories,
        date,
        articles=articles,
        enrichments=enrichments,
        topics=topics,
        item_metrics=item_metrics,
    )
    try:
        public_url = public_base(os.environ.get(PUBLIC_URL_ENV))
    except ValueError as exc:
        raise ValueError(f"{PUBLIC_URL_ENV}: {exc}") from exc
    written = publish(lake.lake, rows, date, public_url=public_url)
    table = digest_table(rows)
    yield dg.Output(
        table,
        metadata={
            "digest_url": dg.MetadataValue.url(published_url(written["index.html"])),
            "digest_html": dg.MetadataValue.path(written["index.html"]),
            "feed_rss": dg.MetadataValue.path(written["feed.xml"]),
            "stories": dg.MetadataValue.int(table.num_rows),
            "topics": dg.MetadataValue.int(len({r["topic_id"] for r in rows if r.get("topic_id")})),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["rank", "topic_label", "title", "why"])
            ),
        },
    )
    yield unique_key_result(table, ["digest_date", "story_id"], "digest")
    yield not_empty_result(table, "digest")
    yield daily_schema_drift(lake.lake, "digest", date)


def published_url(path: str) -> str:
    """A link the UI can open: `file://` for a local lake, the object's URL otherwise."""
    return path if "://" in path else Path(path).absolute().as_uri()


@dg.asset(
    group_name="publish",
    kinds={"python", "parquet"},
    deps=[f"{k}_items" for k in KINDS],
    check_specs=specs(
        "source_health",
        UNIQUE_KEY,
        NOT_EMPTY,
        SCHEMA_DRIFT,
        NO_FAILED_SOURCES,
        ERROR_RATE,
        STALE_SOURCES,
    ),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
)
def source_health(
    context: dg.AssetExecutionContext, lake: LakeResource, catalogue: CatalogueResource
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """One row per (source, run) of the day: status (ok, failed, not_modified), items seen and
    new, latency, bytes, last success and error. The materialisation shows a per-source table
    (failed sources first) and plots the day's items new, error rate, latency and bytes;
    checks flag failed sources, the error rate (warn / error thresholds) and stale sources."""
    date = context.partition_key
    table = history_table(Journal(lake.lake), "source_health", date)
    rows = table.to_pylist()
    latest = {row["source_id"]: row for row in rows}  # rows are chronological
    ordered = sorted(latest.values(), key=lambda r: r["source_id"])
    failed = [r["source_id"] for r in ordered if r["status"] == "failed"]
    latencies = sorted(r["latency_ms"] for r in ordered if r["latency_ms"] is not None)
    stale = stale_rows(lake.lake, catalogue.load().sources, datetime.now(UTC))
    yield dg.Output(
        table,
        metadata={
            "sources": dg.MetadataValue.int(len(ordered)),
            "sources_failed": dg.MetadataValue.int(len(failed)),
            "sources_stale": dg.MetadataValue.int(len(stale)),
            "error_rate": dg.MetadataValue.float(round(len(failed) / max(len(ordered), 1), 4)),
            # every run of the day: what was new and what it cost
            "items_new": dg.MetadataValue.int(sum(r["items_new"] or 0 for r in rows)),
            "bytes": dg.MetadataValue.int(sum(r["bytes"] or 0 for r in rows)),
            # the sources' latest attempts: the typical source's response time
            "latency_ms": dg.MetadataValue.int(latencies[len(latencies) // 2] if latencies else 0),
            "per_source": dg.MetadataValue.md(per_source_markdown(ordered)),
        },
    )
    yield unique_key_result(table, ["health_key"], "source_health")
    # no collect run that day yet, or none journaled: a warning, the day may still come
    yield not_empty_result(table, "source_health", dg.AssetCheckSeverity.WARN)
    yield daily_schema_drift(lake.lake, "source_health", date)
    yield dg.AssetCheckResult(
        asset_key="source_health",
        check_name=NO_FAILED_SOURCES,
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed": ", ".join(failed[:50])},
    )
    yield error_rate_result(failed, len(ordered), "source_health")
    yield stale_sources_result(stale, "source_health")
