"""Interest scores: how well each story matches the reader's interests (`settings.interests`),
zero-shot, by embedding similarity.

Each interest phrase is embedded by the same embedder as the stories; a story's score for an
interest is the cosine similarity of the two vectors, clipped to [0, 1]; its interest is the
best-scoring phrase, or None when that score is under the threshold.

Thresholds depend on the embedder, because similarities live on different scales:
- `hashing-v1` is lexical: a story matches an interest through the words they share
  (plurals folded, so "databases" matches "database"; character n-grams give partial credit
  to "Postgres"/"PostgreSQL" or "observability"/"observable"). A one-word interest is one
  feature among a story's hundred or so, so even a story about exactly that scores
  0.1-0.3; stories that do not use the word score under 0.05. Threshold
  `HASHING_THRESHOLD` = 0.07, measured on the labelled mini-corpus in tests/enrich and the
  demo corpus (see docs/performance.md). It cannot know that "GPU training" is about
  "machine learning" when neither word is in the story: that needs the `ai` extra.
- `all-MiniLM-L6-v2` is semantic; unrelated texts still score 0.0-0.25 with it, so its
  threshold is 0.3.
An embedder without a documented threshold gets `DEFAULT_THRESHOLD`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from riverbed.enrich.embeddings import HASHING_NAME, Embedder

HASHING_THRESHOLD = 0.07
THRESHOLDS = {HASHING_NAME: HASHING_THRESHOLD, "all-MiniLM-L6-v2": 0.3}
DEFAULT_THRESHOLD = 0.3


def default_threshold(embedder_name: str) -> float:
    """The documented threshold for an embedder (hashing variants share hashing-v1's)."""
    if embedder_name.startswith(HASHING_NAME):
        return HASHING_THRESHOLD
    return THRESHOLDS.get(embedder_name, DEFAULT_THRESHOLD)


def interest_scores(
    vectors: np.ndarray,
    interests: Sequence[str],
    embedder: Embedder,
    threshold: float | None = None,
) -> list[tuple[str | None, float]]:
    """For each story vector (rows of `vectors`, made by `embedder`): its best-matching
    interest (None under `threshold`, by default the embedder's; see the module docstring)
    and that interest's score in [0, 1]. Blank interests are ignored; with none, every story
    gets (None, 0.0)."""
    n = len(vectors)
    phrases = list(dict.fromkeys(p.strip() for p in interests if p and p.strip()))
    if n == 0:
        return []
    if not phrases:
        return [(None, 0.0)] * n
    if threshold is None:
        threshold = default_threshold(embedder.name)
    matrix = np.asarray(vectors, dtype=np.float32).reshape(n, -1)
    queries = np.asarray(embedder.embed(phrases), dtype=np.float32)
    if queries.shape[1] != matrix.shape[1]:
        raise ValueError(
            f"story vectors have {matrix.shape[1]} dimensions but {embedder.name} makes "
            f"{queries.shape[1]}: the stories were embedded by another model"
        )
    # rows as stored are unit length; normalising again costs little and guards the scale
    matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    queries = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    similarity = np.clip(matrix @ queries.T, 0.0, 1.0)
    best = similarity.argmax(axis=1)
    scores = similarity[np.arange(n), best]
    return [
        (phrases[b] if s >= threshold and s > 0 else None, float(s))
        for b, s in zip(best.tolist(), scores.tolist(), strict=True)
    ]
