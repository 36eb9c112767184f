"""Story embeddings: the `Embedder` interface, the dependency-free `HashingEmbedder`, and
`load_embedder`, which picks the packaged sentence-transformers model when the `ai` extra is
installed.

`HashingEmbedder` ("hashing-v1") needs no model and no fit over a corpus: a text's vector
depends on that text alone, so it can be cached per story by content hash. Features, each
hashed (CRC-32, stable across processes and machines) to one of `dim` buckets with a sign
taken from another bit of the hash, so that collisions cancel out on average instead of
piling up:

- word unigrams: words as `riverbed.core.extract.words` splits them (Unicode-aware,
  casefolded), stop words of en/de/fr/es dropped, English plurals folded ("databases" ->
  "database");
- word bigrams of neighbouring kept words (weight `BIGRAM_WEIGHT`): "query planner" is more
  than "query" and "planner";
- character 3- to 5-grams of each word of four or more letters, with boundary marks
  ("<postgres>"), together weighing `CHAR_WEIGHT` of the word: "Postgres" and "PostgreSQL",
  "replica" and "replication" share much of their vectors.

A word's weight is sublinear in its count (1 + ln tf); the first line of a multi-line text
(the title, as the pipeline writes "title\\ntext") counts `TITLE_WEIGHT` times. Rows are
L2-normalised; a text with no words gives a zero row. Measured on the labelled mini-corpus
(tests/enrich) and the benchmark's 12-topic synthetic corpus: stories are closer to stories
of their own topic than to any other topic (see docs/performance.md).
"""

from __future__ import annotations

import itertools
import math
import threading
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from riverbed.core.extract.words import words
from riverbed.enrich.stopwords import NOT_KEYWORDS
from riverbed.enrich.tokens import fold

HASHING_NAME = "hashing-v1"
DIM = 512
MAX_CHARS = 4_000  # of each text: a story's title and opening say what it is about
TITLE_WEIGHT = 3.0
BIGRAM_WEIGHT = 0.3
CHAR_WEIGHT = 0.5  # the norm of a word's character n-grams, relative to the word itself
CHAR_MIN_LEN = 4
CHAR_NGRAMS = (3, 4, 5)
_MEMO_MAX = 200_000  # distinct words whose features are kept between calls


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors; the same interface for the hashing default and models."""

    name: str  # recorded in the lake, e.g. "hashing-v1", "all-MiniLM-L6-v2"
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised (zero rows for empty text)."""
        ...


def _hash(feature: str) -> tuple[int, float]:
    h = zlib.crc32(feature.encode("utf-8", "surrogatepass"))
    return h, 1.0 if (h >> 31) & 1 else -1.0


class HashingEmbedder:
    """Signed feature hashing of words, word pairs and character n-grams (module docstring).
    Thread-safe; deterministic across processes."""

    def __init__(self, dim: int = DIM) -> None:
        if dim < 16:
            raise ValueError(f"dim must be at least 16, got {dim}")
        self.dim = dim
        self.name = HASHING_NAME if dim == DIM else f"{HASHING_NAME}-{dim}"
        self._words: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim})"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            vector = self._vector(text)
            if vector is not None:
                out[row] = vector
        return out

    # -- one text -------------------------------------------------------------------------
    def _vector(self, text: str | None) -> np.ndarray | None:
        if not text:
            return None
        text = text[:MAX_CHARS]
        title, sep, body = text.partition("\n")
        counts: dict[str, float] = {}
        pairs: dict[str, float] = {}
        for part, weight in ((title, TITLE_WEIGHT if sep else 1.0), (body, 1.0)):
            kept = [fold(w) for w in words(part) if w not in NOT_KEYWORDS]
            for w in kept:
                counts[w] = counts.get(w, 0.0) + weight
            for a, b in itertools.pairwise(kept):
                pair = f"{a} {b}"
                pairs[pair] = pairs.get(pair, 0.0) + weight
        if not counts:
            return None
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for word, tf in counts.items():
            idx, val = self._features(word)
            indices.append(idx)
            values.append(val * (1.0 + math.log(tf)))
        if pairs:
            pair_idx = np.empty(len(pairs), dtype=np.int64)
            pair_val = np.empty(len(pairs), dtype=np.float32)
            for i, (pair, tf) in enumerate(pairs.items()):
                h, sign = _hash("b:" + pair)
                pair_idx[i] = h % self.dim
                pair_val[i] = sign * BIGRAM_WEIGHT * (1.0 + math.log(tf))
            indices.append(pair_idx)
            values.append(pair_val)
        vector = np.bincount(
            np.concatenate(indices), weights=np.concatenate(values), minlength=self.dim
        ).astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else None

    def _features(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """A word's hashed features (the word, then its character n-grams), memoised."""
        hit = self._words.get(word)
        if hit is not None:
            return hit
        features = [_hash("w:" + word)]
        weights = [1.0]
        if len(word) >= CHAR_MIN_LEN and word.isalpha():
            marked = f"<{word}>"
            grams = [marked[i : i + n] for n in CHAR_NGRAMS for i in range(len(marked) - n + 1)]
            each = CHAR_WEIGHT / math.sqrt(len(grams))
            features.extend(_hash("c:" + g) for g in grams)
            weights.extend([each] * len(grams))
        idx = np.fromiter((h % self.dim for h, _ in features), dtype=np.int64, count=len(features))
        val = np.array([s * w for (_, s), w in zip(features, weights, strict=True)], np.float32)
        with self._lock:
            if len(self._words) >= _MEMO_MAX:
                self._words.clear()
            self._words[word] = (idx, val)
        return idx, val


@lru_cache(maxsize=1)
def _sentence_transformer() -> Embedder:
    """The packaged model, loaded once per process (seconds); ImportError without the extra."""
    from riverbed.enrich.embeddings_st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder.load()


def load_embedder(choice: str = "auto") -> tuple[Embedder, str | None]:
    """The embedder for a settings value, and a note when the choice fell back.

    choice: `auto` (the packaged all-MiniLM-L6-v2 when the `ai` extra is importable, else
    hashing), `hashing`, or `minilm`. Returns (embedder, note): the note is None when the
    model was used (or `hashing` was asked for) and says why hashing is used otherwise —
    `auto` included, so a user without the extra learns that a semantic model is one install
    away: "auto: the ai extra is not installed (pip install 'riverbed[ai]'); using
    hashing-v1". A missing or broken optional model never raises; an unknown choice does
    (ValueError: a configuration error).
    """
    if choice not in ("auto", "hashing", "minilm"):
        raise ValueError(f"unknown embedder {choice!r}: expected auto, hashing or minilm")
    if choice == "hashing":
        return HashingEmbedder(), None
    try:
        return _sentence_transformer(), None
    except ImportError:
        reason = "the ai extra is not installed (pip install 'riverbed[ai]')"
    except Exception as exc:  # a broken install or model files: fall back, say why
        reason = f"the model failed to load ({type(exc).__name__}: {exc})"
    return HashingEmbedder(), f"{choice}: {reason}; using {HASHING_NAME}"
