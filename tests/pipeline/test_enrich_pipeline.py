"""The enrich steps on a real (local) lake: caches keyed by content, topics, interests, and
the LLM summariser against a chat-completions server on loopback, with its fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from enrich.openai_server import OpenAIServer, Reply, ServerThread
from riverbed.core.catalogue.models import EnrichSettings, LLMSettings, SummarySettings
from riverbed.lake.schemas import ARTICLES, STORIES
from riverbed.lake.store import Lake, rows_to_table
from riverbed.pipeline.enrich import (
    StoryText,
    embed_stories,
    enrich_stories,
    story_texts,
    story_vectors,
    topics_table,
    vectors_of,
)

DATE = "2026-11-20"
T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)
MODEL = "tiny-summariser"

DB = [
    ("Postgres 18 ships asynchronous I/O for sequential scans", "postgres database query"),
    ("SQLite adds a new query planner for large joins", "sqlite database planner joins"),
    ("Faster index builds in the MySQL database engine", "mysql database index engine"),
    ("DuckDB 1.4 brings a better database optimiser", "duckdb database optimiser"),
]
SEC = [
    ("Critical vulnerability in OpenSSH patched (CVE-2026-1234)", "openssh vulnerability patch"),
    ("Browser zero-day exploited in the wild, patch now", "browser exploit vulnerability"),
    ("Ransomware gang hits hospital networks with new malware", "ransomware malware security"),
    ("Supply-chain attack plants malware in npm packages", "supply chain malware security"),
]


def _text(title: str, words: str) -> str:
    return (
        f"{title}. The team explains the change in detail. It covers {words} and what it "
        f"means for operators. Early users report that {words.split(maxsplit=1)[0]} now behaves better."
    )


def _stories() -> tuple[pa.Table, pa.Table]:
    stories, articles = [], []
    for n, (title, words) in enumerate(DB + SEC):
        sid = f"s{n:02d}"
        url = f"https://news.example/{sid}"
        stories.append(
            {
                "story_id": sid,
                "date": DATE,
                "title": title,
                "url": url,
                "canonical_url": url,
                "item_ids": [f"i{n}"],
                "source_ids": ["feed"],
                "n_sources": 1,
                "discussions": [],
                "first_seen_at": T0,
                "first_source_id": "feed",
                "excerpt": f"A short note on {words}. Operators of {words.split(maxsplit=1)[0]} should read it.",
                "tags": [],
            }
        )
        if n % 2 == 0:  # half the stories have an extracted article
            articles.append(
                {
                    "date": DATE,
                    "story_id": sid,
                    "canonical_url": url,
                    "outcome": "ok",
                    "text": _text(title, words),
                }
            )
    return rows_to_table(stories, STORIES), rows_to_table(articles, ARTICLES)


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(str(tmp_path / "lake"))


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer(model=MODEL)
    thread = ServerThread(server)
    thread.start()
    yield server
    thread.stop()


def _llm_settings(server: OpenAIServer, **overrides: object) -> EnrichSettings:
    llm = LLMSettings(
        base_url=server.base_url,
        model=MODEL,
        api_key=server.api_key,
        timeout_s=2.0,
        **overrides,  # type: ignore[arg-type]
    )
    return EnrichSettings(embeddings="hashing", summaries=SummarySettings(method="llm", llm=llm))


def _enrich(lake: Lake, settings: EnrichSettings, *, replay: bool = False, interests=()):  # type: ignore[no-untyped-def]
    stories, articles = _stories()
    texts = story_texts(stories, articles)
    emb = embed_stories(lake, texts, DATE, settings.embeddings)
    topics = topics_table(emb.table, texts, DATE, settings.max_topics)
    return (
        enrich_stories(
            lake,
            texts,
            emb.table,
            topics,
            DATE,
            settings=settings,
            interests=list(interests),
            run_id="run-1",
            replay=replay,
        ),
        emb,
        topics,
    )


def test_article_text_is_preferred_to_the_feed_excerpt() -> None:
    texts = {t.story_id: t for t in story_texts(*_stories())}
    assert texts["s00"].source == "article" and "The team explains" in texts["s00"].text
    assert texts["s01"].source == "feed" and texts["s01"].text.startswith("A short note on sqlite")


def test_embeddings_are_cached_by_content(lake: Lake) -> None:
    stories, articles = _stories()
    texts = story_texts(stories, articles)
    first = embed_stories(lake, texts, DATE, "hashing")
    again = embed_stories(lake, texts, DATE, "hashing")
    assert (first.computed, first.cached) == (len(texts), 0)
    assert (again.computed, again.cached) == (0, len(texts))
    assert first.table.column("vector").to_pylist() == again.table.column("vector").to_pylist()
    assert set(first.table.column("model").to_pylist()) == {"hashing-v1"}


def test_default_enrichment_is_offline_extractive_with_topics_and_interests(lake: Lake) -> None:
    result, _, topics = _enrich(
        lake, EnrichSettings(embeddings="hashing"), interests=["databases", "security"]
    )
    rows = {r["story_id"]: r for r in result.table.to_pylist()}
    assert len(rows) == len(DB) + len(SEC)
    assert {r["summary_method"] for r in rows.values()} == {"extractive"}
    assert all(r["summary"] and r["keywords"] and r["lang"] == "en" for r in rows.values())
    assert any("not configured" in n for n in result.notes)
    assert not result.errors
    # every story is in exactly one topic, and its enrichment names that topic
    members = [sid for t in topics.to_pylist() for sid in t["story_ids"]]
    assert sorted(members) == sorted(rows)
    topic_of = {sid: t["topic_id"] for t in topics.to_pylist() for sid in t["story_ids"]}
    assert all(rows[sid]["topic_id"] == topic_of[sid] for sid in rows)
    db_ids = {f"s{n:02d}" for n in range(len(DB))}
    matched_db = {sid for sid, r in rows.items() if r["interest"] == "databases"}
    assert len(matched_db & db_ids) >= 3 and not matched_db - db_ids


def test_llm_summaries_are_cached_and_recorded_as_their_method(
    lake: Lake, llm_server: OpenAIServer
) -> None:
    llm_server.reset()
    result, _, _ = _enrich(lake, _llm_settings(llm_server))
    methods = {r["summary_method"] for r in result.table.to_pylist()}
    assert methods == {f"llm:{MODEL}:summary-v1"}
    sent = len(llm_server.seen)
    assert sent == len(DB) + len(SEC)
    again, _, _ = _enrich(lake, _llm_settings(llm_server))
    assert len(llm_server.seen) == sent  # every summary came from the cache
    assert again.table.column("summary").to_pylist() == result.table.column("summary").to_pylist()


def test_server_error_falls_back_to_extractive_with_an_error_row(
    lake: Lake, llm_server: OpenAIServer
) -> None:
    llm_server.reset()
    llm_server.default = Reply(status=500)
    try:
        result, _, _ = _enrich(lake, _llm_settings(llm_server))
    finally:
        llm_server.reset()
    assert {r["summary_method"] for r in result.table.to_pylist()} == {"extractive"}
    assert result.errors and {e["stage"] for e in result.errors} == {"enrich"}
    assert {e["error_kind"] for e in result.errors} <= {"http_status"}
    assert all(llm_server.api_key not in (e["message"] or "") for e in result.errors)


def test_budget_stop_keeps_extractive_summaries_for_the_rest(
    lake: Lake, llm_server: OpenAIServer
) -> None:
    llm_server.reset()
    result, _, _ = _enrich(lake, _llm_settings(llm_server, max_tokens_per_run=400))
    methods = [r["summary_method"] for r in result.table.to_pylist()]
    assert "extractive" in methods and f"llm:{MODEL}:summary-v1" in methods
    assert [e["error_kind"] for e in result.errors] == ["budget_exhausted"]


def test_replay_makes_no_request(lake: Lake, llm_server: OpenAIServer) -> None:
    llm_server.reset()
    result, _, _ = _enrich(lake, _llm_settings(llm_server), replay=True)
    assert llm_server.seen == []
    assert {r["summary_method"] for r in result.table.to_pylist()} == {"extractive"}


def test_unset_endpoint_is_skipped_with_a_reason(lake: Lake) -> None:
    settings = EnrichSettings(
        embeddings="hashing", summaries=SummarySettings(method="llm", llm=LLMSettings())
    )
    result, _, _ = _enrich(lake, settings)
    assert any("base_url is empty" in n for n in result.notes)
    assert not result.errors


def test_vectors_follow_the_story_order_with_zeros_for_missing_or_odd_vectors() -> None:
    from riverbed.lake.schemas import EMBEDDINGS

    def row(story: str, vector: list[float] | None) -> dict[str, object]:
        return {"date": DATE, "story_id": story, "content_key": story, "model": "m"} | {
            "vector": vector
        }

    table = rows_to_table(
        [
            row("a", [1.0, 2.0, 3.0]),
            row("short", [9.0]),  # another length: not this day's model
            row("none", None),
            row("empty", []),
            row("b", [4.0, 5.0, 6.0]),
        ],
        EMBEDDINGS,
    )
    got = vectors_of(table, ["b", "missing", "a", "short", "none", "empty", "a"])
    assert got.dtype == "float32" and got.shape == (7, 3)
    assert got.tolist() == [
        [4.0, 5.0, 6.0],
        [0.0, 0.0, 0.0],
        [1.0, 2.0, 3.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [1.0, 2.0, 3.0],
    ]
    # every vector full: one reshape of the values
    whole = rows_to_table([row("a", [1.0, 2.0]), row("b", [3.0, 4.0])], EMBEDDINGS)
    assert vectors_of(whole, ["a", "b"]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    # a table read in batches has many chunks, each a slice of the same buffers: same vectors
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=2))
    assert [c.offset for c in chunked.column("vector").chunks] == [0, 2, 4]
    assert vectors_of(chunked, ["b", "missing", "a", "short", "none", "empty", "a"]).tolist() == (
        got.tolist()
    )
    # gathered on demand, any rows in any order
    with story_vectors(chunked, ["b", "missing", "a", "short", "none", "empty", "a"]) as rows:
        assert (len(rows), rows.dim) == (7, 3)
        assert rows.rows(np.array([6, 0, 1, 2])).tolist() == got[[6, 0, 1, 2]].tolist()


@pytest.mark.parametrize(
    "rows",
    [
        # a story's later row replaces its earlier one, even one of another length
        [("a", [1.0, 2.0, 3.0]), ("b", [4.0, 5.0, 6.0]), ("a", [7.0]), ("c", None)],
        # the longest vectors are met last: the rows written before them become zeros
        [("a", [1.0, 2.0]), ("b", [3.0, 4.0]), ("c", [5.0, 6.0, 7.0]), ("b", [8.0, 9.0, 1.0])],
        [("a", None), ("b", [])],  # no vector at all
        [],
        [("b", [3.0, 4.0]), ("a", [1.0, 2.0])],  # "a" asked for twice gets its vector twice
    ],
)
@pytest.mark.parametrize("batch", [1, 2, 100])
def test_spooled_vectors_are_the_rows_gathered_from_the_table(
    rows: list[tuple[str, list[float] | None]], batch: int, tmp_path: Path
) -> None:
    from riverbed.enrich.vectors import SpooledVectors
    from riverbed.lake.schemas import EMBEDDINGS

    table = rows_to_table(
        [
            {"date": DATE, "story_id": s, "content_key": s, "model": "m", "vector": v}
            for s, v in rows
        ],
        EMBEDDINGS,
    )
    ids = ["c", "missing", "a", "b", "a"]
    last = dict(rows)  # a story's last row wins
    dim = max((len(last.get(s) or []) for s in ids), default=0)
    expected = np.array(
        [v if (v := last.get(s)) and len(v) == dim else [0.0] * dim for s in ids], np.float32
    ).reshape(len(ids), dim)
    index = np.array([4, 0, 1, 2, 3, 0, 2, 2])
    with SpooledVectors(table.to_batches(max_chunksize=batch), ids, str(tmp_path)) as spooled:
        assert not list(tmp_path.iterdir())  # files without a name: a killed run leaves none
        assert (len(spooled), spooled.dim) == (len(ids), dim)
        assert spooled.rows(index).tolist() == expected[index].tolist()
        assert spooled.rows(np.arange(5)).tolist() == expected.tolist()
        assert spooled.rows(np.array([], dtype=np.int64)).shape == (0, dim)


def test_topics_from_spooled_vectors_equal_topics_from_the_table(tmp_path: Path) -> None:
    """`topics_table` given a `TableSource` spools the vectors: the same topics."""
    from riverbed.lake.schemas import EMBEDDINGS
    from riverbed.lake.store import TableSource

    rng = np.random.default_rng(5)
    centres = rng.normal(size=(3, 16))
    ids = [f"s{i:03d}" for i in range(120)]
    table = rows_to_table(
        [
            {
                "date": DATE,
                "story_id": s,
                "content_key": s,
                "model": "m",
                "vector": (centres[i % 3] + 0.2 * rng.normal(size=16)).tolist(),
            }
            for i, s in enumerate(ids)
        ],
        EMBEDDINGS,
    )
    texts = [
        StoryText(s, f"topic {i % 3} story {i}", f"words of topic {i % 3}", "feed")
        for i, s in enumerate(ids)
    ]
    source = TableSource(
        lambda columns: pytest.fail("read whole"),
        lambda columns: table.select(list(columns or table.column_names)).to_batches(7),
    )
    spooled = topics_table(source, texts, DATE, 12)
    assert spooled.equals(topics_table(table, texts, DATE, 12))
    assert spooled.num_rows >= 2


def test_topics_from_vectors_gathered_on_demand_equal_topics_from_a_matrix() -> None:
    from riverbed.enrich.topics import cluster_topics
    from riverbed.lake.schemas import EMBEDDINGS

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(3, 16))
    ids = [f"s{i:03d}" for i in range(90)]
    vectors = [centres[i % 3] + 0.2 * rng.normal(size=16) for i in range(90)]
    table = rows_to_table(
        [
            {"date": DATE, "story_id": s, "content_key": s, "model": "m", "vector": v.tolist()}
            for s, v in zip(ids, vectors, strict=True)
        ][::-1],  # the table's own order is not the stories'
        EMBEDDINGS,
    )
    table = pa.Table.from_batches(table.to_batches(max_chunksize=16))
    titles = [f"topic {i % 3} story {i}" for i in range(90)]
    texts: list[str | None] = [f"words of topic {i % 3}" for i in range(90)]
    with story_vectors(table, ids) as vectors:
        gathered = cluster_topics(vectors, titles, texts, ids, DATE)
    assert gathered == cluster_topics(vectors_of(table, ids), titles, texts, ids, DATE)
    assert len(gathered[0]) >= 2


def test_embeddings_and_topics_read_only_the_opening_they_use(tmp_path: Path) -> None:
    """Embeddings and topics take each story's text cut to what they read (`EMBED_CHARS`,
    `LABEL_TEXT_CHARS`), not the 20,000 characters enrichments read: the same vectors,
    content keys and topics as from the whole texts (long articles, markup and accents
    across the cut included)."""
    from riverbed.enrich.topics import LABEL_TEXT_CHARS
    from riverbed.pipeline.enrich import EMBED_CHARS, TEXT_CHARS

    stories, articles = _stories()
    tail = " <p>Cafés &amp; naïve résumés</p> and more prose." * 500  # past 20 k characters
    texts = articles.column("text").to_pylist()
    articles = articles.set_column(
        articles.schema.get_field_index("text"),
        "text",
        pa.array([t + tail for t in texts], pa.string()),
    )
    whole = story_texts(stories, articles)
    assert max(len(t.text) for t in whole) == TEXT_CHARS
    for chars in (EMBED_CHARS, LABEL_TEXT_CHARS):
        cut = story_texts(stories, articles, chars)
        assert [(t.story_id, t.title, t.text, t.source) for t in cut] == [
            (t.story_id, t.title, t.text[:chars], t.source) for t in whole
        ]
    one = embed_stories(Lake(str(tmp_path / "a")), whole, DATE, "hashing").table
    other = embed_stories(
        Lake(str(tmp_path / "b")), story_texts(stories, articles, EMBED_CHARS), DATE, "hashing"
    ).table
    assert one.equals(other)
    topics = topics_table(one, whole, DATE, 12)
    assert topics.equals(
        topics_table(one, story_texts(stories, articles, LABEL_TEXT_CHARS), DATE, 12)
    )
    assert topics.num_rows >= 2
