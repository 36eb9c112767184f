"""Topics of one day: the day's stories clustered, each cluster labelled.

What is clustered (numpy only; memory linear in the number of stories, no n x n matrix):
- each story's embedding, centred on the day's mean and re-normalised (what every story
  shares — boilerplate, the embedder's own bias — then no longer pulls stories together);
- beside it, with equal weight, a TF-IDF of the story's terms (words and two-word phrases of
  its title and text opening, stop words dropped) over the day, hashed to `TFIDF_DIM` signed
  buckets. Terms in only one story carry nothing; terms in more than `MAX_DF` of the day's
  stories (and more than `MIN_COMMON`) are boilerplate ("read the migration notes", "a
  spokesperson said"), which would otherwise group stories by template instead of subject.
  The embedding alone is per story (it cannot know what is common today); the day's
  statistics are what make a per-story lexical embedding cluster well.

How (deterministic: stories are taken in story_id order, every random choice is seeded):
1. Up to `MICRO_CLUSTERS` stories, each starts as its own cluster; past that, spherical
   k-means (k-means++ start, fitted on at most `FIT_SAMPLE` stories, then every story
   assigned) makes `MICRO_CLUSTERS` small clusters.
2. Average-linkage agglomeration of those clusters, relative to each cluster's own cohesion
   (see `_agglomerate`), while the closest pair's ratio is at least `MERGE_RATIO`: the
   number of topics follows the day, it is not fixed in advance.
3. A few k-means rounds from the merged topics' centres move stories that went with the
   wrong small cluster.
4. Topics smaller than `min_topic_size` and, past the `max_topics - 1` largest, all the rest
   become one "Other" topic, as do stories whose similarity to their topic's centre is under
   `OUTLIER_FRACTION` of the median (stories that fit nowhere). Zero vectors (no text) get
   no topic.

Up to `IN_MEMORY_ROWS` stories the features are one array; past that, every pass over the
day (each k-means round, the sums, the outlier test: ~15) computes them again, `CHUNK_ROWS`
at a time, so a day of 100 k stories does not hold 400 MB of them (same topics; +10% time).

Labels are class-based TF-IDF (c-TF-IDF) over each topic's titles and text openings against
the whole day: a term scores the share of the topic's stories that use it times log(1 +
stories / stories of the day using it). The best two or three terms that share no word
make the label, printed as the stories spell them ("Postgres · query planner"); `terms`
keeps up to eight. A topic's id is a hash of the date and its smallest story_id, so the same
stories give the same id on every run. The day's label terms are read twice (which terms
two stories or more use, then those terms of each story); from `PARALLEL_FROM` stories on,
each reading goes half in a forked child (`riverbed.core.halves`), numbered as one reading
would (same topics). 1,600 stories take about 1 s, 10,000 4-7 s (see docs/performance.md).
"""

from __future__ import annotations

import itertools
import math
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from riverbed.core.halves import can_fork, in_two
from riverbed.core.ids import stable_id
from riverbed.core.text import shorten
from riverbed.enrich.tokens import (
    BREAK,
    CJK,
    LAST,
    NOT_LAST,
    NUMBER,
    POSSESSIVE,
    WORD,
    display_form,
    join,
    prepare,
    tokenize,
)
from riverbed.enrich.vectors import VectorRows, as_rows, slices

OTHER_LABEL = "Other"
EMBEDDING_WEIGHT = 1.0  # of the centred embedding beside the day's TF-IDF (weight 1)
TFIDF_DIM = 512
MERGE_RATIO = 0.2  # see _agglomerate: 1 ~ one topic split in two, 0 ~ unrelated
OUTLIER_FRACTION = 0.35  # of the median story-centroid similarity: under it, "Other"
MICRO_CLUSTERS = 150  # k-means clusters the agglomeration starts from (a bigger day)
KMEANS_ITERATIONS = 30
KMEANS_REFINE = 5  # iterations over all rows after fitting on a sample
FIT_SAMPLE = 3_000
IN_MEMORY_ROWS = 20_000  # past this many stories, features are computed a slice at a time
CHUNK_ROWS = 8_192  # ... of this many rows
MAX_DF = 0.1  # terms in more of the day's stories than this are boilerplate for clustering
MIN_COMMON = 20  # ... but a term in 20 stories or fewer always counts (small days)
SEED = 20_260_101
LABEL_TITLE_CHARS = 1_000
LABEL_TEXT_CHARS = 600  # of each story's text read for labels (title + opening)
LABEL_TERMS = 3
LABEL_SEPARATOR = " · "
_ALONE = (WORD, LAST, POSSESSIVE)  # may be a term of one word
_LEADS = (WORD, CJK, NOT_LAST)  # may start a two-word term
_ENDS = (WORD, CJK, NUMBER, LAST, POSSESSIVE)  # may end one


