"""Tags as path segments: `published/tags/<slug>/` for every tag a published story carries.

A tag is whatever a source or its catalogue entry wrote, so it is hostile like any other text:
`tag_slug` turns it into one safe, stable path segment (lower-case ASCII letters, digits and
inner hyphens; never empty, never '.', '..', a slash or a backslash). Tags that differ only in
case, accents or punctuation ('Rust', 'rust', 'RUST!') share a slug and therefore one feed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from riverbed.core.render.view import label

SLUG_CHARS = 60
# Language names that would otherwise lose what tells them apart ('c++' and 'c', 'c#' and 'c').
_SPELLED = str.maketrans({"+": "plus", "#": "sharp"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def tag_slug(tag: str) -> str:
    """`tag` as one path segment: 'Machine Learning' -> 'machine-learning', 'C++' ->
    'cplusplus', 'Bäume' -> 'baume'. A tag with nothing left in ASCII (e.g. '日本語', '!!!') gets
    'tag-' and a hash of its text, so it still has a feed of its own."""
    text = label(tag)
    ascii_text = (
        unicodedata.normalize("NFKD", text.lower().translate(_SPELLED))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")[:SLUG_CHARS].rstrip("-")
    if slug:
        return slug
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"tag-{digest}"


def tags_by_slug(tags: Iterable[str]) -> dict[str, str]:
    """slug -> the tag shown for it (the first spelling met), for tags that are not blank once
    cleaned; in order of first appearance."""
    shown: dict[str, str] = {}
    for tag in tags:
        text = label(tag)
        if text:
            shown.setdefault(tag_slug(text), text)
    return shown
