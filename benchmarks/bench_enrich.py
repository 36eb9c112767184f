"""Enrichers at 10k stories: stories/s of each `riverbed.enrich` enricher beside a simple
baseline run side by side on the same stories, with a quality measure where the synthetic
corpus knows the answer.

The corpus is synthetic, drawn from the demo vocabulary (`riverbed.demo.words`): for each
story a topic of the twelve (databases, rust, security, …), a product of that topic with a
version and feature, a headline from the demo's post templates, and a text of eight
sentences from the demo's blog-post and article templates (about 900 characters: a story's
title and opening, what the pipeline embeds). Much of that text is template prose shared by
every topic, which is what makes topic clustering hard on it. (The demo's news prose is left
out: mixed at random into blog posts it would add a "style" that is no topic.)

Rows (riverbed / baseline):
- language: `enrich.language.detect_language` (confidence-checked, folded labels) / raw
  `py3langid.classify`;
- keywords: `enrich.keywords.extract_keywords` / the five most frequent non-stop words;
  quality: share of stories whose keywords name the story's product;
- embeddings: `HashingEmbedder` (fresh instance: its word memo starts cold) / pure-Python
  hashing of unigrams into a dict; quality: nearest-neighbour topic accuracy;
- topics: `enrich.topics.cluster_topics` (labels included) / numpy Lloyd k-means with a
  random start, k = 12, on the same vectors; quality: purity of the named topics and the
  share left in "Other";
- summaries: `enrich.summary.extractive_summary` / the first two sentences;
- interest: `enrich.interest.interest_scores` (four interests) / a Python loop of dot
  products; quality: ROC AUC of the "rust" score for the rust topic's stories (lexical: the
  corpus never says "database" for its database stories);
- cache: `EnrichCache.put_many` + `get_many` of every story's keywords and vector on a local
  lake / one JSON file read, updated and rewritten (the read-modify-write it avoids).

    uv run python benchmarks/bench_enrich.py [--stories 10000] [--repeat 3] [--seed 1]

Times are the best of `--repeat` runs (wall clock, one process); on a shared machine they
are noisy: repeat, and compare ratios rather than absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import re
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from riverbed.demo.text import fill, make_slots, post_title, usable_templates
from riverbed.demo.words import (
    ARTICLE_SENTENCES,
    BRAND_HEADS,
    BRAND_TAILS,
    SENTENCES,
    TOPICS,
)
from riverbed.enrich.cache import EnrichCache, content_key
from riverbed.enrich.embeddings import HashingEmbedder
from riverbed.enrich.interest import interest_scores
from riverbed.enrich.keywords import extract_keywords
from riverbed.enrich.language import detect_language
from riverbed.enrich.stopwords import NOT_KEYWORDS
from riverbed.enrich.summary import extractive_summary
from riverbed.enrich.topics import OTHER_LABEL, cluster_topics
from riverbed.lake.store import Lake

DATE = "2026-11-26"
INTERESTS = ("databases", "rust", "observability", "machine learning")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Story:
    story_id: str
    title: str
    text: str
    topic: str
    product: str


def synthetic_stories(n: int, seed: int = 1) -> list[Story]:
    """`n` stories from the demo vocabulary (see the module docstring); deterministic."""
    rng = random.Random(seed)
    prose = SENTENCES + ARTICLE_SENTENCES
    out = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        brand = rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS)
        slots = make_slots(rng, topic, 2026, brand)
        pool = usable_templates(prose, slots)
        text = " ".join(fill(t, slots) for t in rng.sample(pool, min(8, len(pool))))
        out.append(Story(f"{i:016x}", post_title(rng, slots), text, topic.tag, slots["product"]))
    return out


# -- baselines ----------------------------------------------------------------------------------


def naive_keywords(title: str, text: str, k: int = 5) -> list[str]:
    words = [w for w in _WORD.findall(f"{title} {text}".lower()) if w not in NOT_KEYWORDS]
    return [w for w, _ in Counter(words).most_common(k)]


def naive_embed(texts: Sequence[str], dim: int = 512) -> np.ndarray:
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        bucket: dict[int, float] = {}
        for w in _WORD.findall(text.lower()):
            h = zlib.crc32(w.encode())
            bucket[h % dim] = bucket.get(h % dim, 0.0) + (1.0 if h >> 31 else -1.0)
        norm = math.sqrt(sum(v * v for v in bucket.values())) or 1.0
        for j, v in bucket.items():
            out[row, j] = v / norm
    return out


def naive_kmeans(x: np.ndarray, k: int, seed: int = 0, iterations: int = 30) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), k, replace=False)].copy()
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(iterations):
        labels = (x @ centroids.T).argmax(axis=1)
        for c in range(k):
            members = x[labels == c]
            if len(members):
                centroids[c] = members.mean(axis=0)
    return labels


def lead_sentences(text: str, n: int = 2) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text)[:n])


def naive_interest(vectors: np.ndarray, queries: np.ndarray) -> list[tuple[int, float]]:
    out = []
    for v in vectors.tolist():
        scores = [sum(a * b for a, b in zip(v, q, strict=True)) for q in queries.tolist()]
        best = max(range(len(scores)), key=scores.__getitem__)
        out.append((best, scores[best]))
    return out


def json_file_cache(path: Path, values: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The read-modify-write cache EnrichCache avoids: one JSON object, rewritten whole."""
    known = json.loads(path.read_text()) if path.exists() else {}
    known.update(values)
    path.write_text(json.dumps(known))
    return {k: known[k] for k in keys if k in known}


