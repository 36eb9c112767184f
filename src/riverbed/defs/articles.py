"""The `articles` asset: the pages the day's stories link to, fetched and extracted.

A graph of three steps, so that distributed executors share the work:
  articles_plan     decides once what this run fetches (ranked stories first, within the
                    budget) and splits the targets into buckets by host
  articles_bucket   one step per bucket (dynamic fan-out): robots.txt, polite fetching,
                    extraction and host state for its hosts only
  articles_merge    the buckets' rows as the day's `articles` table
Buckets: `RIVERBED_ARTICLE_BUCKETS` (default 4). The work itself is `pipeline.articles`.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pyarrow as pa

from riverbed import settings
from riverbed.core.ranking import rank_stories
from riverbed.defs.checks import (
    NOT_EMPTY,
    SCHEMA_DRIFT,
    UNIQUE_KEY,
    not_empty_result,
    preview_markdown,
    schema_drift_check,
    specs,
    unique_key_result,
)
from riverbed.defs.executors import DAY_SIZED
from riverbed.defs.io import op_lazy_input
from riverbed.defs.partitions import daily
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake.schemas import ARTICLES, ITEMS
from riverbed.lake.store import TableSource, conform
from riverbed.pipeline.articles import (
    TARGET_ITEM_FIELDS,
    TARGET_STORY_FIELDS,
    ArticlePlan,
    ArticlesResult,
    Target,
    collect_planned,
    merge_results,
    plan_articles,
)
from riverbed.pipeline.rank import RANK_FIELDS, ranking_rows

ARTICLE_BUCKETS = settings.count("RIVERBED_ARTICLE_BUCKETS")

# A bucket's part of the plan, handed from step to step as Parquet like everything else.
PLAN_PART = pa.schema(
    [
        ("story_id", pa.string()),
        ("url", pa.string()),
        ("feed_text", pa.string()),
        ("source_id", pa.string()),
        ("action", pa.string()),  # fetch | defer | keep
        ("budget", pa.int64()),
        ("deferred_total", pa.int64()),
        ("replay", pa.bool_()),
        ("first", pa.bool_()),  # this bucket records the run-level budget note
    ]
)


class ArticlesConfig(dg.Config):
    replay: bool = False
    """Rebuild from the day's stored responses (bronze), no network."""
    buckets: int = 0
    """Steps to split the hosts into; 0: `RIVERBED_ARTICLE_BUCKETS` (default 4)."""


def articles_run_config(replay: bool, buckets: int = 0) -> dict[str, Any]:
    """Run config of the daily job for the articles graph. An in-process run gains nothing
    from buckets (its steps run one after the other, each starting its own extraction pool):
    it asks for one."""
    config = {"replay": replay, "buckets": buckets}
    return {"ops": {"articles": {"ops": {"articles_plan": {"config": config}}}}}


def _part_table(plan: ArticlePlan, *, replay: bool, first: bool, deferred_total: int) -> pa.Table:
    rows = [
        {
            "story_id": t.story_id,
            "url": t.url,
            "feed_text": t.feed_text,
            "source_id": t.source_id,
            "action": "fetch"
            if t.url in plan.fetch
            else "defer"
            if t.url in plan.deferred
            else "keep",
            "budget": plan.budget,
            "deferred_total": deferred_total,
            "replay": replay,
            "first": first,
        }
        for t in plan.targets
    ]
    if not rows:  # an empty bucket still says whether it is the first (the budget note)
        rows = [
            {
                "story_id": None,
                "url": None,
                "feed_text": None,
                "source_id": None,
                "action": "none",
                "budget": plan.budget,
                "deferred_total": deferred_total,
                "replay": replay,
                "first": first,
            }
        ]
    return pa.Table.from_pylist(rows, schema=PLAN_PART)


def _plan_of(part: pa.Table) -> tuple[ArticlePlan, dict[str, Any]]:
    rows = part.to_pylist()
    head = rows[0]
    targets = [
        Target(r["story_id"], r["url"], r["feed_text"], r["source_id"])
        for r in rows
        if r["action"] != "none"
    ]
    plan = ArticlePlan(
        targets,
        fetch={r["url"] for r in rows if r["action"] == "fetch"},
        deferred={r["url"] for r in rows if r["action"] == "defer"},
        budget=head["budget"],
    )
    return plan, head


