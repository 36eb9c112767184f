"""Arrow schemas of every lake table. Column names follow the contract; extra columns are ours."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
STR_LIST = pa.list_(pa.string())

DISCUSSION = pa.struct(
    [
        ("source_id", STR),
        ("url", STR),
        ("comments_url", STR),
        ("score", pa.int64()),
        ("comments", pa.int64()),
    ]
)

ITEMS = pa.schema(
    [
        ("item_id", STR),
        ("source_id", STR),
        ("kind", STR),
        ("external_id", STR),
        ("url", STR),
        ("canonical_url", STR),
        ("title", STR),
        ("author", STR),
        ("published_at", TS),
        ("first_seen_at", TS),
        ("last_seen_at", TS),
        ("text", STR),
        ("summary_html", STR),
        ("score", pa.int64()),
        ("comments", pa.int64()),
        ("comments_url", STR),
        ("tags", STR_LIST),
        ("hidden_by", STR),
        ("run_id", STR),
        ("fetch_id", STR),
    ]
)

STORIES = pa.schema(
    [
        ("story_id", STR),
        ("date", STR),
        ("title", STR),
        ("url", STR),
        ("canonical_url", STR),
        ("item_ids", STR_LIST),
        ("source_ids", STR_LIST),
        ("n_sources", pa.int64()),
        ("discussions", pa.list_(DISCUSSION)),
        ("published_at", TS),
        ("first_seen_at", TS),
        ("first_source_id", STR),
        ("excerpt", STR),
        ("tags", STR_LIST),
        ("score", pa.int64()),
        ("comments", pa.int64()),
        # provenance of a story merged from several URLs: every distinct canonical URL,
        # earliest first, and the sources that carried it after `first_source_id`, in
        # order of first sighting
        ("canonical_urls", STR_LIST),
        ("amplified_by", STR_LIST),
    ]
)

DIGEST = pa.schema(
    [
        ("digest_date", STR),
        ("rank", pa.int64()),
        ("story_id", STR),
        ("topic_id", STR),
        ("title", STR),
        ("url", STR),
        ("score", pa.float64()),
        ("why", STR),
        ("discussions", pa.list_(DISCUSSION)),
        ("source_ids", STR_LIST),
        ("n_sources", pa.int64()),
        ("published_at", TS),
        ("first_seen_at", TS),
        ("excerpt", STR),
        ("tags", STR_LIST),
        ("topic_label", STR),
        ("topic_rank", pa.int64()),  # display order of the story's topic group
        ("summary", STR),
        ("summary_method", STR),
        ("keywords", STR_LIST),
        ("interest", STR),
        ("interest_score", pa.float64()),
        # the ranking terms behind `score` (core/ranking.py), each in [0, 1]
        ("recency", pa.float64()),
        ("reach", pa.float64()),
        ("velocity", pa.float64()),
    ]
)

ITEM_METRICS = pa.schema(
    [
        ("item_id", STR),
        ("source_id", STR),
        ("observed_at", TS),
        ("score", pa.int64()),
        ("comments", pa.int64()),
        ("run_id", STR),
    ]
)

FETCHES = pa.schema(
    [
        ("run_id", STR),
        ("fetch_id", STR),
        ("attempt", pa.int64()),
        ("source_id", STR),
        ("url", STR),
        ("status", pa.int64()),
        ("fetched_at", TS),
        ("bytes", pa.int64()),
        ("elapsed_ms", pa.int64()),
        ("from_cache", pa.bool_()),
        ("error_kind", STR),
        ("error_message", STR),
        ("body_sha256", STR),
        ("content_type", STR),
        ("observed_at", TS),
        ("request_url", STR),
    ]
)

ERRORS = pa.schema(
    [
        ("error_key", STR),
        ("run_id", STR),
        ("stage", STR),
        ("source_id", STR),
        ("url", STR),
        ("item_id", STR),
        ("error_kind", STR),
        ("message", STR),
        ("at", TS),
    ]
)

SOURCE_HEALTH = pa.schema(
    [
        ("health_key", STR),
        ("run_id", STR),
        ("source_id", STR),
        ("kind", STR),
        ("status", STR),
        ("items_seen", pa.int64()),
        ("items_new", pa.int64()),
        ("latency_ms", pa.int64()),
        ("bytes", pa.int64()),
        ("http_status", pa.int64()),
        ("items_updated", pa.int64()),
        ("last_success_at", TS),
        ("error_kind", STR),
        ("message", STR),
        ("at", TS),
    ]
)

ARTICLES = pa.schema(
    [
        ("date", STR),
        ("story_id", STR),
        ("canonical_url", STR),
        ("final_url", STR),
        ("outcome", STR),  # ok | thin | blocked | failed | skipped
        ("http_status", pa.int64()),
        ("title", STR),
        ("author", STR),
        ("text", STR),
        ("word_count", pa.int64()),
        ("lang", STR),
        ("published_at", TS),
        ("extractor", STR),
        ("error_kind", STR),
        ("reason", STR),
        ("body_sha256", STR),
        ("fetched_at", TS),
        ("run_id", STR),
    ]
)

# -- enrich group ---------------------------------------------------------------------------------

EMBEDDINGS = pa.schema(
    [
        ("date", STR),
        ("story_id", STR),
        ("content_key", STR),  # hash of the text embedded: the cache key
        ("model", STR),  # the embedder's name, e.g. hashing-v1 or all-MiniLM-L6-v2
        ("vector", pa.list_(pa.float32())),  # L2-normalised
    ]
)

ENRICHMENTS = pa.schema(
    [
        ("date", STR),
        ("story_id", STR),
        ("lang", STR),
        ("keywords", STR_LIST),
        ("topic_id", STR),
        ("summary", STR),
        ("summary_method", STR),  # extractive | llm:<model>:<prompt version>
        ("interest", STR),  # the best-matching settings.interests phrase, None below threshold
        ("interest_score", pa.float64()),
        ("content_key", STR),
        ("embedding_model", STR),
    ]
)

TOPICS = pa.schema(
    [
        ("digest_date", STR),
        ("topic_id", STR),
        ("label", STR),
        ("story_ids", STR_LIST),
        ("size", pa.int64()),
        ("keywords", STR_LIST),
    ]
)

# table name -> (schema, key columns that identify a row inside one date partition)
TABLES: dict[str, tuple[pa.Schema, tuple[str, ...]]] = {
    "items": (ITEMS, ("item_id",)),
    "stories": (STORIES, ("story_id",)),
    "articles": (ARTICLES, ("canonical_url",)),
    "embeddings": (EMBEDDINGS, ("story_id",)),
    "enrichments": (ENRICHMENTS, ("story_id",)),
    "topics": (TOPICS, ("digest_date", "topic_id")),
    "digest": (DIGEST, ("digest_date", "story_id")),
    "item_metrics": (ITEM_METRICS, ("item_id", "observed_at")),
    "fetches": (FETCHES, ("fetch_id", "attempt")),
    "errors": (ERRORS, ("error_key",)),
    "source_health": (SOURCE_HEALTH, ("health_key",)),
}
