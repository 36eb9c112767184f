"""The language of a story: the one detector riverbed has, `core.extract.lang` (py3langid,
offline, ISO 639-1, None when unsure: fewer than 40 letters, or a best guess under 0.6
probability)."""

from __future__ import annotations

from riverbed.core.extract.lang import detect_language as _detect

# part of the cache namespace: bump when the output changes (v2: a text's first 1,000
# characters classified, was 20,000)
LANGUAGE_VERSION = "v2"

__all__ = ["LANGUAGE_VERSION", "detect_language"]


def detect_language(text: str | None) -> str | None:
    """The ISO 639-1 code of `text`'s language ("en", "de", "zh"…), or None when there is
    too little text or the detector is unsure. Pass the title and the text together (the
    title alone is usually too short)."""
    return _detect(text)
