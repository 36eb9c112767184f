"""The language of an extracted text: py3langid, ISO 639-1, None when unsure.

py3langid's module-level `classify`/`rank` return raw naive-Bayes log scores, not
probabilities (`norm_probs=False`), so a confidence threshold cannot be applied to them. This
module loads its own `LanguageIdentifier` with `norm_probs=True` (softmax over the scores,
temperature sqrt(bytes), so probabilities stay calibrated across text lengths), once per
process, on first use (loading the model takes about 0.8 s), under a lock.

Rules:
- fewer than `MIN_LETTERS` letters -> None (too short to tell);
- only the first `MAX_CHARS` characters are read (the letters counted and classified there):
  py3langid's cost is linear in the text (a Python loop over its bytes, ~2 µs a character
  here) and a paragraph settles the language: reading up to 20,000 characters, as before,
  cost 2.9 times as much on article-length texts for the same answers (docs/performance.md,
  `benchmarks/bench_lang.py`); a text that changes language after its first 1,000
  characters gets the first one;
- labels that are not ISO 639-1 are folded into the language they belong to where there is
  one (`wuu`/`yue` -> `zh`, `arz`/`ary` -> `ar`, ...) and their probabilities added; any
  other label (`zxx` "no linguistic content", three-letter codes) -> None;
- a best probability under `MIN_CONFIDENCE` -> None.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

MIN_LETTERS = 40  # ~8 words: below this the classifier is guessing
MAX_CHARS = 1_000  # ~150 words
MIN_CONFIDENCE = 0.6  # probability of the best language (after folding) to report it

# py3langid labels that are varieties of an ISO 639-1 language.
FOLDED = {
    "wuu": "zh",
    "yue": "zh",
    "arz": "ar",
    "ary": "ar",
    "uzs": "uz",
    "gug": "gn",
    "fuv": "ff",
    "kik": "ki",
    "sdh": "ku",
}


class _Model:
    """The process's one identifier, loaded on first use."""

    lock = threading.Lock()
    identifier: Any = None


def _get_identifier() -> Any:
    if _Model.identifier is None:
        with _Model.lock:
            if _Model.identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _Model.identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _Model.identifier


def language_scores(text: str) -> dict[str, float]:
    """ISO 639-1 code -> probability (labels folded as described), best first."""
    ranked = _get_identifier().rank(text[:MAX_CHARS])
    folded: dict[str, float] = {}
    for label, probability in ranked:
        code = FOLDED.get(label, label)
        if len(code) == 2:
            folded[code] = folded.get(code, 0.0) + float(probability)
    return dict(sorted(folded.items(), key=lambda kv: kv[1], reverse=True))


def detect_language(text: str | None) -> str | None:
    """The ISO 639-1 code of the language of `text`, or None when unsure (see the module
    docstring for the rules)."""
    if not text:
        return None
    sample = text[:MAX_CHARS]
    if sum(1 for _ in itertools.islice(filter(str.isalpha, sample), MIN_LETTERS)) < MIN_LETTERS:
        return None
    scores = language_scores(sample)
    if not scores:
        return None
    code, probability = next(iter(scores.items()))
    return code if probability >= MIN_CONFIDENCE else None