@dataclass(frozen=True, slots=True)
class Topic:
    topic_id: str
    label: str  # "Postgres · query planner"; "Other" for the miscellaneous topic
    story_ids: list[str]  # sorted
    size: int
    terms: list[str] = field(default_factory=list)  # the label's terms, then more, best first


def min_topic_size(stories: int) -> int:
    """The fewest stories a topic may have: 2, or 0.5% of the day's stories."""
    return max(2, math.ceil(stories * 0.005))


def topic_id(date: str, story_ids: Sequence[str]) -> str:
    return stable_id("topic", date, min(story_ids))


def other_topic_id(date: str) -> str:
    return stable_id("topic", date, "other")


def cluster_topics(
    vectors: np.ndarray | VectorRows,
    titles: Sequence[str],
    texts: Sequence[str | None],
    story_ids: Sequence[str],
    date: str,
    max_topics: int = 12,
) -> tuple[list[Topic], list[str | None]]:
    """The day's topics (largest first, "Other" last) and each story's topic_id in input
    order (None for a story whose vector is all zeros). See the module docstring."""
    n = len(story_ids)
    if not (len(vectors) == len(titles) == len(texts) == n):
        raise ValueError("vectors, titles, texts and story_ids must have the same length")
    if n == 0:
        return [], []
    if max_topics < 1:
        raise ValueError(f"max_topics must be at least 1, got {max_topics}")
    source = as_rows(vectors, n)
    order = sorted(range(n), key=lambda i: story_ids[i])
    squares = np.zeros(n, dtype=np.float32)
    for part in slices(n):  # no n x dim temporary, unlike a norm
        some = source.rows(np.arange(part.start, part.stop))
        squares[part] = np.einsum("ij,ij->i", some, some)
    rows = [i for i in order if squares[i] > 0]
    documents = _documents(titles, texts, rows)
    if rows:
        features = _Features(source, rows, documents)
        labels = _cluster(features.array() if len(rows) <= IN_MEMORY_ROWS else features, max_topics)
    else:
        labels = np.zeros(0, dtype=np.int64)

    groups: dict[int, list[int]] = {}
    for row, label in zip(rows, labels.tolist(), strict=True):
        groups.setdefault(label, []).append(row)
    other = groups.pop(-1, [])
    named = sorted(groups.values(), key=lambda g: (-len(g), min(story_ids[i] for i in g)))

    topics: list[Topic] = []
    assignment: list[str | None] = [None] * n
    for members in named:
        ids = sorted(story_ids[i] for i in members)
        # a topic under 4 stories may be labelled by a term of one story: read its own
        terms = _label_terms(
            members,
            _own_documents(members, titles, texts, documents)
            if documents.pruned and len(members) < 4
            else documents,
        )
        # no term shared by enough of its stories (tiny or wordless topics): its first title
        label = LABEL_SEPARATOR.join(terms[:LABEL_TERMS]) or (
            shorten(" ".join((titles[min(members)] or "").split()), 60) or OTHER_LABEL
        )
        topics.append(Topic(topic_id(date, ids), label, ids, len(ids), terms))
        for i in members:
            assignment[i] = topics[-1].topic_id
    if other:
        ids = sorted(story_ids[i] for i in other)
        topics.append(Topic(other_topic_id(date), OTHER_LABEL, ids, len(ids), []))
        for i in other:
            assignment[i] = topics[-1].topic_id
    return topics, assignment


# -- clustering -----------------------------------------------------------------------------


