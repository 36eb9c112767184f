"""Topics on a big day leave out the label terms of a single story (millions of them on a
day of real text) — and give exactly the topics they gave with every term kept."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from riverbed.enrich import topics
from riverbed.enrich.topics import (
    SEP,
    _documents,
    _label_terms,
    _own_documents,
    cluster_topics,
)

DATE = "2026-11-27"
SUBJECTS = {
    "storage": "postgres vacuum replica index planner wal checkpoint",
    "compilers": "llvm inlining register allocator bytecode optimizer",
    "browsers": "chromium rendering layout javascript engine tabs",
}


def _word(i: int) -> str:
    """A word of story i's own: "qaaaf" for 5."""
    return "q" + "".join(chr(ord("a") + int(d)) for d in f"{i:04d}")


def _day(n: int) -> tuple[np.ndarray, list[str], list[str | None], list[str]]:
    rng = np.random.default_rng(7)
    names = list(SUBJECTS)
    centres = rng.normal(size=(len(names), 32)).astype(np.float32)
    vectors, titles = [], []
    texts: list[str | None] = []
    for i in range(n):
        s = i % len(names)
        vectors.append(centres[s] + 0.3 * rng.normal(size=32).astype(np.float32))
        words = SUBJECTS[names[s]].split()
        picked = " ".join(rng.choice(words, size=4, replace=False))
        titles.append(f"{picked.title()} notes {i}")
        texts.append(f"{picked} in practice, story {_word(i)}.")
    return np.array(vectors), titles, texts, [f"s{i:05d}" for i in range(n)]


def test_a_big_day_keeps_only_terms_of_two_stories_or_more() -> None:
    _, titles, texts, _ = _day(topics._PRUNE_FROM)
    rows = list(range(len(titles)))
    pruned = _documents(titles, texts, rows)
    assert pruned.pruned
    assert _word(5) not in pruned.vocab  # one story's word
    assert pruned.day[pruned.vocab.index("practice")] > 1
    small = _documents(titles[:50], texts[:50], list(range(50)))
    assert not small.pruned and _word(5) in small.vocab
    # a story's own reading has every term, with the day's story counts (1: left out)
    own = _own_documents([5, 8], titles, texts, pruned)
    assert own.day[own.vocab.index(_word(5))] == 1
    practice = pruned.day[pruned.vocab.index("practice")]
    assert own.day[own.vocab.index("practice")] == practice
    assert own.stories == pruned.stories == len(rows)


def test_labels_of_a_small_topic_read_its_own_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    _, titles, texts, _ = _day(topics._PRUNE_FROM)
    rows = list(range(len(titles)))
    members = [3, 6, 9]  # under 4 stories: a term of one story may label it
    pruned = _documents(titles, texts, rows)
    monkeypatch.setattr(topics, "_PRUNE_FROM", 10**9)
    whole = _documents(titles, texts, rows)
    assert not whole.pruned
    expected = _label_terms(members, whole)
    assert _label_terms(members, _own_documents(members, titles, texts, pruned)) == expected


def test_pruning_changes_no_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, titles, texts, ids = _day(900)
    pruned = cluster_topics(vectors, titles, texts, ids, DATE)
    monkeypatch.setattr(topics, "_PRUNE_FROM", 10**9)
    assert cluster_topics(vectors, titles, texts, ids, DATE) == pruned
    assert len(pruned[0]) >= 3


