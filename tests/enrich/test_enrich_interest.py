"""Interest scores: zero-shot matching of stories against the reader's interests, with the
hashing embedder's documented threshold and any other embedder's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pytest

from enrich.labelled import STORIES
from riverbed.enrich.embeddings import HashingEmbedder
from riverbed.enrich.interest import HASHING_THRESHOLD, default_threshold, interest_scores

EMBEDDER = HashingEmbedder()
VECTORS = EMBEDDER.embed([f"{s.title}\n{s.text}" for s in STORIES])
TOPIC = np.array([s.topic for s in STORIES])


def test_databases_ranks_database_stories_above_the_others() -> None:
    scores = np.array([score for _, score in interest_scores(VECTORS, ["databases"], EMBEDDER)])
    on, off = scores[TOPIC == "databases"], scores[TOPIC != "databases"]
    top = np.argsort(-scores)[:5]
    assert set(TOPIC[top]) == {"databases"}
    assert np.median(on) > 2 * np.median(off)
    # ROC AUC: a random database story outscores a random other story most of the time
    assert (on[:, None] > off[None, :]).mean() >= 0.7


def test_the_hashing_threshold_separates_matches_from_noise() -> None:
    matched = interest_scores(VECTORS, ["databases"], EMBEDDER)
    hits = TOPIC[[interest is not None for interest, _ in matched]]
    assert (hits == "databases").sum() >= 5  # stories that say "database(s)"
    assert (hits != "databases").sum() <= 1


@pytest.mark.parametrize(
    ("interest", "text"),
    [
        ("databases", "Our database fell over\nThe database ran out of connections at noon."),
        ("vulnerabilities", "A vulnerability in OpenSSH\nThe vulnerability allows root access."),
        ("Rust", "Rust 1.87 ships async closures\nAsync closures are stable in Rust now."),
        ("machine learning", "Machine learning at scale\nOur machine learning platform trains."),
    ],
)
def test_plural_and_case_forms_match(interest: str, text: str) -> None:
    vectors = EMBEDDER.embed([text, "Sourdough starter tips\nFeed it flour and water daily."])
    (best, score), (other, other_score) = interest_scores(vectors, [interest], EMBEDDER)
    assert best == interest and score >= HASHING_THRESHOLD
    assert other is None and other_score < HASHING_THRESHOLD


def test_the_best_of_several_interests_wins() -> None:
    results = interest_scores(VECTORS, ["databases", "space", "security"], EMBEDDER)
    space = [
        interest for (interest, _), topic in zip(results, TOPIC, strict=True) if topic == "space"
    ]
    assert space.count("space") >= 2 and "databases" not in space


def test_scores_are_in_zero_one() -> None:
    for _, score in interest_scores(VECTORS, ["databases", "rockets", "🎉"], EMBEDDER):
        assert 0.0 <= score <= 1.0


@pytest.mark.parametrize(
    ("interests", "expected"),
    [([], (None, 0.0)), (["", "   "], (None, 0.0))],
    ids=["none", "blank"],
)
def test_without_interests_nothing_matches(interests: list[str], expected: tuple) -> None:
    assert interest_scores(VECTORS, interests, EMBEDDER) == [expected] * len(STORIES)


def test_no_stories_no_scores() -> None:
    assert interest_scores(np.zeros((0, 512), np.float32), ["databases"], EMBEDDER) == []


def test_an_explicit_threshold_overrides_the_default() -> None:
    everything = interest_scores(VECTORS, ["databases"], EMBEDDER, threshold=0.0)
    nothing = interest_scores(VECTORS, ["databases"], EMBEDDER, threshold=1.01)
    assert sum(i is not None for i, _ in everything) > sum(i is not None for i, _ in nothing) == 0


def test_vectors_of_another_model_are_refused() -> None:
    with pytest.raises(ValueError, match="another model"):
        interest_scores(np.ones((2, 384), np.float32), ["databases"], EMBEDDER)


class _Semantic:
    """A stand-in for a semantic model: maps known words to fixed directions."""

    name = "all-MiniLM-L6-v2"
    dim = 3
    axes: ClassVar[dict[str, int]] = {"databases": 0, "space": 1}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            out[i, self.axes.get(text, 2)] = 1.0
        return out


def test_another_embedder_uses_its_own_threshold() -> None:
    vectors = np.array([[0.9, 0.1, 0.1], [0.25, 0.2, 0.95]], np.float32)
    results = interest_scores(vectors, ["databases", "space"], _Semantic())
    assert results[0][0] == "databases" and results[0][1] > 0.9
    assert results[1][0] is None  # 0.25 is under MiniLM's 0.3
    assert default_threshold("all-MiniLM-L6-v2") == 0.3
    assert default_threshold("hashing-v1-128") == HASHING_THRESHOLD
    assert default_threshold("some-new-model") == 0.3
