"""Topics of a day: pure clusters with readable labels on the labelled corpus, stable ids,
order independence, small and degenerate inputs, bounded memory."""

from __future__ import annotations

import random
import tracemalloc
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from enrich.labelled import STORIES, TOPICS, Story
from riverbed.core.ids import stable_id
from riverbed.enrich import topics as topics_module
from riverbed.enrich.embeddings import HashingEmbedder
from riverbed.enrich.stopwords import STOP_WORDS
from riverbed.enrich.topics import OTHER_LABEL, Topic, cluster_topics, other_topic_id

DATE = "2026-11-26"
# words a reader would accept in a label of each topic
TOPIC_WORDS = {
    "databases": {"database", "databases", "table", "tables", "query", "index", "postgres",
                  "postgresql", "sql", "column", "replica", "schema", "rows"},
    "security": {"security", "attack", "attackers", "exploit", "exploits", "vulnerability",
                 "patch", "patched", "ransomware", "phishing", "breach", "credentials",
                 "passwords", "keys", "code execution", "malicious"},
    "ml": {"model", "models", "training", "gpu", "inference", "language model", "loss",
           "learning", "embeddings", "parameters"},
    "space": {"nasa", "telescope", "earth", "moon", "orbit", "astronomers", "rocket",
              "spacecraft", "launch", "webb", "mars", "starship"},
}  # fmt: skip


def _cluster(
    stories: Sequence[Story] = STORIES, **kwargs: int
) -> tuple[list[Topic], list[str | None]]:
    vectors = HashingEmbedder().embed([f"{s.title}\n{s.text}" for s in stories])
    return cluster_topics(
        vectors,
        [s.title for s in stories],
        [s.text for s in stories],
        [s.story_id for s in stories],
        DATE,
        **kwargs,
    )


def test_labelled_corpus_clusters_by_topic() -> None:
    topics, assignment = _cluster()
    truth = {s.story_id: s.topic for s in STORIES}
    named = [t for t in topics if t.label != OTHER_LABEL]
    in_named = sum(t.size for t in named)
    majority = sum(Counter(truth[i] for i in t.story_ids).most_common(1)[0][1] for t in named)
    assert in_named >= 0.9 * len(STORIES)  # few stories left in "Other"
    assert majority / in_named >= 0.8  # purity
    assert len(named) <= 8  # four topics, not one per story
    for topic in TOPICS:  # every topic is the majority of some cluster
        assert any(
            Counter(truth[i] for i in t.story_ids).most_common(1)[0][0] == topic for t in named
        ), topic
    # each story's assignment is the topic listing it
    by_id = {t.topic_id: t for t in topics}
    for story, topic_id in zip(STORIES, assignment, strict=True):
        assert topic_id is not None and story.story_id in by_id[topic_id].story_ids


def test_labels_are_two_or_three_terms_naming_the_topic() -> None:
    topics, _ = _cluster()
    truth = {s.story_id: s.topic for s in STORIES}
    for t in topics:
        if t.label == OTHER_LABEL or t.size < 5:
            continue
        majority = Counter(truth[i] for i in t.story_ids).most_common(1)[0][0]
        terms = t.label.split(" · ")
        assert 2 <= len(terms) <= 3, t.label
        assert terms == t.terms[: len(terms)]
        assert all(term.casefold() not in STOP_WORDS for term in terms), t.label
        assert {term.casefold() for term in terms} & TOPIC_WORDS[majority], (majority, t.label)


def test_input_order_does_not_matter() -> None:
    first, assignment = _cluster()
    shuffled = list(STORIES)
    random.Random(3).shuffle(shuffled)
    second, shuffled_assignment = _cluster(shuffled)
    assert [(t.topic_id, t.label, t.story_ids) for t in first] == [
        (t.topic_id, t.label, t.story_ids) for t in second
    ]
    by_story = dict(zip([s.story_id for s in STORIES], assignment, strict=True))
    assert [by_story[s.story_id] for s in shuffled] == shuffled_assignment


def test_topic_ids_are_the_date_and_the_smallest_story_id() -> None:
    topics, _ = _cluster()
    for t in topics:
        if t.label == OTHER_LABEL:
            assert t.topic_id == other_topic_id(DATE)
        else:
            assert t.topic_id == stable_id("topic", DATE, min(t.story_ids))
        assert t.story_ids == sorted(t.story_ids) and t.size == len(t.story_ids)
    assert len({t.topic_id for t in topics}) == len(topics)


def test_topics_come_largest_first_and_other_last() -> None:
    topics, _ = _cluster(max_topics=3)
    assert len(topics) <= 3
    named = [t for t in topics if t.label != OTHER_LABEL]
    assert [t.size for t in named] == sorted((t.size for t in named), reverse=True)
    assert topics[-1].label == OTHER_LABEL and len(named) == 2


def test_max_topics_one_is_one_topic() -> None:
    topics, assignment = _cluster(max_topics=1)
    assert len(topics) == 1 and topics[0].size == len(STORIES)
    assert set(assignment) == {topics[0].topic_id}