class _Features:
    """What stories (`vectors.rows(rows)`, in that order) are clustered on, computed for any
    of them on demand: their embeddings, centred on the day's mean, beside a TF-IDF of their
    terms over the day (hashed to TFIDF_DIM signed buckets; terms in one story only, or in
    more than MAX_DF of them, left out), each part L2-normalised, then the whole row.

    A day of up to `IN_MEMORY_ROWS` stories is clustered on one array of them (`array`);
    past that, every pass over the day computes them again a slice at a time (`chunks`), so
    memory does not grow with the day by (dim + TFIDF_DIM) floats a story (~4 KB)."""

    def __init__(self, vectors: VectorRows, rows: Sequence[int], documents: _Documents) -> None:
        self.vectors = vectors
        self.documents = documents
        self.index = np.asarray(rows, dtype=np.int64)
        m = len(self.index)
        self.dim = vectors.dim
        self.width = self.dim + TFIDF_DIM
        self.mean: np.ndarray | None = None
        if m > 2:  # the mean of the unit embeddings, summed a slice at a time
            total = np.zeros(self.dim, dtype=np.float64)
            for part in slices(m):
                unit = _rows_unit(vectors.rows(self.index[part]))
                total += unit.sum(axis=0, dtype=np.float64)
            self.mean = (total / m).astype(np.float32)
        common = max(MAX_DF * m, MIN_COMMON)
        # per term of the day: its bucket and signed weight (0 for a term left out)
        self.bucket = np.zeros(len(documents.vocab), dtype=np.int64)
        self.signed = np.zeros(len(documents.vocab), dtype=np.float32)
        for t, (term, stories) in enumerate(zip(documents.vocab, documents.day.tolist())):
            if 2 <= stories <= common:
                h = zlib.crc32(term.replace(SEP, " ").encode("utf-8", "surrogatepass"))
                weight = math.log(1 + m / stories)
                self.bucket[t] = h % TFIDF_DIM
                self.signed[t] = weight if (h >> 31) & 1 else -weight

    def __len__(self) -> int:
        return len(self.index)

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The features of rows `positions` (0..len-1), in that order."""
        positions = np.asarray(positions, dtype=np.int64)
        k, dim = len(positions), self.dim
        # one k x (dim + TFIDF_DIM) array, each part filled and scaled in place
        combined = np.zeros((k, self.width), dtype=np.float32)
        x = combined[:, :dim]
        x[:] = self.vectors.rows(self.index[positions])
        _rows_unit(x, out=x)
        if self.mean is not None:
            _rows_unit(x - self.mean, fallback=x, out=x)
        if EMBEDDING_WEIGHT != 1.0:
            x *= EMBEDDING_WEIGHT
        # every (story, term) added in story then term order, as one unbuffered add
        # (`np.add.at` adds repeated cells one after the other, in float32)
        offsets = self.documents.offsets
        starts = offsets[positions]
        lengths = offsets[positions + 1] - starts
        owner = np.repeat(np.arange(k), lengths)
        terms = self.documents.terms[_ranges(starts, lengths)]
        flat = combined.reshape(-1)  # a view: combined is contiguous (tfidf, a slice, is not)
        np.add.at(flat, owner * self.width + dim + self.bucket[terms], self.signed[terms])
        tfidf = combined[:, dim:]
        _rows_unit(tfidf, out=tfidf)
        return _rows_unit(combined, out=combined)

    def chunks(self) -> Iterator[tuple[slice, np.ndarray]]:
        for part in slices(len(self), CHUNK_ROWS):
            yield part, self.take(np.arange(part.start, part.stop))

    def array(self) -> np.ndarray:
        out = np.empty((len(self), self.width), dtype=np.float32)
        for part, rows in self.chunks():
            out[part] = rows
        return out


def _rows_unit(
    x: np.ndarray, fallback: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Rows scaled to length 1 (float32; into `out` when given, which may be `x`); a row of
    (near) zero length is taken from `fallback` (or left as it is)."""
    # row lengths without an x-sized temporary (np.linalg.norm squares a copy of x)
    lengths = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
    small = lengths.ravel() <= 1e-6
    # taken before `out` is written: `fallback` may be `out`
    kept = fallback[small].copy() if fallback is not None and small.any() else None
    if out is None:
        out = np.empty(x.shape, dtype=np.float32)
    np.divide(x, np.maximum(lengths, 1e-12), out=out, casting="same_kind")
    if kept is not None:
        out[small] = kept
    return out


