"""Run by .venv-ai's Python for tests/ai/: reads a JSON request on stdin, answers JSON on
stdout, so the assertions stay in the test (which runs in .venv, without the extra).

Request: {"embed": [text, ...], "embed_alone": [index, ...], "load_embedder": [choice, ...]}.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main() -> None:
    request = json.load(sys.stdin)
    answer: dict[str, Any] = {}

    from riverbed.enrich.embeddings_st import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder.load()
    import torch

    texts = request.get("embed", [])
    first = embedder.embed(texts)
    again = embedder.embed(texts)
    answer.update(
        name=embedder.name,
        dim=embedder.dim,
        dtype=str(first.dtype),
        vectors=first.tolist(),
        vectors_again=again.tolist(),
        alone={i: embedder.embed([texts[i]])[0].tolist() for i in request.get("embed_alone", [])},
        torch_threads=torch.get_num_threads(),
        usable_cores=len(os.sched_getaffinity(0)),
    )

    loaded: dict[str, Any] = {}
    for choice in request.get("load_embedder", []):
        try:
            from riverbed.enrich.embeddings import load_embedder

            chosen, note = load_embedder(choice)
            loaded[choice] = {"name": chosen.name, "dim": chosen.dim, "note": note}
        except Exception as exc:  # reported, so the test names what is missing
            loaded[choice] = {"error": f"{type(exc).__name__}: {exc}"}
    answer["load_embedder"] = loaded
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
