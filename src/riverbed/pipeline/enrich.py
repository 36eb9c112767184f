"""Enrich steps: embeddings, topics and per-story enrichments of a day's stories.

Each enricher keeps its own cache in the lake keyed by a hash of exactly what it reads
(title and text, plus its name and version), so a re-run never recomputes an unchanged
story; derived values that cost a matrix product (interest scores) or depend on the whole
day (topic clusters) are recomputed from the cached vectors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riverbed.core.catalogue.models import EnrichSettings, LLMSettings
from riverbed.core.ids import stable_id
from riverbed.enrich.cache import EnrichCache, content_key
from riverbed.enrich.embeddings import Embedder, load_embedder
from riverbed.enrich.interest import interest_scores
from riverbed.enrich.keywords import KEYWORDS_VERSION, extract_keywords
from riverbed.enrich.language import LANGUAGE_VERSION, detect_language
from riverbed.enrich.summary import SUMMARY_VERSION, extractive_summary
from riverbed.enrich.topics import cluster_topics
from riverbed.enrich.vectors import SpooledVectors, VectorRows, matrix_column
from riverbed.lake.schemas import EMBEDDINGS, ENRICHMENTS, TOPICS
from riverbed.lake.store import Lake, TableSource, read_columns, rows_to_table

EMBED_CHARS = 1_000  # title + the text's opening: what a story is about, at bounded cost
TEXT_CHARS = 20_000  # keywords, language and summaries read at most this much text


@dataclass(frozen=True, slots=True)
class StoryText:
    story_id: str
    title: str
    text: str  # the extracted article when there is one, else the feed's excerpt ("" if none)
    source: str  # article | feed | title


# the columns `story_texts` reads (the enrich steps ask their IO manager for these only)
TEXT_READS = {
    "stories": ["story_id", "title", "excerpt"],
    "articles": ["story_id", "outcome", "text"],
}


def story_texts(
    stories: pa.Table | TableSource,
    articles: pa.Table | TableSource | None,
    chars: int = TEXT_CHARS,
) -> list[StoryText]:
    """The text each enricher reads: the article extracted for the story (`ok`) when there is
    one, else the feed's excerpt; sorted by story_id. At most `chars` characters of it: what
    the enricher reads (embeddings `EMBED_CHARS`, topics `LABEL_TEXT_CHARS`; a day's
    articles, up to 20,000 characters each, are not held for them). Given `TableSource`s,
    their tables are read here and let go when the texts are made (the step does not keep
    them beside)."""
    stories = read_columns(stories, TEXT_READS["stories"])
    pages = None if articles is None else read_columns(articles, TEXT_READS["articles"])
    article: dict[str, str] = {}
    if pages is not None and pages.num_rows:
        pages = pages.select(["story_id", "outcome", "text"])
        # an article's opening only, cut in Arrow: its whole text never becomes a str here
        short = pc.utf8_slice_codeunits(pages.column("text"), 0, chars)
        for a in pages.set_column(2, pages.schema.field(2), short).to_pylist():
            if a["outcome"] == "ok" and a["text"] and a["story_id"] not in article:
                article[a["story_id"]] = a["text"]
    stories = stories.select(["story_id", "title", "excerpt"])
    stories = stories.set_column(
        2, stories.schema.field(2), pc.utf8_slice_codeunits(stories.column("excerpt"), 0, chars)
    )
    out = []
    for s in stories.to_pylist():
        title = s["title"] or ""
        if s["story_id"] in article:
            text, source = article[s["story_id"]], "article"
        elif s["excerpt"]:
            text, source = s["excerpt"], "feed"
        else:
            text, source = "", "title"
        out.append(StoryText(s["story_id"], title, text, source))
    return sorted(out, key=lambda t: t.story_id)


@lru_cache(maxsize=4)
def embedder_for(choice: str) -> tuple[Embedder, str | None]:
    """One embedder per process and choice (loading a model costs seconds)."""
    return load_embedder(choice)


# -- embeddings -----------------------------------------------------------------------------------


@dataclass(slots=True)
class EmbedResult:
    table: pa.Table
    model: str
    note: str | None
    computed: int
    cached: int


def embed_stories(lake: Lake, texts: Sequence[StoryText], date: str, choice: str) -> EmbedResult:
    """Each story's vector: from the embedder's cache, else embedded (and cached). Vectors
    stay in Arrow and numpy from the cache to the table (as Python floats a day of 100 k
    stories took gigabytes)."""
    embedder, note = embedder_for(choice)
    cache = EnrichCache(lake, f"embeddings/{embedder.name}")
    keys = [content_key(t.title, t.text[:EMBED_CHARS]) for t in texts]
    n = len(texts)
    vectors = np.zeros((n, embedder.dim), dtype=np.float32)
    found = cache.fill_vectors(keys, vectors)
    # the stories not cached, one per key (of two stories with one key, the last one's text)
    missing = np.flatnonzero(~found)
    todo = sorted({keys[i]: i for i in missing.tolist()}.items())
    if todo:
        fresh = np.asarray(
            embedder.embed([f"{texts[i].title}\n{texts[i].text[:EMBED_CHARS]}" for _, i in todo]),
            dtype=np.float32,
        )
        cache.put_vectors([k for k, _ in todo], fresh)
        row = {k: j for j, (k, _) in enumerate(todo)}
        vectors[missing] = fresh[[row[keys[i]] for i in missing.tolist()]]
        del fresh
    table = pa.table(
        {
            "date": pa.array([date] * n, pa.string()),
            "story_id": pa.array([t.story_id for t in texts], pa.string()),
            "content_key": pa.array(keys, pa.string()),
            "model": pa.array([embedder.name] * n, pa.string()),
            "vector": matrix_column(vectors),
        },
        schema=EMBEDDINGS,
    )
    return EmbedResult(table, embedder.name, note, len(todo), n - len(todo))


@contextlib.contextmanager
def story_vectors(
    embeddings: pa.Table | TableSource, story_ids: Sequence[str]
) -> Iterator[VectorRows]:
    """The day's vectors in `story_ids` order for an enricher's passes over them, spooled to
    a local temporary file a record batch at a time (`SpooledVectors`: never in memory
    whole; a `TableSource` is read a batch at a time too)."""
    if isinstance(embeddings, pa.Table):
        batches: Iterable[pa.RecordBatch] = embeddings.select(["story_id", "vector"]).to_batches()
    else:
        batches = embeddings.batches(["story_id", "vector"])
    with SpooledVectors(batches, story_ids) as spooled:
        yield spooled


def vectors_of(embeddings: pa.Table, story_ids: Sequence[str]) -> np.ndarray:
    """The stories' vectors in `story_ids` order, as one array (see `SpooledVectors`)."""
    with story_vectors(embeddings, story_ids) as vectors:
        return vectors.rows(np.arange(len(story_ids)))