@dg.op(
    tags=DAY_SIZED,
    out=dg.DynamicOut(pa.Table, io_manager_key="lake_io"),
    ins={"stories": op_lazy_input(), "items": op_lazy_input()},  # read as Python rows only
)
def articles_plan(
    context: dg.OpExecutionContext,
    config: ArticlesConfig,
    lake: LakeResource,
    catalogue: CatalogueResource,
    stories: TableSource,
    items: TableSource,
) -> Iterator[dg.DynamicOutput[pa.Table]]:
    """What this run fetches, in buckets of hosts (none when `fetch_articles` is off)."""
    date = context.partition_key
    settings = catalogue.load().settings
    rows: list[dict[str, Any]] = []
    if settings.fetch_articles:
        rows = ranking_rows(stories.read([*RANK_FIELDS, *TARGET_STORY_FIELDS]), TARGET_STORY_FIELDS)
    else:
        context.log.info("fetch_articles is off: no article pages fetched")
    ranked = [r.story for r in rank_stories(rows, date, limit=len(rows))]  # budget: best first
    del rows
    item_rows: list[dict[str, Any]] = []
    if ranked:
        wanted = conform(items.read(TARGET_ITEM_FIELDS), ITEMS, TARGET_ITEM_FIELDS)
        item_rows = wanted.to_pylist()
    plan = plan_articles(lake.lake, ranked, item_rows, settings, replay=config.replay)
    buckets = config.buckets if config.buckets > 0 else ARTICLE_BUCKETS
    for i in range(buckets):
        part = plan.bucket(i, buckets)
        yield dg.DynamicOutput(
            _part_table(
                part, replay=config.replay, first=i == 0, deferred_total=len(plan.deferred)
            ),
            mapping_key=f"b{i}",
        )


@dg.op(out=dg.Out(pa.Table, io_manager_key="lake_io"))
def articles_bucket(
    context: dg.OpExecutionContext,
    lake: LakeResource,
    catalogue: CatalogueResource,
    part: pa.Table,
) -> pa.Table:
    """Fetch and extract one bucket's pages; every failure is an `errors` row."""
    plan, head = _plan_of(part)
    result = collect_planned(
        lake.lake,
        plan,
        catalogue.load().settings,
        context.partition_key,
        context.run.run_id,
        replay=head["replay"],
        first=head["first"],
        deferred_total=head["deferred_total"],
    )
    outcomes = dict(sorted(result.counts.items()))
    context.log.info(f"{len(plan.targets)} pages, {result.fetched} fetched: {outcomes}")
    return result.table


@dg.op(out=dg.Out(pa.Table, io_manager_key="lake_io"))
def articles_merge(parts: list[pa.Table]) -> dg.Output[pa.Table]:
    """The buckets' rows as one table, with the run's numbers for the UI."""
    result = merge_results(
        [
            ArticlesResult(t if t.num_rows else ARTICLES.empty_table(), _counts(t), 0, 0)
            for t in parts
        ]
    )
    table = result.table
    return dg.Output(
        table,
        metadata={
            **{f"outcome_{k}": dg.MetadataValue.int(v) for k, v in sorted(result.counts.items())},
            "buckets": dg.MetadataValue.int(len(parts)),
            "words": dg.MetadataValue.int(
                sum(w or 0 for w in table.column("word_count").to_pylist())
            ),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["outcome", "word_count", "lang", "canonical_url"])
            ),
        },
    )


def _counts(table: pa.Table) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in table.column("outcome").to_pylist() if table.num_rows else []:
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@dg.graph_asset(
    group_name="refine",
    kinds={"python", "parquet"},
    partitions_def=daily,
    owners=["team:riverbed"],
    description=(
        "The page each story links to: main text, title, author, date, language and word"
        " count, with an outcome (ok, thin, blocked, failed, skipped). Fetched politely"
        " (robots.txt, per-host pacing, conditional GET) and safely (private addresses refused"
        " at every hop); each page once, extractions cached by content; ranked stories first,"
        " within a per-run budget; hosts split into buckets that workers share. Every failure"
        " is an `errors` row; it never fails the step."
    ),
)
def articles(stories: pa.Table, items: pa.Table) -> pa.Table:
    return articles_merge(articles_plan(stories, items).map(articles_bucket).collect())


@dg.multi_asset_check(
    specs=specs("articles", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT),
    ins={"articles": dg.AssetIn("articles")},
)
def articles_checks(articles: pa.Table) -> Iterator[dg.AssetCheckResult]:
    """A graph asset cannot yield check results itself: one step checks the stored table (the
    IO manager reads it back as stored, so its schema is the stored one)."""
    yield unique_key_result(articles, ["canonical_url"], "articles")
    # `fetch_articles: false` or no stories: an empty day is a warning, not a broken table
    yield not_empty_result(articles, "articles", dg.AssetCheckSeverity.WARN)
    yield schema_drift_check([articles.schema], ARTICLES, "articles")
