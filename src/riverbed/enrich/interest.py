"""Interest scores: how well each story matches the reader's interests (`settings.interests`),
zero-shot, from the story vectors the embedder made: no model needed with the default
hashing embedder, nothing learnt, deterministic.

Precision comes first: a wrong "matches your interest" in the digest costs more trust than a
missing one. Each (story, interest) pair goes through three steps.

1. Direct evidence, which depends on the embedder.
   - `hashing-v1` (lexical, `enrich.embeddings`): a story vector is a signed feature hash of
     its words and their character n-grams in 512 buckets, so a plain cosine against the
     phrase is mostly collision noise (a word a story does not use scores 0.07 or more
     against one story in twenty). Instead each word of the interest's vocabulary is read
     from the vector twice, from the word's own bucket and from its n-grams' buckets
     (scaled back to the word's weight), and the smaller reading is kept: a real mention
     shows in both, a collision in one. On the demo corpus a word absent from a story reads
     0.14 or more one time in a thousand this way (0.24 by cosine); a word of the title
     reads 0.2-0.4, one mention in the text about 0.1. Words of three letters or fewer
     have no n-grams: they need `SHORT_MIN` and never seed on their own.
     The vocabulary is the phrase plus, for common interests, a small built-in table of
     concepts (`enrich.interest_terms`: "machine learning" -> PyTorch, language model…;
     ambiguous "related" words such as model, training, inference only corroborate). A
     concept is mentioned at `TERM_MIN`, clearly at `SEED_MIN` (a concept inside another,
     "query" in "query planner", counts once). A story is a confident match, a seed, when
     the phrase or a strong concept reads `TITLE_MIN`; or a strong concept is clear and
     another concept mentioned (a phrase outside the table has no other concept: its own
     clear mention is enough); or two concepts are clear; or `MANY_CONCEPTS` are
     mentioned.
   - a semantic model (`all-MiniLM-L6-v2`): the cosine between the story and the interest's
     query, the mean of the phrase's and its strong concepts' embeddings (a lone word such
     as "databases" is a weak query for a sentence model). A seed scores `MINILM_THRESHOLD`.
2. Pseudo-relevance feedback (Rocchio) over the day's stories: with at least
   `PRF_MIN_SEEDS` seeds and `PRF_MIN_REST` other stories, every story is compared with the
   seeds' centroid, vectors centred on the day's mean (what every story says cancels out)
   and, for hashing, without the dimensions of the interest's own vocabulary (so that
   "type inference" or "a memory model" is not pulled in by the words that made the ML
   seeds; what counts is what else the seeds share). A story `PRF_Z` robust standard
   deviations (median and MAD of the non-seeds) closer than the day's typical story, and
   with corroborating direct evidence (a concept mentioned; a cosine of `SEMANTIC_FLOOR`),
   matches too: on the labelled corpus, the DuckDB release whose only "database" is lost in
   its text does. With fewer seeds only the seeds match.
3. The score, in [0, 1]: a match scores its direct evidence (the strongest concept's weight
   in the story, or the cosine) but at least the embedder's threshold; any other pair half
   its evidence capped at that threshold, so matches rank above mere mentions. A story's
   interest is its best-scoring phrase when that score reaches `threshold` (by default the
   embedder's, so exactly when it matched), else None.

Calibrated on the labelled 40-story corpus (tests/enrich/labelled.py: databases, security,
machine learning, space) and checked on the demo corpus, with six interests (those four,
rust and observability, which the corpus does not cover) — matched stories of 10, none
false anywhere:

| interest | hashing before (cosine >= 0.07) | hashing | MiniLM before (cosine >= 0.3) | MiniLM |
|---|---|---|---|---|
| databases | 5 | 8 | 1 | 2 |
| machine learning | 0 (2 false) | 6 | 1 | 7 |
| security | 3 (1 false) | 7 | 3 | 10 |
| space | 2 | 9 | 0 | 9 |
| rust, observability | 3 false | none | none | none |

MiniLM's threshold is where precision holds: at 0.25 the labelled corpus gets false
matches and the demo's observability precision falls to 0.4; at 0.35 recall halves. On the
demo corpus (1,705 stories, template prose) hashing's precision went from 0.10-0.38 to
0.89-0.97 per interest, and the post-quantum TLS story it used to call "machine learning"
matches nothing (tests/enrich/test_enrich_interest.py asserts the labelled numbers and
that). An embedder without a documented threshold gets `DEFAULT_THRESHOLD`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from riverbed.core.extract.words import words
from riverbed.enrich.embeddings import HASHING_NAME, Embedder
from riverbed.enrich.interest_terms import terms_for
from riverbed.enrich.stopwords import NOT_KEYWORDS
from riverbed.enrich.tokens import fold
from riverbed.enrich.vectors import VectorRows, as_rows, row_norms

HASHING_THRESHOLD = 0.1  # the least score of a match with hashing (decided as in step 1-2)
MINILM_THRESHOLD = 0.3
THRESHOLDS = {HASHING_NAME: HASHING_THRESHOLD, "all-MiniLM-L6-v2": MINILM_THRESHOLD}
DEFAULT_THRESHOLD = 0.3

# hashing: a concept's weight in a story, read from its vector (see the module docstring)
TERM_MIN = 0.07  # the concept is mentioned
SHORT_MIN = 0.15  # the same for a concept with a word of three letters or fewer
SEED_MIN = 0.16  # a clear mention
TITLE_MIN = 0.25  # a title-level mention
MANY_CONCEPTS = 3
# pseudo-relevance feedback
PRF_MIN_SEEDS = 3
PRF_MIN_REST = 20
PRF_Z = 3.0  # hashing: the match is corroborated by a concept mentioned too
PRF_Z_SEMANTIC = 4.0  # a semantic model: sentence templates cluster too, so a higher bar
SEMANTIC_FLOOR = 0.15  # the least cosine of a story matched by feedback (semantic models)
_MAD_TO_SD = 1.4826  # the MAD of a normal distribution times this is its standard deviation


def default_threshold(embedder_name: str) -> float:
    """The documented threshold for an embedder (hashing variants share hashing-v1's)."""
    if embedder_name.startswith(HASHING_NAME):
        return HASHING_THRESHOLD
    return THRESHOLDS.get(embedder_name, DEFAULT_THRESHOLD)


def interest_scores(
    vectors: np.ndarray | VectorRows,
    interests: Sequence[str],
    embedder: Embedder,
    threshold: float | None = None,
) -> list[tuple[str | None, float]]:
    """For each story vector (rows of `vectors`, made by `embedder`, one day's stories): its
    best-matching interest (None under `threshold`, by default the embedder's; see the module
    docstring) and that interest's score in [0, 1]. Blank interests are ignored; with none,
    every story gets (None, 0.0). Deterministic; the feedback step makes a story's result
    depend on the other stories of the call."""
    n = len(vectors)
    phrases = list(dict.fromkeys(p.strip() for p in interests if p and p.strip()))
    if n == 0:
        return []
    if not phrases:
        return [(None, 0.0)] * n
    base = default_threshold(embedder.name)
    if threshold is None:
        threshold = base
    # one copy of the day's vectors, normalised in place (at 100 k stories each extra copy,
    # or a norm's squared temporary, is 200 MB)
    matrix = as_rows(vectors, n).rows(np.arange(n))
    norms = row_norms(matrix)
    valid = norms[:, 0] > 0
    # rows as stored are unit length; normalising again costs little and guards the scale
    np.divide(matrix, np.maximum(norms, 1e-12), out=matrix)
    if embedder.name.startswith(HASHING_NAME):
        direct, seeds, corroborated, own = _lexical_evidence(matrix, phrases, embedder)
    else:
        direct, seeds, corroborated = _semantic_evidence(matrix, phrases, embedder, base)
        own = np.zeros((len(phrases), matrix.shape[1]), bool)
    seeds &= valid[:, None]
    z = PRF_Z if embedder.name.startswith(HASHING_NAME) else PRF_Z_SEMANTIC
    matched = _feedback(matrix, valid, seeds, corroborated & valid[:, None], own, z)
    direct = np.clip(direct, 0.0, 1.0)
    score = np.where(matched, np.maximum(direct, base), np.minimum(direct, base) / 2)
    score = np.clip(score, 0.0, 1.0)
    best = score.argmax(axis=1)
    scores = score[np.arange(n), best]
    return [
        (phrases[b] if s >= threshold and s > 0 else None, float(s))
        for b, s in zip(best.tolist(), scores.tolist(), strict=True)
    ]


def _dimension_check(matrix: np.ndarray, queries: np.ndarray, embedder: Embedder) -> None:
    if queries.shape[1] != matrix.shape[1]:
        raise ValueError(
            f"story vectors have {matrix.shape[1]} dimensions but {embedder.name} makes "
            f"{queries.shape[1]}: the stories were embedded by another model"
        )


# -- hashing: concept weights read from the feature hash ------------------------------------------


class _Concept:
    """One concept of an interest: its alternatives as lists of word keys."""

    __slots__ = ("alternatives", "strong", "words")

    def __init__(self, alternatives: list[list[str]], strong: bool) -> None:
        self.alternatives = alternatives
        self.words = frozenset(w for alt in alternatives for w in alt)
        self.strong = strong


def _concepts(phrase: str, surface: dict[str, str]) -> list[_Concept]:
    """The phrase's concepts (`enrich.interest_terms`), each alternative as its word keys
    (stop words dropped: the embedder drops them too); `surface` collects a spelling to
    embed for each key."""
    terms = terms_for(phrase)
    out: list[_Concept] = []
    for tier, strong in ((terms.strong, True), (terms.related, False)):
        for concept in tier:
            alternatives = []
            for alt in concept:
                keys = []
                for w in words(alt):
                    if w not in NOT_KEYWORDS:
                        keys.append(fold(w))
                        surface.setdefault(fold(w), w)
                if keys:
                    alternatives.append(keys)
            if alternatives:
                out.append(_Concept(alternatives, strong))
    return out


def _inside(a: _Concept, b: _Concept) -> bool:
    """Whether a spelling of concept `a` is made of words of `b` ("query" in "query planner")."""
    return any(set(alt) <= b.words for alt in a.alternatives)


def _lexical_evidence(
    matrix: np.ndarray, phrases: Sequence[str], embedder: Embedder
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(strong-concept weight, seed, some concept mentioned), each (stories, phrases), and
    the dimensions each phrase's words occupy (phrases, dimensions)."""
    n, k = len(matrix), len(phrases)
    surface: dict[str, str] = {}
    concepts = [_concepts(p, surface) for p in phrases]
    keys = sorted(surface)
    direct = np.zeros((n, k), np.float32)
    seeds = np.zeros((n, k), bool)
    mentioned = np.zeros((n, k), bool)
    own = np.zeros((k, matrix.shape[1]), bool)
    if not keys:
        return direct, seeds, mentioned, own
    queries = np.asarray(embedder.embed([surface[w] for w in keys]), dtype=np.float32)
    _dimension_check(matrix, queries, embedder)
    weight, confirmed = _word_weights(matrix, queries)
    column = {w: i for i, w in enumerate(keys)}
    occupied = np.abs(queries) > 0
    for j, phrase_concepts in enumerate(concepts):
        for c in phrase_concepts:
            for w in c.words:
                own[j] |= occupied[column[w]]
        strongest = np.zeros(n, np.float32)
        mentions = np.zeros(n, np.int32)
        clear = np.zeros(n, np.int32)
        reads: list[np.ndarray] = []
        for c in phrase_concepts:
            read = np.max(
                [weight[:, [column[w] for w in alt]].min(axis=1) for alt in c.alternatives],
                axis=0,
            )
            sure = all(confirmed[column[w]] for w in c.words)
            if c.strong and sure:
                strongest = np.maximum(strongest, read)
            reads.append(read if sure else read * (TERM_MIN / SHORT_MIN))
        for a, c in enumerate(phrase_concepts):
            counted = np.ones(n, bool)
            for b, other in enumerate(phrase_concepts):
                if b != a and _inside(c, other):  # "query" inside "query planner": once
                    counted &= reads[b] < TERM_MIN
            mentions += counted & (reads[a] >= TERM_MIN)
            clear += counted & (reads[a] >= SEED_MIN)
        direct[:, j] = strongest
        seeds[:, j] = (
            (strongest >= TITLE_MIN)
            | ((strongest >= SEED_MIN) & (mentions >= min(2, len(phrase_concepts))))
            | (clear >= 2)
            | (mentions >= MANY_CONCEPTS)
        )
        mentioned[:, j] = mentions >= 1
    return direct, seeds, mentioned, own


def _word_weights(matrix: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each word's weight in each story, read from the hashed vectors, and whether that
    reading is confirmed by the word's character n-grams.

    A word embedded alone is its own feature (weight 1) plus its n-grams (together 0.5), so
    its largest bucket is the word's; the story's value in that bucket (times the sign) is
    one reading of the word's weight in the story, the projection onto the n-gram buckets
    (scaled back to the word's weight) another; the smaller is kept. A word without n-grams
    (three letters or fewer) has the first reading only."""
    m = len(queries)
    rows = np.arange(m)
    bucket = np.abs(queries).argmax(axis=1)
    peak = queries[rows, bucket]
    grams = queries.copy()
    grams[rows, bucket] = 0.0
    energy = (grams**2).sum(axis=1)
    confirmed = energy > 1e-9
    own = matrix[:, bucket] * np.sign(peak)
    scale = np.where(confirmed, np.abs(peak) / np.where(confirmed, energy, 1.0), 0.0)
    by_grams = matrix @ (grams * scale[:, None]).T
    weight = np.where(confirmed, np.minimum(own, by_grams), own)
    weight[:, np.abs(peak) == 0] = 0.0  # a word the embedder drops
    return weight.astype(np.float32), confirmed


# -- semantic models ------------------------------------------------------------------------------


def _semantic_evidence(
    matrix: np.ndarray, phrases: Sequence[str], embedder: Embedder, seed_min: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cosine to the interest's query, seed, cosine at least SEMANTIC_FLOOR)."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for phrase in phrases:
        strong = [c[0] for c in terms_for(phrase).strong]
        spans.append((len(texts), len(texts) + len(strong)))
        texts.extend(strong)
    embedded = np.asarray(embedder.embed(texts), dtype=np.float32)
    _dimension_check(matrix, embedded, embedder)
    embedded = embedded / np.maximum(np.linalg.norm(embedded, axis=1, keepdims=True), 1e-12)
    queries = np.stack([embedded[a:b].mean(axis=0) for a, b in spans])
    queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    similarity = matrix @ queries.T
    return similarity, similarity >= seed_min, similarity >= SEMANTIC_FLOOR


# -- pseudo-relevance feedback --------------------------------------------------------------------


def _feedback(
    matrix: np.ndarray,
    valid: np.ndarray,
    seeds: np.ndarray,
    corroborated: np.ndarray,
    own: np.ndarray,
    z: float,
) -> np.ndarray:
    """Seeds, plus the stories close to their centroid (module docstring, step 2)."""
    matched = seeds.copy()
    if not (seeds.sum(axis=0) >= PRF_MIN_SEEDS).any():
        return matched
    # the day centred, then one buffer per phrase's view of it, filled in place: two arrays
    # the size of `matrix`, not five
    mean = matrix[valid].mean(axis=0)
    day = np.zeros_like(matrix)
    np.subtract(matrix, mean, out=day, where=valid[:, None])
    centred = np.empty_like(matrix)
    for j in range(seeds.shape[1]):
        seed = seeds[:, j]
        rest = valid & ~seed
        if seed.sum() < PRF_MIN_SEEDS or rest.sum() < PRF_MIN_REST:
            continue
        np.multiply(day, ~own[j], out=centred)
        np.divide(centred, np.maximum(row_norms(centred), 1e-12), out=centred)
        centroid = centred[seed].mean(axis=0)
        size = float(np.linalg.norm(centroid))
        if size == 0:
            continue
        closeness = centred @ (centroid / size)
        null = closeness[rest]
        middle = float(np.median(null))
        spread = _MAD_TO_SD * float(np.median(np.abs(null - middle)))
        if spread <= 0:
            continue
        matched[:, j] |= rest & corroborated[:, j] & (closeness - middle >= z * spread)
    return matched