Rows = np.ndarray | _Features  # the features as one array, or computed a slice at a time


def _chunks(x: Rows) -> Iterator[tuple[slice, np.ndarray]]:
    """The rows of `x` a slice at a time (an array: itself, whole)."""
    if isinstance(x, np.ndarray):
        yield slice(0, len(x)), x
    else:
        yield from x.chunks()


def _take(x: Rows, index: np.ndarray) -> np.ndarray:
    return x[index] if isinstance(x, np.ndarray) else x.take(index)


def _cluster(x: Rows, max_topics: int) -> np.ndarray:
    """A cluster number per (unit) row; -1: "Other"."""
    m = len(x)
    if m < 2 * min_topic_size(m) + 1 or max_topics == 1:
        return np.zeros(m, dtype=np.int64)
    if m <= MICRO_CLUSTERS:
        labels = np.arange(m, dtype=np.int64)
    else:
        labels = _micro_clusters(x, MICRO_CLUSTERS)
    labels = _agglomerate(x, labels)
    # the merged topics' centres, then a few k-means rounds: a story that went with the
    # wrong small cluster moves to the topic it is closest to
    merged = sorted(set(labels.tolist()))
    start = _rows_unit(_cluster_sums(x, np.searchsorted(merged, labels), len(merged)))
    labels, _ = _kmeans(x, len(merged), start, iterations=KMEANS_REFINE)

    sizes = Counter(labels.tolist())
    smallest = min_topic_size(m)
    ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
    keep = [c for c, size in ranked if size >= smallest]
    keep = keep[: max_topics - 1] if len(keep) >= max_topics else keep
    out = np.full(m, -1, dtype=np.int64)
    for new, c in enumerate(keep):
        out[labels == c] = new
    if not keep:
        return out
    # stories far from their topic's centre go to "Other" (each story against every centre:
    # rows x topics floats, not a copy of x per gather)
    assigned = out >= 0
    centres = _rows_unit(_cluster_sums(x, out, len(keep)))
    fit = np.zeros(m, dtype=np.float32)
    for part, rows in _chunks(x):
        own = out[part]
        inside = np.flatnonzero(own >= 0)
        fit[part][inside] = (rows @ centres.T)[inside, own[inside]]
    similarity = fit[assigned]
    median = float(np.median(similarity)) if len(similarity) else 0.0
    far = np.flatnonzero(assigned)[similarity < OUTLIER_FRACTION * median]
    out[far] = -1
    return out