# -- topics ---------------------------------------------------------------------------------------


def topics_table(
    embeddings: pa.Table | TableSource, texts: Sequence[StoryText], date: str, max_topics: int
) -> pa.Table:
    """The day's topics. Given a `TableSource`, the vectors are spooled to a temporary file
    (`SpooledVectors`) and never held in memory whole: same topics."""
    ids = [t.story_id for t in texts]
    if not ids:
        return rows_to_table([], TOPICS)
    with story_vectors(embeddings, ids) as vectors:
        topics, _ = cluster_topics(
            vectors,
            [t.title for t in texts],
            [t.text or None for t in texts],
            ids,
            date,
            max_topics=max_topics,
        )
    rows = [
        {
            "digest_date": date,
            "topic_id": t.topic_id,
            "label": t.label,
            "story_ids": sorted(t.story_ids),
            "size": t.size,
            "keywords": list(getattr(t, "terms", []) or []),
        }
        for t in topics
    ]
    return rows_to_table(sorted(rows, key=lambda r: (-r["size"], r["topic_id"])), TOPICS)


# -- per-story enrichments ------------------------------------------------------------------------


@dataclass(slots=True)
class EnrichResult:
    table: pa.Table
    errors: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # why an optional enricher was skipped


def _cached(lake: Lake, namespace: str, keys: Sequence[str], compute: Any) -> tuple[list[Any], int]:
    """Values for `keys` from the namespace's cache, computing (and storing) the missing ones
    with `compute(index)`; returns the values and how many were computed."""
    cache = EnrichCache(lake, namespace)
    known = cache.get_many(sorted(set(keys)))
    fresh: dict[str, Any] = {}
    for i, k in enumerate(keys):
        if k not in known and k not in fresh:
            fresh[k] = compute(i)
    if fresh:
        cache.put_many(fresh)
    known.update(fresh)
    return [known[k] for k in keys], len(fresh)