# -- quality ------------------------------------------------------------------------------------


def nn_accuracy(x: np.ndarray, topics: Sequence[str], sample: int = 2000) -> float:
    labels = np.array(topics)
    rows = np.arange(min(sample, len(x)))
    similarity = x[rows] @ x.T
    similarity[rows, rows] = -np.inf
    return float((labels[similarity.argmax(axis=1)] == labels[rows]).mean())


def purity(groups: Sequence[Sequence[int]], topics: Sequence[str]) -> float:
    named = sum(len(g) for g in groups)
    if not named:
        return 0.0
    return sum(Counter(topics[i] for i in g).most_common(1)[0][1] for g in groups) / named


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    pos, neg = np.asarray(positive), np.asarray(negative)
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]))) + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


# -- the runs -----------------------------------------------------------------------------------


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass
class Row:
    name: str
    ours: float  # seconds
    baseline: float
    quality: str = ""


def measure(stories: Sequence[Story], repeat: int) -> list[Row]:
    n = len(stories)
    titles = [s.title for s in stories]
    texts = [s.text for s in stories]
    topics = [s.topic for s in stories]
    embed_texts = [f"{s.title}\n{s.text[:1000]}" for s in stories]
    rows: list[Row] = []

    import py3langid

    ours, _ = best_of(
        repeat, lambda: [detect_language(f"{t}. {x}") for t, x in zip(titles, texts, strict=True)]
    )
    base, _ = best_of(
        repeat,
        lambda: [py3langid.classify(f"{t}. {x}") for t, x in zip(titles, texts, strict=True)],
    )
    rows.append(Row("language", ours, base))

    ours, kws = best_of(
        repeat, lambda: [extract_keywords(t, x) for t, x in zip(titles, texts, strict=True)]
    )
    base, naive = best_of(
        repeat, lambda: [naive_keywords(t, x) for t, x in zip(titles, texts, strict=True)]
    )

    def named(keywords: list[list[str]]) -> float:
        return (
            sum(
                any(s.product.lower() in k.lower() for k in kw)
                for s, kw in zip(stories, keywords, strict=True)
            )
            / n
        )

    rows.append(
        Row("keywords", ours, base, f"product named: {named(kws):.2f} vs {named(naive):.2f}")
    )

    ours, vectors = best_of(repeat, lambda: HashingEmbedder().embed(embed_texts))
    base, naive_vectors = best_of(repeat, lambda: naive_embed(embed_texts))
    rows.append(
        Row(
            "embeddings",
            ours,
            base,
            f"nearest-neighbour topic: {nn_accuracy(vectors, topics):.2f} vs "
            f"{nn_accuracy(naive_vectors, topics):.2f}",
        )
    )

    ids = [s.story_id for s in stories]
    ours, (found, _) = best_of(repeat, lambda: cluster_topics(vectors, titles, texts, ids, DATE))
    base, labels = best_of(repeat, lambda: naive_kmeans(vectors, 12))
    index = {sid: i for i, sid in enumerate(ids)}
    groups = [[index[sid] for sid in t.story_ids] for t in found if t.label != OTHER_LABEL]
    other = sum(t.size for t in found if t.label == OTHER_LABEL) / n
    naive_groups = [list(np.flatnonzero(labels == c)) for c in range(12)]
    rows.append(
        Row(
            "topics",
            ours,
            base,
            f"purity {purity(groups, topics):.2f} ({len(groups)} topics, {other:.0%} Other) vs "
            f"{purity(naive_groups, topics):.2f}",
        )
    )

    ours, _ = best_of(
        repeat, lambda: [extractive_summary(t, x) for t, x in zip(titles, texts, strict=True)]
    )
    base, _ = best_of(repeat, lambda: [lead_sentences(x) for x in texts])
    rows.append(Row("summaries", ours, base))

    embedder = HashingEmbedder()
    queries = embedder.embed(list(INTERESTS))
    ours, _ = best_of(repeat, lambda: interest_scores(vectors, INTERESTS, embedder))
    base, _ = best_of(1, lambda: naive_interest(vectors, queries))
    on = np.array([t == "rust" for t in topics])
    rust = np.array([s for _, s in interest_scores(vectors, ["rust"], embedder)])
    rows.append(Row("interest", ours, base, f"AUC 'rust': {auc(rust[on], rust[~on]):.2f}"))

    keys = [content_key(t, x) for t, x in zip(titles, texts, strict=True)]
    keyword_values = dict(zip(keys, kws, strict=True))
    vector_values = {k: v for k, v in zip(keys, vectors, strict=True)}

    def ours_cache() -> int:
        with tempfile.TemporaryDirectory() as tmp:
            lake = Lake(tmp)
            for namespace, values in (
                ("keywords/v1", keyword_values),
                ("embeddings/hashing-v1", vector_values),
            ):
                cache = EnrichCache(lake, namespace)
                cache.put_many(values)
                got = cache.get_many(keys)
                assert len(got) == len(set(keys)), (namespace, len(got))
            return 0

    def baseline_cache() -> int:
        with tempfile.TemporaryDirectory() as tmp:
            listed = {k: [float(x) for x in v] for k, v in vector_values.items()}
            for name, values in (("keywords", keyword_values), ("embeddings", listed)):
                got = json_file_cache(Path(tmp) / f"{name}.json", values, keys)
                assert len(got) == len(set(keys))
            return 0

    ours, _ = best_of(repeat, ours_cache)
    base, _ = best_of(repeat, baseline_cache)
    rows.append(Row("cache (put+get, keywords+vectors)", ours, base))
    return rows


def report(rows: Sequence[Row], n: int) -> str:
    lines = [
        "| enricher | riverbed stories/s | baseline stories/s | riverbed / baseline | quality (riverbed vs baseline) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {n / r.ours:,.0f} | {n / r.baseline:,.0f} | "
            f"{r.baseline / r.ours:.2f}x | {r.quality} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    stories = synthetic_stories(args.stories, args.seed)
    print(
        f"{len(stories)} synthetic stories, {sum(len(s.text) for s in stories) / len(stories):.0f}"
        f" chars of text each on average; best of {args.repeat}"
    )
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or 'CPU'}"
    )
    print(report(measure(stories, args.repeat), len(stories)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