def _micro_clusters(x: Rows, k: int) -> np.ndarray:
    """Many small clusters (spherical k-means fitted on at most FIT_SAMPLE rows, seeded
    k-means++ start, then every row assigned and a few rounds over all rows): the units the
    agglomeration starts from."""
    m = len(x)
    rng = np.random.default_rng(SEED)
    if m <= FIT_SAMPLE:
        sample = x if isinstance(x, np.ndarray) else x.take(np.arange(m))
    else:
        sample = _take(x, np.sort(rng.choice(m, FIT_SAMPLE, replace=False)))
    _, centroids = _kmeans(sample, k, _kmeans_plus_plus(sample, k, rng), KMEANS_ITERATIONS)
    labels, _ = _kmeans(x, k, centroids, KMEANS_REFINE)
    return labels


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _kmeans(x: Rows, k: int, start: np.ndarray, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (cosine) from the unit centroids `start`: labels and centroids.
    An empty cluster restarts at the row that fits its own centroid worst. One pass over
    the rows per iteration (labels, fit and sums together)."""
    m = len(x)
    centroids = start.astype(np.float32, copy=True)
    labels = np.full(m, -1, dtype=np.int64)
    for _ in range(iterations):
        new = np.empty(m, dtype=np.int64)
        fit = np.empty(m, dtype=np.float32)
        sums = np.zeros_like(centroids)
        for part, rows in _chunks(x):
            similarity = rows @ centroids.T
            new[part] = similarity.argmax(axis=1)
            fit[part] = similarity[np.arange(len(rows)), new[part]]
            sums += _sums(rows, new[part], k)
        if np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        for c in np.flatnonzero(counts == 0):
            worst = int(fit.argmin())
            sums[c] = _take(x, np.array([worst]))[0]
            fit[worst] = np.inf
        centroids = _rows_unit(sums)
    return labels, centroids


def _cluster_sums(x: Rows, labels: np.ndarray, k: int) -> np.ndarray:
    """The sum of each cluster's rows; rows labelled -1 are in no cluster."""
    total: np.ndarray | None = None
    for part, rows in _chunks(x):
        some = _sums(rows, labels[part], k)
        total = some if total is None else total + some
    assert total is not None
    return total


def _sums(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """`_cluster_sums` of one array (a one-hot product: BLAS, unlike `np.add.at`)."""
    onehot = np.zeros((k, len(x)), dtype=np.float32)
    rows = np.flatnonzero(labels >= 0)
    onehot[labels[rows], rows] = 1.0
    return onehot @ x


def _kmeans_plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    m = len(x)
    centroids = np.empty((k, x.shape[1]), dtype=np.float32)
    centroids[0] = x[int(rng.integers(m))]
    closest = 1.0 - x @ centroids[0]  # cosine distance to the nearest chosen centre
    for c in range(1, k):
        weights = np.maximum(closest, 0.0).astype(np.float64) ** 2
        total = float(weights.sum())
        pick = int(rng.choice(m, p=weights / total)) if total > 0 else int(rng.integers(m))
        centroids[c] = x[pick]
        closest = np.minimum(closest, 1.0 - x @ centroids[c])
    return centroids


def _agglomerate(x: Rows, labels: np.ndarray) -> np.ndarray:
    """Average-linkage agglomeration of the clusters in `labels` (cluster numbers 0..k-1).

    Two clusters are as close as the mean similarity of their members across them (exact
    for unit rows: the dot product of the clusters' sums over the product of their sizes),
    relative to how close members are within each (the geometric mean of the two
    within-cluster means; a single story counts the median of the others, or of every
    story's nearest neighbour while there are none): two halves of one topic score about
    1, unrelated topics near 0, whatever the scale of the features. The closest pair merges
    while that ratio is at least MERGE_RATIO. Sums' dot products are updated per merge
    (Lance-Williams), so the cost is O(k^2) per merge. Returns the merged cluster numbers.
    """
    k = int(labels.max()) + 1
    sums = _cluster_sums(x, labels, k).astype(np.float64)
    dots = sums @ sums.T
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    alive = sizes > 0
    parent = np.arange(k)
    if np.all(sizes[alive] == 1):
        nearest = dots.copy()
        np.fill_diagonal(nearest, -np.inf)
        lone = float(np.median(nearest[np.ix_(alive, alive)].max(axis=1)))
    else:
        lone = 1.0
    while alive.sum() > 1:
        idx = np.flatnonzero(alive)
        d = dots[np.ix_(idx, idx)]
        n = sizes[idx]
        many = n > 1
        within = np.full(len(idx), lone)
        within[many] = (np.diag(d)[many] - n[many]) / (n[many] * (n[many] - 1))
        if many.any():
            within[~many] = float(np.median(within[many]))
        within = np.maximum(within, 1e-9)
        ratio = d / np.outer(n, n) / np.sqrt(np.outer(within, within))
        np.fill_diagonal(ratio, -np.inf)
        a, b = np.unravel_index(int(ratio.argmax()), ratio.shape)
        if ratio[a, b] < MERGE_RATIO:
            break
        keep, gone = int(idx[min(a, b)]), int(idx[max(a, b)])
        dots[keep] += dots[gone]
        dots[:, keep] += dots[:, gone]
        sizes[keep] += sizes[gone]
        alive[gone] = False
        parent[gone] = keep
    roots = parent.copy()
    for c in range(k):  # path halving: a merged cluster's members follow it to its root
        r = c
        while roots[r] != r:
            r = roots[r]
        roots[c] = r
    return roots[labels]


# -- labels ---------------------------------------------------------------------------------


# between the two words of a term's key: it sorts before any character of a word, so keys
# compare as their tuples of words would (a tuple of two strings costs ~3 times the memory)
SEP = "\x00"


@dataclass(slots=True)
class _Documents:
    """The label terms of the day's stories (words and two-word phrases, see `_documents`),
    as numbers: term t is `vocab[t]` (its words joined by `SEP`); story k (the k-th of the
    rows given, `slot[story]`) uses `terms[offsets[k]:offsets[k + 1]]` (each once, in the
    order met); position j is spelled `spellings[spelled_as[i]]` if `spelled_at[i] == j`,
    else as the term itself (`join` of its words: ~98% of them on a day of 196 k stories);
    `day[t]` counts the stories using t. Flat arrays, not a dict of strings per story: at
    100k stories of real text that was gigabytes.

    On a day big enough (`_PRUNE_FROM` stories), terms used by one story only are left out:
    they weigh nothing in the TF-IDF and no topic of 4 stories or more can take them as a
    label; a smaller topic's label reads its own stories again (`_label_terms`)."""

    vocab: list[str]
    day: np.ndarray
    terms: np.ndarray
    spelled_at: np.ndarray
    spelled_as: np.ndarray
    spellings: list[str]
    offsets: np.ndarray
    slot: np.ndarray  # story index -> k (`_slots`)
    stories: int  # the day's stories (those given, unless taken from a day)
    pruned: bool  # terms of one story left out

    def used(self, stories: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The terms the stories use, in order, and each one's spelling number (-1: as the
        term itself)."""
        ks = self.slot[np.asarray(stories, dtype=np.int64)]
        starts, stops = self.offsets[ks], self.offsets[ks + 1]
        lengths = stops - starts
        into = np.cumsum(lengths) - lengths  # where each story's terms start in the result
        terms = self.terms[_ranges(starts, lengths)]
        spelled = np.full(len(terms), -1, dtype=np.int32)
        lo, hi = np.searchsorted(self.spelled_at, starts), np.searchsorted(self.spelled_at, stops)
        found = hi - lo
        owner = np.repeat(np.arange(len(ks)), found)
        which = _ranges(lo, found)
        spelled[into[owner] + self.spelled_at[which] - starts[owner]] = self.spelled_as[which]
        return terms, spelled


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ... (length of them) of each range, one after the
    other: the flat index of the ranges' concatenation."""
    before = np.cumsum(lengths) - lengths  # where each range starts in the result
    return np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()))


