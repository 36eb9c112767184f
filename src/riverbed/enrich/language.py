"""The language of a story: the one detector riverbed has, `core.extract.lang` (py3langid,
offline, ISO 639-1, None when unsure: fewer than 40 letters, or a best guess under 0.6
probability)."""

from __future__ import annotations

from riverbed.core.extract.lang import detect_language as _detect

LANGUAGE_VERSION = "v1"  # part of the cache namespace: bump when the output changes

__all__ = ["LANGUAGE_VERSION", "detect_language"]


def detect_language(text: str | None) -> str | None:
    """The ISO 639-1 code of `text`'s language ("en", "de", "zh"…), or None when there is
    too little text or the detector is unsure. Pass the title and the text together (the
    title alone is usually too short)."""
    return _detect(text)
