"""The hashing embedder (shape, norms, stability across processes, same-topic stories closer
than others) and `load_embedder`'s choices and fallbacks."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Sequence

import numpy as np
import pytest

from enrich.labelled import STORIES, TOPICS
from riverbed.enrich import embeddings
from riverbed.enrich.embeddings import Embedder, HashingEmbedder, load_embedder


def _texts() -> list[str]:
    return [f"{s.title}\n{s.text}" for s in STORIES]


def test_rows_are_unit_float32_and_empty_text_is_a_zero_row() -> None:
    vectors = HashingEmbedder().embed(["Postgres 18 ships async I/O", "", "the and of", "🎉"])
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert not vectors[1:].any()  # nothing, stop words only, emoji only


def test_no_texts_give_an_empty_matrix() -> None:
    assert HashingEmbedder(dim=64).embed([]).shape == (0, 64)


def test_same_text_same_vector_in_another_process() -> None:
    text = "Critical OpenSSH vulnerability allows remote code execution"
    mine = HashingEmbedder().embed([text])[0]
    code = (
        "import sys, numpy as np\n"
        "from riverbed.enrich.embeddings import HashingEmbedder\n"
        f"np.save(sys.stdout.buffer, HashingEmbedder().embed([{text!r}])[0])\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # str hashes differ; CRC-32 does not
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    theirs = np.load(io.BytesIO(out.stdout))
    np.testing.assert_array_equal(mine, theirs)


def test_same_topic_stories_are_closer_than_other_topics() -> None:
    vectors = HashingEmbedder().embed(_texts())
    topics = np.array([s.topic for s in STORIES])
    similarity = vectors @ vectors.T
    for topic in TOPICS:
        inside = topics == topic
        within = similarity[np.ix_(inside, inside)][~np.eye(inside.sum(), dtype=bool)].mean()
        for other in TOPICS:
            if other != topic:
                across = similarity[np.ix_(inside, topics == other)].mean()
                assert within > 1.5 * across, (topic, other, within, across)
    np.fill_diagonal(similarity, -1)
    nearest = topics[similarity.argmax(axis=1)]
    assert (nearest == topics).mean() >= 0.7


@pytest.mark.parametrize(
    ("a", "b", "unrelated"),
    [
        ("databases", "database", "telescope"),
        ("vulnerabilities", "vulnerability", "eclipse"),
        ("Postgres", "PostgreSQL", "Kubernetes"),
        ("replication lag", "replica lag", "solar eclipse"),
        ("Rust's borrow checker", "the Rust borrow checker", "borrowing money"),
    ],
)
def test_word_forms_are_close(a: str, b: str, unrelated: str) -> None:
    # plurals fold to one word; other forms share character n-grams (partial credit)
    va, vb, vu = HashingEmbedder().embed([a, b, unrelated])
    assert float(va @ vb) > float(va @ vu) + 0.1


def test_the_first_line_weighs_more() -> None:
    embedder = HashingEmbedder()
    title_db, title_space = embedder.embed(
        [
            "Postgres vacuum tuning\nThe rocket launched from the pad and reached orbit.",
            "Rocket reaches orbit\nThe rocket launched from the pad and reached orbit.",
        ]
    )
    (query,) = embedder.embed(["Postgres vacuum"])
    assert float(title_db @ query) > float(title_space @ query) + 0.2


@pytest.mark.parametrize(
    "text",
    [
        "数据库引擎改进了查询优化器",
        "Новая версия базы данных ускоряет запросы",
        "<p>Grafana&nbsp;12 <b>ships</b></p>",
        "x" * 100_000,
        "word " * 200_000,
        "\x00\x01 ctrl \ud800 lone surrogate",
    ],
    ids=["chinese", "russian", "html", "one-huge-token", "huge", "control-chars"],
)
def test_hostile_text_still_gives_a_unit_or_zero_row(text: str) -> None:
    (row,) = HashingEmbedder().embed([text])
    assert np.isfinite(row).all()
    assert np.linalg.norm(row) == pytest.approx(1.0, abs=1e-5) or not row.any()


def test_other_dimensions_have_their_own_name() -> None:
    assert HashingEmbedder().name == "hashing-v1"
    small = HashingEmbedder(dim=128)
    assert small.name == "hashing-v1-128" and small.embed(["a text"]).shape == (1, 128)
    with pytest.raises(ValueError):
        HashingEmbedder(dim=4)


def test_the_hashing_embedder_is_an_embedder() -> None:
    assert isinstance(HashingEmbedder(), Embedder)


# -- load_embedder ------------------------------------------------------------------------------


class _FakeModel:
    name = "all-MiniLM-L6-v2"
    dim = 384

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)


def _missing() -> Embedder:
    raise ImportError("No module named 'sentence_transformers'")


def _broken() -> Embedder:
    raise OSError("model.safetensors: file is truncated")


@pytest.mark.parametrize(
    ("choice", "model", "expected_name", "note_says"),
    [
        ("hashing", _FakeModel, "hashing-v1", None),
        ("auto", _FakeModel, "all-MiniLM-L6-v2", None),
        ("minilm", _FakeModel, "all-MiniLM-L6-v2", None),
        ("auto", _missing, "hashing-v1", "pip install 'riverbed[ai]'"),
        ("minilm", _missing, "hashing-v1", "pip install 'riverbed[ai]'"),
        ("auto", _broken, "hashing-v1", "file is truncated"),
        ("minilm", _broken, "hashing-v1", "failed to load"),
    ],
    ids=[
        "hashing",
        "auto-with-extra",
        "minilm-with-extra",
        "auto-without-extra",
        "minilm-without-extra",
        "auto-broken-model",
        "minilm-broken-model",
    ],
)
def test_load_embedder_honours_or_explains(
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
    model: object,
    expected_name: str,
    note_says: str | None,
) -> None:
    monkeypatch.setattr(embeddings, "_sentence_transformer", model)
    embedder, note = load_embedder(choice)
    assert embedder.name == expected_name
    if note_says is None:
        assert note is None
    else:
        assert note is not None and note_says in note and note.startswith(f"{choice}: ")
        assert note.endswith("using hashing-v1")


def test_unknown_choice_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="auto, hashing or minilm"):
        load_embedder("word2vec")


def test_without_the_extra_installed_minilm_falls_back_for_real() -> None:
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        for choice in ("auto", "minilm"):
            embedder, note = load_embedder(choice)
            assert embedder.name == "hashing-v1" and note is not None and "ai extra" in note
    else:  # the ai extra is installed here: the real model loads, with no note
        embedder, note = load_embedder("minilm")
        assert embedder.name == "all-MiniLM-L6-v2" and note is None