def _slots(rows: Sequence[int]) -> np.ndarray:
    """story index -> its k among `rows` (-1: not one of them)."""
    slot = np.full(max(rows, default=-1) + 1, -1, dtype=np.int64)
    slot[np.asarray(rows, dtype=np.int64)] = np.arange(len(rows))
    return slot


# from this many stories on, the smallest topic has 4 (see min_topic_size); measured at 93k
# stories of distinct text: 3.1 M terms, 2.4 M of them in one story
_PRUNE_FROM = 601


def _story_terms(title: str, text: str | None) -> dict[str, str | None]:
    """A story's label terms, words and two-word phrases (the keyword rules: no stop words,
    no lone number, no phrase led by a number) as keys (words joined by `SEP`), each once
    in the order met, with how the story spells it: None when that is the term itself
    (`join` of its words, lower case mostly), so the day keeps no string for it."""
    tokens = tokenize(prepare(title, LABEL_TITLE_CHARS))
    tokens += [BREAK, *tokenize(prepare(text, LABEL_TEXT_CHARS)), BREAK]
    mine: dict[str, str | None] = {}
    for a, b in itertools.pairwise(tokens):
        if a[3] in _ALONE and a[1] not in mine:
            mine[a[1]] = None if a[0] == a[1] else a[0]
        if a[3] in _LEADS and b[3] in _ENDS:
            pair = a[1] + SEP + b[1]
            if pair not in mine:
                as_is = a[0] == a[1] and b[0] == b[1]
                mine[pair] = None if as_is else join((a[0], b[0]))
    return mine


# term hashes read at once while the day's stories are first read: they are merged into the
# day's distinct terms block by block, so the reading holds those, not every (story, term)
_COUNT_BLOCK = 1 << 20
# from this many stories on, each reading of the day's terms goes in two processes, half of
# the stories each (`riverbed.core.halves`: fork, where the process may have children); the
# result is the same
PARALLEL_FROM = 20_000


def _halves(rows: Sequence[int]) -> tuple[Sequence[int], Sequence[int]] | None:
    """The two halves of `rows` when the readings go in two processes, else None."""
    if len(rows) < PARALLEL_FROM or not can_fork():
        return None
    half = len(rows) // 2
    return rows[:half], rows[half:]


