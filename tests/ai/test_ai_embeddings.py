"""The packaged all-MiniLM-L6-v2 through the `ai` extra: loads offline, embeds with meaning
(pairs with no word in common), and `load_embedder` picks it exactly when the extra is there.

One .venv-ai process answers every question (importing sentence-transformers costs seconds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import NETWORK_MARKER, run_probe
from riverbed.enrich.embeddings_st import MAX_CHARS, SentenceTransformerEmbedder

MINILM = "all-MiniLM-L6-v2"

# (text, a paraphrase or same-topic text sharing no content word, an unrelated text):
# a lexical embedder cannot order these, a sentence model must.
TRIPLES = [
    (
        "Postgres query planner improvements",
        "database index tuning",
        "recipe for banana bread",
    ),
    (
        "Kubernetes pod autoscaling under bursty traffic",
        "scaling containers in a cluster when load spikes",
        "a beginner's guide to knitting wool scarves",
    ),
    (
        "Critical OpenSSL flaw lets attackers run code remotely",
        "security patch fixes a remote code execution vulnerability",
        "new GPU doubles model training throughput",
    ),
    (
        "Rust borrow checker errors explained",
        "ownership and lifetimes in a memory-safe systems language",
        "best hiking trails in the Alps this summer",
    ),
]
OPENING = "Release notes: the planner now reuses cached plans for prepared statements. " * 6
CUT_PAIR = [OPENING + "Tail one about gardening. " * 20, OPENING + "Tail two about football. " * 20]
BATCH = [f"story number {i} about {topic}" for i in range(35) for topic in ("rust", "postgres")]
TEXTS = [t for triple in TRIPLES for t in triple] + ["", "   "] + CUT_PAIR + BATCH
BLANK = [len(TRIPLES) * 3, len(TRIPLES) * 3 + 1]
CUT = [BLANK[1] + 1, BLANK[1] + 2]
# Embedded alone as well as inside a 70-text batch (two batches of 64 and 6).
ALONE = [0, CUT[0], CUT[1] + 1, len(TEXTS) - 1]


@pytest.fixture(scope="module")
def probe(ai_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    answer, done = run_probe(
        ai_venv,
        tmp_path_factory.mktemp("ai-probe"),
        {"embed": TEXTS, "embed_alone": ALONE, "load_embedder": ["auto", "minilm", "hashing"]},
    )
    answer["stderr"] = done.stderr
    answer["matrix"] = np.asarray(answer["vectors"], dtype=np.float32)
    return answer


def test_loading_and_embedding_attempt_no_network_connection(probe: dict[str, Any]) -> None:
    assert NETWORK_MARKER not in probe["stderr"], probe["stderr"][-3000:]


def test_the_packaged_model_gives_384_float32_dimensions_per_text(probe: dict[str, Any]) -> None:
    assert (probe["name"], probe["dim"], probe["dtype"]) == (MINILM, 384, "float32")
    assert probe["matrix"].shape == (len(TEXTS), 384)


def test_rows_are_unit_length_and_blank_texts_give_zero_rows(probe: dict[str, Any]) -> None:
    norms = np.linalg.norm(probe["matrix"], axis=1)
    filled = [i for i in range(len(TEXTS)) if i not in BLANK]
    np.testing.assert_allclose(norms[filled], 1.0, atol=1e-5)
    assert not probe["matrix"][BLANK].any()


@pytest.mark.parametrize("k", range(len(TRIPLES)), ids=[t[0][:30] for t in TRIPLES])
def test_a_text_is_closer_to_its_paraphrase_than_to_an_unrelated_text(
    probe: dict[str, Any], k: int
) -> None:
    text, near, far = probe["matrix"][3 * k : 3 * k + 3]
    assert float(text @ near) > float(text @ far) + 0.15, (float(text @ near), float(text @ far))


def test_texts_that_differ_only_after_the_cap_embed_identically(probe: dict[str, Any]) -> None:
    assert len(OPENING) >= MAX_CHARS
    a, b = probe["matrix"][CUT]
    np.testing.assert_array_equal(a, b)


def test_embedding_is_deterministic_and_independent_of_the_batch(probe: dict[str, Any]) -> None:
    np.testing.assert_array_equal(probe["matrix"], np.asarray(probe["vectors_again"], "float32"))
    for i in ALONE:
        alone = np.asarray(probe["alone"][str(i)], dtype=np.float32)
        np.testing.assert_allclose(alone, probe["matrix"][i], atol=1e-5)


def test_torch_uses_every_core_the_process_may_run_on(probe: dict[str, Any]) -> None:
    assert probe["torch_threads"] == probe["usable_cores"]


@pytest.mark.parametrize(
    ("choice", "name"), [("auto", MINILM), ("minilm", MINILM), ("hashing", "hashing")]
)
def test_load_embedder_with_the_extra_picks_what_was_asked(
    probe: dict[str, Any], choice: str, name: str
) -> None:
    got = probe["load_embedder"][choice]
    assert "error" not in got, got.get("error")
    assert got["name"].startswith(name) and got["note"] is None


@pytest.mark.parametrize("choice", ["auto", "minilm"])
def test_load_embedder_without_the_extra_falls_back_to_hashing_with_a_note(choice: str) -> None:
    from riverbed.enrich.embeddings import load_embedder

    embedder, note = load_embedder(choice)
    assert embedder.name.startswith("hashing")
    # auto too: a user without the extra learns that a better embedder is one install away
    assert note is not None, f"load_embedder({choice!r}) without the ai extra gave no note"
    assert "ai" in note and embedder.name in note


def test_loading_the_model_without_the_extra_says_how_to_install_it() -> None:
    with pytest.raises(ImportError, match=r"riverbed\[ai\]"):
        SentenceTransformerEmbedder.load()
