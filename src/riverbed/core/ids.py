"""Stable identifiers: the same inputs give the same id on any machine, in any process.

Ids are the first 16 hex digits (64 bits) of a SHA-256 over a length-prefixed encoding of
their parts, so `("ab", "c")` and `("a", "bc")` differ and `None` differs from `""`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

ID_HEX_CHARS = 16


def stable_id(*parts: str | None) -> str:
    """A 16-hex-digit id of `parts` (order matters; `None` and `""` are different parts)."""
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"~")
        else:
            data = str(part).encode("utf-8", "surrogatepass")
            digest.update(b"%d:" % len(data))
            digest.update(data)
    return digest.hexdigest()[:ID_HEX_CHARS]


def item_id(
    source_id: str,
    external_id: str | None,
    canonical_url: str | None,
    title: str | None,
    published_at: datetime | None,
) -> str:
    """The id of an item within its source.

    Uses the item's GUID/id when it has one, else its canonical URL, else its title and
    publication time (UTC, ISO 8601; a naive datetime is taken as UTC). The three kinds are
    tagged so that a GUID equal to some other item's URL does not collide with it.
    """
    if external_id is not None and external_id.strip():
        return stable_id("item", source_id, "id", external_id.strip())
    if canonical_url:
        return stable_id("item", source_id, "url", canonical_url)
    when = None
    if published_at is not None:
        if published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
        when = published_at.astimezone(UTC).isoformat()
    return stable_id("item", source_id, "title", title or "", when)


def story_id(canonical_url: str | None, item_id: str) -> str:
    """The id of a story: its earliest member's canonical URL, or that member's item id."""
    if canonical_url:
        return stable_id("story", "url", canonical_url)
    return stable_id("story", "item", item_id)
