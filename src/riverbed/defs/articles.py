"""The `articles` asset: the pages the day's stories link to, fetched and extracted.

The work is `pipeline.articles.collect_articles`; this is its Dagster shell.
"""

from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from riverbed.core.ranking import rank_stories
from riverbed.defs.checks import UNIQUE_KEY, preview_markdown, specs, unique_key_result
from riverbed.defs.partitions import daily
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake.schemas import ARTICLES
from riverbed.pipeline.articles import collect_articles


class ArticlesConfig(dg.Config):
    replay: bool = False
    """Rebuild from the day's stored responses (bronze), no network."""


@dg.asset(
    group_name="refine",
    kinds={"python", "parquet"},
    check_specs=specs("articles", UNIQUE_KEY),
    partitions_def=daily,
    io_manager_key="lake_io",
    owners=["team:riverbed"],
    pool="riverbed_articles",
)
def articles(
    context: dg.AssetExecutionContext,
    config: ArticlesConfig,
    lake: LakeResource,
    catalogue: CatalogueResource,
    stories: pa.Table,
    items: pa.Table,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """The page each story links to: main text, title, author, date, language and word count,
    with an outcome (ok, thin, blocked, failed, skipped). Fetched politely (robots.txt,
    per-host pacing, conditional GET) and safely (private addresses refused at every hop);
    each page once, extractions cached by content; ranked stories first, within a per-run
    budget. Every failure is an `errors` row; it never fails the step."""
    date = context.partition_key
    settings = catalogue.load().settings
    if not settings.fetch_articles:
        context.log.info("fetch_articles is off: no article pages fetched")
        table = ARTICLES.empty_table()
        yield dg.Output(table, metadata={"fetch_articles": False})
        yield unique_key_result(table, ["canonical_url"], "articles")
        return
    rows = stories.to_pylist()
    ranked = [r.story for r in rank_stories(rows, date, limit=len(rows))]  # budget: best first
    result = collect_articles(
        lake.lake,
        ranked,
        items.to_pylist(),
        settings,
        date,
        context.run.run_id,
        replay=config.replay,
    )
    table = result.table
    yield dg.Output(
        table,
        metadata={
            **{f"outcome_{k}": v for k, v in sorted(result.counts.items())},
            "pages_fetched": result.fetched,
            "pages_deferred": result.deferred,
            "words": sum(w or 0 for w in table.column("word_count").to_pylist()),
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["outcome", "word_count", "lang", "canonical_url"])
            ),
        },
    )
    yield unique_key_result(table, ["canonical_url"], "articles")
