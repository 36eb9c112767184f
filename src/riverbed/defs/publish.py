"""Publish group: the ranked, rendered digest and per-source health."""

import os
from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from riverbed.defs.checks import (
    NOT_EMPTY,
    UNIQUE_KEY,
    not_empty_result,
    per_source_markdown,
    preview_markdown,
    specs,
    unique_key_result,
)
from riverbed.defs.collect import KINDS
from riverbed.defs.partitions import daily
from riverbed.defs.resources import LakeResource
from riverbed.lake.journal import Journal
from riverbed.pipeline.publish import digest_rows, digest_table, public_base, publish
from riverbed.pipeline.refine import history_table

OWNERS = ["team:riverbed"]
# Where `<lake>/published/` is served, e.g. https://news.example.org/riverbed/ (optional):
# the feeds then carry their own URL and their page's.
PUBLIC_URL_ENV = "RIVERBED_PUBLIC_URL"


@dg.asset(
    group_name="publish",
    kinds={"python", "parquet", "html"},
    check_specs=specs("digest", UNIQUE_KEY, NOT_EMPTY),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
)
def digest(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    stories: pa.Table,
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
            "digest_html": dg.MetadataValue.path(written["index.html"]),
            "feed_rss": dg.MetadataValue.path(written["feed.xml"]),
            "topics": len({r["topic_id"] for r in rows if r.get("topic_id")}),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["rank", "topic_label", "title", "why"])
            ),
        },
    )
    yield unique_key_result(table, ["digest_date", "story_id"], "digest")
    yield not_empty_result(table, "digest")


@dg.asset(
    group_name="publish",
    kinds={"python", "parquet"},
    deps=[f"{k}_items" for k in KINDS],
    check_specs=[
        *specs("source_health", UNIQUE_KEY),
        dg.AssetCheckSpec(
            "no_failed_sources",
            asset="source_health",
            description="Every source's latest attempt of the day succeeded.",
        ),
    ],
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=OWNERS,
)
def source_health(
    context: dg.AssetExecutionContext, lake: LakeResource
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """One row per (source, run) of the day: status (ok, failed, not_modified), items seen and
    new, latency, bytes, last success and error. The materialisation shows a per-source table."""
    table = history_table(Journal(lake.lake), "source_health", context.partition_key)
    latest = {row["source_id"]: row for row in table.to_pylist()}  # rows are chronological
    ordered = sorted(latest.values(), key=lambda r: r["source_id"])
    failed = [r["source_id"] for r in ordered if r["status"] == "failed"]
    n = max(len(ordered), 1)
    yield dg.Output(
        table,
        metadata={
            "sources": len(ordered),
            "sources_failed": len(failed),
            "error_rate": round(len(failed) / n, 4),
            "per_source": dg.MetadataValue.md(per_source_markdown(ordered)),
        },
    )
    yield unique_key_result(table, ["health_key"], "source_health")
    yield dg.AssetCheckResult(
        asset_key="source_health",
        check_name="no_failed_sources",
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed": ", ".join(failed[:50])},
    )