def test_unrelated_stories_go_to_other() -> None:
    odd = [
        ("Sourdough starter tips", "Feed the starter flour and water every day; keep it warm."),
        ("Chess world championship tiebreak", "The match went to rapid games after twelve draws."),
        ("Watercolour for beginners", "Wet the paper first and let pigment bloom on the page."),
    ]
    extra = [Story(f"zz{i:014d}", "odd", title, text) for i, (title, text) in enumerate(odd)]
    topics, _ = _cluster([*STORIES, *extra])
    other = [t for t in topics if t.label == OTHER_LABEL]
    assert other, [t.label for t in topics]
    # chess and watercolours share nothing with anything; the sourdough's "water" may pair
    # it with the Mars lakebed story, but no unrelated story joins a real topic
    assert {"zz00000000000001", "zz00000000000002"} <= set(other[0].story_ids)
    for t in topics:
        if t.size >= 5:
            assert not any(i.startswith("zz") for i in t.story_ids), t.label


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_tiny_days(n: int) -> None:
    topics, assignment = _cluster(list(STORIES[:n]))
    assert len(assignment) == n
    if n == 0:
        assert topics == []
        return
    assert sum(t.size for t in topics) == n
    assert all(a is not None for a in assignment)
    assert all(t.label for t in topics)


def test_stories_without_text_get_no_topic() -> None:
    vectors = HashingEmbedder().embed([f"{s.title}\n{s.text}" for s in STORIES])
    vectors[:3] = 0.0
    topics, assignment = cluster_topics(
        vectors,
        [s.title for s in STORIES],
        [s.text for s in STORIES],
        [s.story_id for s in STORIES],
        DATE,
    )
    assert assignment[:3] == [None, None, None]
    listed = {i for t in topics for i in t.story_ids}
    assert not listed & {s.story_id for s in STORIES[:3]}
    assert len(listed) == len(STORIES) - 3


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        cluster_topics(np.zeros((2, 8)), ["a"], [None, None], ["x", "y"], DATE)


def test_hostile_titles_and_texts() -> None:
    rng = np.random.default_rng(0)
    texts: list[str | None] = [
        None,
        "",
        "🎉" * 500,
        "<div><script>x()</script></div>",
        "数据" * 300,
    ]
    texts += ["word " * 50_000] * 3
    titles = ["", "🎉🎉", "<b>bold</b> &amp; co", "数据库", "a" * 5000, "x", "y", "z"]
    vectors = rng.normal(size=(8, 32)).astype(np.float32)
    topics, assignment = cluster_topics(vectors, titles, texts, [f"s{i}" for i in range(8)], DATE)
    assert sum(t.size for t in topics) == 8 and None not in assignment
    assert all(t.label for t in topics)


def test_ten_thousand_stories_without_a_quadratic_matrix() -> None:
    n, dim = 10_000, 128
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(20, dim))
    truth = rng.integers(0, 20, size=n)
    vectors = (centres[truth] + 0.8 * rng.normal(size=(n, dim))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = [f"w{t}a w{t}b w{t}c" for t in range(20)]
    titles = [f"Story about {words[t]}" for t in truth]
    tracemalloc.start()
    try:
        topics, _ = cluster_topics(
            vectors, titles, [None] * n, [f"{i:08d}" for i in range(n)], DATE
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 150 * 2**20  # an n x n float32 matrix alone would be 400 MB
    assert len(topics) == 12 and sum(t.size for t in topics) == n
    named = [t for t in topics if t.label != OTHER_LABEL]
    index = {f"{i:08d}": i for i in range(n)}
    majority = sum(
        Counter(truth[index[i]] for i in t.story_ids).most_common(1)[0][1] for t in named
    )
    assert majority / sum(t.size for t in named) >= 0.95


def _big_day(n: int, dim: int = 64) -> tuple[np.ndarray, list[str], list[str | None], list[str]]:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(15, dim))
    truth = rng.integers(0, 15, size=n)
    vectors = (centres[truth] + 0.9 * rng.normal(size=(n, dim))).astype(np.float32)
    titles = [f"Story {i} about w{t}a w{t}b" for i, t in enumerate(truth)]
    texts: list[str | None] = [f"w{t}c and w{(t + 1) % 15}d, item {i}" for i, t in enumerate(truth)]
    return vectors, titles, texts, [f"{i:08d}" for i in range(n)]


def test_a_big_day_is_clustered_a_slice_at_a_time_with_the_same_topics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past IN_MEMORY_ROWS stories the features are computed again for every pass, a slice
    at a time, instead of held as one array: the same topics, less memory."""
    vectors, titles, texts, ids = _big_day(12_000)

    def traced() -> tuple[tuple[list[Topic], list[str | None]], int]:
        tracemalloc.start()
        try:
            result = cluster_topics(vectors, titles, texts, ids, DATE)
            return result, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    monkeypatch.setattr(topics_module, "IN_MEMORY_ROWS", 10**9)
    whole, whole_peak = traced()
    monkeypatch.setattr(topics_module, "IN_MEMORY_ROWS", 1_000)
    monkeypatch.setattr(topics_module, "CHUNK_ROWS", 1_000)
    sliced, sliced_peak = traced()
    assert sliced == whole
    assert len(whole[0]) >= 10
    features = 12_000 * (64 + topics_module.TFIDF_DIM) * 4  # the array the slices replace
    assert sliced_peak < whole_peak - features, (sliced_peak, whole_peak, features)