def test_terms_are_counted_block_by_block_as_all_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first reading merges a block of (story, term) hashes at a time into the day's:
    the terms of two stories or more, whatever the block size."""
    _, titles, texts, _ = _day(700)
    rows = list(range(len(titles)))
    counts = Counter(hash(t) for i in rows for t in topics._story_terms(titles[i], texts[i]))
    expected = np.array(sorted(h for h, c in counts.items() if c > 1), dtype=np.int64)
    assert 0 < len(expected) < len(counts)
    assert np.array_equal(topics._repeated_terms(titles, texts, rows), expected)
    monkeypatch.setattr(topics, "_COUNT_BLOCK", 97)
    assert np.array_equal(topics._repeated_terms(titles, texts, rows), expected)


def test_term_keys_sort_as_their_words_do() -> None:
    """A term's key is its words joined by SEP: keys sort as the tuples of their words
    (labels break score ties by it), one word before the phrases it starts."""
    titles = ["Ab ab-c notes", "ab c, a b c", "Zed alpha"]
    texts: list[str | None] = ["a abc ab c", None, "alpha zed"]
    vocab = _documents(titles, texts, [0, 1, 2]).vocab
    assert any(SEP in term for term in vocab) and any(SEP not in term for term in vocab)
    assert sorted(vocab) == sorted(vocab, key=lambda term: tuple(term.split(SEP)))


def test_a_topics_terms_and_spellings_read_as_each_story_has_them() -> None:
    """`used` gives the members' terms in order with their spellings, though only the
    spellings that are not the term itself are kept (sparse)."""
    titles = ["PostgreSQL Vacuum at GitHub", "postgresql vacuum tuning", "The KDE Plasma boot"]
    texts: list[str | None] = ["GitHub runs PostgreSQL.", "vacuum, Vacuum, VACUUM", None]
    documents = _documents(titles, texts, [0, 1, 2])
    assert 0 < len(documents.spelled_at) < len(documents.terms)  # some spelled otherwise
    members = [2, 0, 1]
    terms, spelled = documents.used(members)
    expected = [
        (documents.vocab.index(term), -1 if s is None else documents.spellings.index(s))
        for i in members
        for term, s in topics._story_terms(titles[i], texts[i]).items()
    ]
    assert list(zip(terms.tolist(), spelled.tolist(), strict=True)) == expected


def _same_documents(a: topics._Documents, b: topics._Documents) -> bool:
    arrays = ("day", "terms", "spelled_at", "spelled_as", "offsets", "slot")
    return (
        (a.vocab, a.spellings, a.stories, a.pruned) == (b.vocab, b.spellings, b.stories, b.pruned)
        and all(np.array_equal(getattr(a, n), getattr(b, n)) for n in arrays)
        and all(getattr(a, n).dtype == getattr(b, n).dtype for n in arrays)
    )


@pytest.mark.skipif(not topics.can_fork(), reason="the readings fork only where fork is")
def test_readings_in_two_processes_equal_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """From `PARALLEL_FROM` stories on, both readings of the day's terms go half in a forked
    child: the same repeated terms, the same numbering of terms and spellings, the same
    topics as one process reading them all."""
    vectors, titles, texts, ids = _day(900)
    titles = [t.replace("notes", "Notes" if i % 4 else "NOTES") for i, t in enumerate(titles)]
    # a word of exactly two stories, one in each half: only the merged sightings repeat it
    texts = [f"{t} Also {_word(5000 + i % 450)}." for i, t in enumerate(texts)]
    rows = list(range(len(titles)))
    repeated = topics._repeated_terms(titles, texts, rows)
    one = _documents(titles, texts, rows)
    clustered = cluster_topics(vectors, titles, texts, ids, DATE)
    assert one.pruned and len(one.spellings) > 1 and _word(5000) in one.vocab

    forks = []
    real_in_two = topics.in_two

    def counted(*args):  # type: ignore[no-untyped-def]
        forks.append(args[0].__name__)
        return real_in_two(*args)

    monkeypatch.setattr(topics, "PARALLEL_FROM", 450)  # the day's readings, not a topic's own
    monkeypatch.setattr(topics, "in_two", counted)
    assert np.array_equal(topics._repeated_terms(titles, texts, rows), repeated)
    assert _same_documents(_documents(titles, texts, rows), one)
    assert cluster_topics(vectors, titles, texts, ids, DATE) == clustered
    assert set(forks) == {"_sightings", "_read"}