def _merge_sightings(
    seen: np.ndarray, again: np.ndarray, more: np.ndarray, more_again: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct hashes `seen` (flag `again`: met in two stories or more) with those of
    other stories (`more`, sorted and distinct, and their flags) merged in."""
    at = np.searchsorted(seen, more)
    known = at < len(seen)
    known[known] = seen[at[known]] == more[known]
    again[at[known]] = True
    new = ~known
    return np.insert(seen, at[new], more[new]), np.insert(again, at[new], more_again[new])


def _sightings(
    titles: Sequence[str], texts: Sequence[str | None], rows: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct hashes of the terms the stories `rows` use, sorted, and whether two or
    more of them use each. Each block's distinct hashes are merged into the sorted ones met
    so far: ~9 bytes a distinct term and one copy while merging, not the counts and sort
    order of every one of them."""
    seen, again = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    block = array("q")
    for n, i in enumerate(rows, start=1):
        block.extend(hash(term) for term in _story_terms(titles[i], texts[i]))
        if len(block) >= _COUNT_BLOCK or n == len(rows):
            more, times = np.unique(np.frombuffer(block, dtype=np.int64), return_counts=True)
            seen, again = _merge_sightings(seen, again, more, times > 1)
            block = array("q")
    return seen, again


def _repeated_terms(
    titles: Sequence[str], texts: Sequence[str | None], rows: Sequence[int]
) -> np.ndarray:
    """The hashes of the terms that two or more of the stories `rows` use, sorted (`hash`
    of a str: a forked child has its parent's hash seed)."""
    halves = _halves(rows)
    if halves is None:
        seen, again = _sightings(titles, texts, rows)
    else:
        first, second = in_two(_sightings, (titles, texts, halves[0]), (titles, texts, halves[1]))
        seen, again = _merge_sightings(*first, *second)
    return seen[again]


def _kept(mine: dict[str, str | None], repeated: np.ndarray) -> list[tuple[str, str | None]]:
    """The (term, spelling) pairs of a story whose term hash is in `repeated` (sorted)."""
    if not len(repeated) or not mine:
        return []
    hashes = np.fromiter(map(hash, mine), dtype=np.int64, count=len(mine))
    at = np.minimum(np.searchsorted(repeated, hashes), len(repeated) - 1)
    found = (repeated[at] == hashes).tolist()
    return [pair for pair, keep in zip(mine.items(), found, strict=True) if keep]


@dataclass
class _Reading:
    """The label terms of some stories, numbered in the order first met: `terms` (term
    numbers, story after story; `offsets` bound each story's), and where a story spells a
    term otherwise (`spelled_at` positions in `terms`, `spelled_as` spelling numbers)."""

    vocab: list[str]
    terms: np.ndarray
    offsets: np.ndarray
    spelled_at: np.ndarray
    spelled_as: np.ndarray
    spellings: list[str]


def _read(
    titles: Sequence[str],
    texts: Sequence[str | None],
    rows: Sequence[int],
    repeated: np.ndarray | None,
) -> _Reading:
    """The label terms of stories `rows` (only those in `repeated`, when given)."""
    ids: dict[str, int] = {}
    spelling_ids: dict[str, int] = {}
    terms, spelled_at, spelled_as = array("i"), array("q"), array("i")
    offsets = array("q", [0])
    for i in rows:
        mine = _story_terms(titles[i], texts[i])
        for term, spelling in mine.items() if repeated is None else _kept(mine, repeated):
            terms.append(ids.setdefault(term, len(ids)))
            if spelling is None:
                continue
            spelled_at.append(len(terms) - 1)
            spelled_as.append(spelling_ids.setdefault(spelling, len(spelling_ids)))
        offsets.append(len(terms))
    return _Reading(
        vocab=list(ids),
        # the arrays' own memory, not a copy (a day's terms: tens of millions)
        terms=np.frombuffer(terms, dtype=np.int32) if terms else np.zeros(0, dtype=np.int32),
        offsets=np.frombuffer(offsets, dtype=np.int64),
        spelled_at=np.array(spelled_at, dtype=np.int64),
        spelled_as=np.array(spelled_as, dtype=np.int32),
        spellings=list(spelling_ids),
    )


def _numbering(first: list[str], second: list[str]) -> tuple[list[str], np.ndarray]:
    """`first` then the strings of `second` it lacks, and each of `second`'s number there."""
    ids = {s: k for k, s in enumerate(first)}
    mapping = np.fromiter(
        (ids.setdefault(s, len(ids)) for s in second), dtype=np.int32, count=len(second)
    )
    return list(ids), mapping


def _joined(a: _Reading, b: _Reading) -> _Reading:
    """The reading of `a`'s stories then `b`'s: numbered as one reading of them all would."""
    vocab, terms_of_b = _numbering(a.vocab, b.vocab)
    spellings, spellings_of_b = _numbering(a.spellings, b.spellings)
    return _Reading(
        vocab=vocab,
        terms=np.concatenate([a.terms, terms_of_b[b.terms]]),
        offsets=np.concatenate([a.offsets, b.offsets[1:] + a.offsets[-1]]),
        spelled_at=np.concatenate([a.spelled_at, b.spelled_at + len(a.terms)]),
        spelled_as=np.concatenate([a.spelled_as, spellings_of_b[b.spelled_as]]),
        spellings=spellings,
    )


def _documents(
    titles: Sequence[str], texts: Sequence[str | None], rows: Sequence[int]
) -> _Documents:
    """The label terms of stories `rows` (see `_Documents`)."""
    prune = len(rows) >= _PRUNE_FROM
    # a first reading finds the terms of two stories or more (by their hashes)
    repeated = _repeated_terms(titles, texts, rows) if prune else None
    halves = _halves(rows)
    if halves is None:
        reading = _read(titles, texts, rows, repeated)
    else:
        reading = _joined(
            *in_two(
                _read, (titles, texts, halves[0], repeated), (titles, texts, halves[1], repeated)
            )
        )
    return _Documents(
        vocab=reading.vocab,
        day=np.bincount(reading.terms, minlength=len(reading.vocab)),
        terms=reading.terms,
        spelled_at=reading.spelled_at,
        spelled_as=reading.spelled_as,
        spellings=reading.spellings,
        offsets=reading.offsets,
        slot=_slots(rows),
        stories=len(rows),
        pruned=prune,
    )


def _own_documents(
    members: Sequence[int], titles: Sequence[str], texts: Sequence[str | None], day: _Documents
) -> _Documents:
    """Every term of `members` (a topic of the day `day`), with the day's story counts: a
    term `day` left out was in one story."""
    own = _documents([titles[i] for i in members], [texts[i] for i in members], range(len(members)))
    own.slot = _slots(members)
    wanted = set(own.vocab)  # the day's number of each (a rare case: one pass over the day's)
    at = {term: t for t, term in enumerate(day.vocab) if term in wanted}
    own.day = np.array([day.day[at[t]] if t in at else 1 for t in own.vocab], np.int64)
    own.stories = day.stories
    return own


def _label_terms(members: Sequence[int], documents: _Documents) -> list[str]:
    """The topic's best terms by c-TF-IDF, no two sharing a word, printed as spelled."""
    used_terms, used_spelled = documents.used(members)
    size = len(members)
    stories = documents.stories
    floor = max(2, math.ceil(0.1 * size)) if size >= 4 else 1
    found, counts = np.unique(used_terms, return_counts=True)
    scored = sorted(
        (
            -(count / size)
            * math.log(1 + stories / int(documents.day[t]))
            * (1.15 if SEP in documents.vocab[t] else 1.0),
            documents.vocab[t],
            t,
        )
        for t, count in zip(found.tolist(), counts.tolist(), strict=True)
        if count >= floor
    )
    chosen: list[str] = []
    used: set[str] = set()
    best = -scored[0][0] if scored else 0.0
    for negative, term, t in scored:
        words = {w for w in term.split(SEP) if not w[:1].isdigit()}
        if words & used:
            continue
        if chosen and -negative < 0.35 * best:
            break
        used |= words
        # its spellings counted in the members' order (ties go to the first met)
        spellings = Counter(
            documents.spellings[k] if k >= 0 else join(term.split(SEP))
            for k in used_spelled[used_terms == t].tolist()
        )
        chosen.append(display_form(spellings))
        if len(chosen) == 8:
            break
    return chosen