def enrich_stories(
    lake: Lake,
    texts: Sequence[StoryText],
    embeddings: pa.Table | TableSource,
    topics: pa.Table,
    date: str,
    *,
    settings: EnrichSettings,
    interests: Sequence[str],
    run_id: str,
    replay: bool = False,
) -> EnrichResult:
    """Language, keywords, summary, interest and topic of every story of the day."""
    keys = [content_key(t.title, t.text) for t in texts]
    result = EnrichResult(rows_to_table([], ENRICHMENTS))

    langs, n_lang = _cached(
        lake,
        f"lang/{LANGUAGE_VERSION}",
        keys,
        lambda i: detect_language(f"{texts[i].title}. {texts[i].text}"),
    )
    keywords, n_kw = _cached(
        lake,
        f"keywords/{KEYWORDS_VERSION}",
        keys,
        lambda i: extract_keywords(texts[i].title, texts[i].text or None),
    )
    summaries, n_sum = _cached(
        lake,
        f"summary-extractive/{SUMMARY_VERSION}",
        keys,
        lambda i: extractive_summary(texts[i].title, texts[i].text or None),
    )
    methods: list[str | None] = ["extractive" if s else None for s in summaries]
    result.stats.update(lang_computed=n_lang, keywords_computed=n_kw, summaries_computed=n_sum)

    llm = settings.summaries.llm
    if settings.summaries.method != "llm":
        result.notes.append("LLM summaries: not configured (settings.enrich.summaries.method)")
    elif llm is None or not llm.configured:
        result.notes.append(
            "LLM summaries: skipped, settings.enrich.summaries.llm.base_url is empty "
            "(its environment variable is unset)"
        )
    else:
        _llm_summaries(lake, texts, keys, llm, summaries, methods, result, run_id, replay)

    ids = [t.story_id for t in texts]
    named = read_columns(embeddings, ["model"])  # the vectors are read only for interests
    known = named.num_rows and "model" in named.column_names
    model = named.column("model")[0].as_py() if known else None
    if interests and ids:
        embedder, _ = embedder_for(model_choice(model))
        with story_vectors(embeddings, ids) as vectors:
            scored = interest_scores(vectors, list(interests), embedder)
    else:
        scored = [(None, 0.0)] * len(ids)
        if not interests:
            result.notes.append("interest scoring: no settings.interests")
    topic_of = {
        sid: r["topic_id"]
        for r in topics.select(["topic_id", "story_ids"]).to_pylist()
        for sid in r["story_ids"]
    }
    n = len(texts)
    columns = {  # column by column: a dict per story was ~1 KB of a day's peak each
        "date": [date] * n,
        "story_id": ids,
        "lang": langs,
        "keywords": keywords,
        "topic_id": [topic_of.get(i) for i in ids],
        "summary": summaries,
        "summary_method": methods,
        "interest": [s[0] for s in scored],
        "interest_score": [round(float(s[1]), 6) for s in scored],
        "content_key": keys,
        "embedding_model": [model] * n,
    }
    result.table = pa.Table.from_arrays(
        [pa.array(columns[f.name], f.type) for f in ENRICHMENTS], schema=ENRICHMENTS
    )
    return result


def model_choice(model: str | None) -> str:
    """The settings value that loads the embedder named `model` (interest phrases must be
    embedded by the model that embedded the stories)."""
    return "hashing" if model is None or model.startswith("hashing") else "minilm"


def _llm_summaries(
    lake: Lake,
    texts: Sequence[StoryText],
    keys: Sequence[str],
    llm: LLMSettings,
    summaries: list[Any],
    methods: list[str | None],
    result: EnrichResult,
    run_id: str,
    replay: bool,
) -> None:
    from riverbed.enrich.llm import PROMPT_VERSION, LLMConfig, SummaryRequest, summarise

    config = LLMConfig.from_settings(llm)
    if config is None:
        return
    cache = EnrichCache(lake, f"summary-llm/{llm.model}/{PROMPT_VERSION}")
    with_text = [i for i, t in enumerate(texts) if t.text]
    requests = [SummaryRequest(keys[i], texts[i].title, texts[i].text) for i in with_text]
    cached = cache.get_many(sorted({r.key for r in requests}))
    batch = summarise(requests, config, cached, network=not replay)
    if batch.new_entries:
        cache.put_many(dict(batch.new_entries))
    for i, r in zip(with_text, batch.results, strict=True):
        if r.method and r.method.startswith("llm:") and r.summary:
            summaries[i], methods[i] = r.summary, r.method
    now = datetime.now(UTC)
    for e in batch.errors:
        kind = e.error_kind
        result.errors.append(
            {
                "error_key": stable_id("enrich", "llm", kind.value, e.key, e.message, run_id),
                "run_id": run_id,
                "stage": "enrich",
                "source_id": None,
                "url": None,
                "item_id": None,
                "error_kind": kind.value,
                "message": e.message,
                "at": now,
            }
        )
    result.stats["llm"] = {
        k: v for k, v in vars(batch.stats).items() if isinstance(v, int | float | str | dict)
    }
    if replay:
        result.notes.append("LLM summaries: replay makes no network requests (cached ones used)")


def summary_counts(methods: Mapping[str | None, int]) -> str:
    return ", ".join(f"{k or 'none'} {v}" for k, v in sorted(methods.items(), key=str))
