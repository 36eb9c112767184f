"""Enrich group: embeddings, topics and per-story enrichments of the day's stories.

Downstream of `stories` and `articles` only, so a slow or failing enricher never holds up
collect or refine; the steps share the `riverbed_enrich` concurrency pool (models are
memory-hungry: under the daemon, one enrich step at a time by default). Optional enrichers
that are not configured (LLM summaries, interests) are skipped with the reason in the
materialisation's metadata, not failed. The work itself is `pipeline.enrich`.
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pyarrow as pa

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
from riverbed.defs.executors import DAY_SIZED
from riverbed.defs.io import input_columns, lazy_input
from riverbed.defs.partitions import daily
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.enrich.topics import LABEL_TEXT_CHARS
from riverbed.lake.journal import Journal
from riverbed.lake.store import TableSource
from riverbed.pipeline.enrich import (
    EMBED_CHARS,
    TEXT_READS,
    embed_stories,
    enrich_stories,
    story_texts,
    summary_counts,
    topics_table,
)

OWNERS = ["team:riverbed"]
POOL = "riverbed_enrich"
# what every enrich asset shares: daily, Parquet in the lake, one pool
ENRICH_STEP: dict[str, Any] = {
    "partitions_def": daily,
    "io_manager_key": "lake_io",
    "pool": POOL,
    "owners": OWNERS,
    "op_tags": DAY_SIZED,
}


# the day's texts: read by `story_texts` (only the columns it uses), let go once they are texts
TEXTS = {name: lazy_input() for name in TEXT_READS}


class EnrichConfig(dg.Config):
    replay: bool = False
    """A replay makes no network request: LLM summaries come from the cache only."""


def enrich_run_config(replay: bool) -> dict[str, object]:
    return {"ops": {"enrichments": {"config": {"replay": replay}}}}


@dg.asset(
    group_name="enrich",
    kinds={"python", "parquet", "numpy"},
    check_specs=specs("embeddings", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT),
    ins=TEXTS,
    **ENRICH_STEP,
)
def embeddings(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    catalogue: CatalogueResource,
    stories: TableSource,
    articles: TableSource,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """One vector per story (title + the opening of its article or feed text), L2-normalised.
    `settings.enrich.embeddings`: `auto` uses the packaged all-MiniLM-L6-v2 model when the
    `ai` extra is installed, else the dependency-free hashing embedder. Cached by content
    hash and model: unchanged stories are never embedded twice."""
    choice = catalogue.load().settings.enrich.embeddings
    texts = story_texts(stories, articles, EMBED_CHARS)
    result = embed_stories(lake.lake, texts, context.partition_key, choice)
    del texts  # not held while the IO manager writes the vectors
    metadata: dict[str, Any] = {
        "model": result.model,
        "computed": dg.MetadataValue.int(result.computed),
        "from_cache": dg.MetadataValue.int(result.cached),
        "preview": dg.MetadataValue.md(
            preview_markdown(result.table, ["story_id", "model", "content_key"])
        ),
    }
    if result.note:
        metadata["note"] = result.note
        context.log.info(result.note)
    yield dg.Output(result.table, metadata=metadata)
    yield unique_key_result(result.table, ["story_id"], "embeddings")
    # no stories, no vectors: `stories` has the error-level check for an empty day
    yield not_empty_result(result.table, "embeddings", dg.AssetCheckSeverity.WARN)
    yield daily_schema_drift(lake.lake, "embeddings", context.partition_key)


@dg.asset(
    group_name="enrich",
    kinds={"python", "parquet"},
    check_specs=specs("topics", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT),
    # the vectors are spooled to a local temporary file a batch at a time, not held
    ins={**TEXTS, "embeddings": lazy_input()},
    **ENRICH_STEP,
)
def topics(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    catalogue: CatalogueResource,
    stories: TableSource,
    articles: TableSource,
    embeddings: TableSource,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """The day's stories clustered by their embeddings into at most
    `settings.enrich.max_topics` topics, each labelled with its most distinctive terms
    (c-TF-IDF against the rest of the day)."""
    max_topics = catalogue.load().settings.enrich.max_topics
    table = topics_table(
        embeddings,
        story_texts(stories, articles, LABEL_TEXT_CHARS),
        context.partition_key,
        max_topics,
    )
    yield dg.Output(
        table,
        metadata={
            "topics": dg.MetadataValue.int(table.num_rows),
            "preview": dg.MetadataValue.md(preview_markdown(table, ["label", "size"], n=20)),
        },
    )
    yield unique_key_result(table, ["digest_date", "topic_id"], "topics")
    yield not_empty_result(table, "topics", dg.AssetCheckSeverity.WARN)
    yield daily_schema_drift(lake.lake, "topics", context.partition_key)


@dg.asset(
    group_name="enrich",
    kinds={"python", "parquet"},
    check_specs=specs("enrichments", UNIQUE_KEY, NOT_EMPTY, SCHEMA_DRIFT),
    # the vectors are read only when interests are set
    ins={**TEXTS, "embeddings": lazy_input(), "topics": input_columns("topic_id", "story_ids")},
    **ENRICH_STEP,
)
def enrichments(
    context: dg.AssetExecutionContext,
    config: EnrichConfig,
    lake: LakeResource,
    catalogue: CatalogueResource,
    stories: TableSource,
    articles: TableSource,
    embeddings: TableSource,
    topics: pa.Table,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """Per story: language, keywords, summary (extractive by default; an OpenAI-compatible
    LLM when configured, within a per-run token budget, falling back to extractive), the
    best-matching `settings.interests` phrase and its score, and its topic. Every enricher
    has its own content-hash cache. LLM failures become `errors` rows (stage `enrich`)."""
    settings = catalogue.load().settings
    date = context.partition_key
    result = enrich_stories(
        lake.lake,
        story_texts(stories, articles),
        embeddings,
        topics,
        date,
        settings=settings.enrich,
        interests=settings.interests,
        run_id=context.run_id,
        replay=config.replay,
    )
    if result.errors:
        Journal(lake.lake).append("errors", date, result.errors, context.run_id)
    for note in result.notes:
        context.log.info(note)
    table = result.table
    methods = Counter(table.column("summary_method").to_pylist()) if table.num_rows else Counter()
    interested = sum(1 for i in table.column("interest").to_pylist() if i) if table.num_rows else 0
    yield dg.Output(
        table,
        metadata={
            "summaries": summary_counts(methods),
            "stories_matching_interests": dg.MetadataValue.int(interested),
            "errors": dg.MetadataValue.int(len(result.errors)),
            "skipped": "; ".join(result.notes) or "nothing",
            **{k: v for k, v in result.stats.items() if isinstance(v, int)},
            "preview": dg.MetadataValue.md(
                preview_markdown(table, ["story_id", "lang", "keywords", "interest", "summary"])
            ),
        },
    )
    yield unique_key_result(table, ["story_id"], "enrichments")
    yield not_empty_result(table, "enrichments")
    yield daily_schema_drift(lake.lake, "enrichments", date)
