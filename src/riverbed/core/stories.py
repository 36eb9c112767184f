"""Stories: items of a day merged across sources by exact canonical URL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from riverbed.core.ids import story_id as make_story_id
from riverbed.core.text import shorten

_LATEST = datetime.max.replace(tzinfo=UTC)
EXCERPT_CHARS = 400


def _member_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        row["first_seen_at"],
        row["published_at"] or _LATEST,
        row["source_id"],
        row["item_id"],
    )


def _sum(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def build_stories(items: Iterable[Mapping[str, Any]], date: str) -> list[dict[str, Any]]:
    """Group visible items into stories.

    Items with the same canonical URL are one story whatever source published them; an item
    without a link is a story of its own. The earliest member (first seen, then published)
    gives the story its id, title and `first_source_id`, so ids do not depend on the order
    items arrive in. Returns rows sorted by story_id.
    """
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in items:
        if row.get("hidden_by"):
            continue
        groups[row["canonical_url"] or f"item:{row['item_id']}"].append(row)

    stories = []
    for group in groups.values():
        members = sorted(group, key=_member_order)
        first = members[0]
        text = next((m["text"] for m in members if m["text"]), None)
        published = [m["published_at"] for m in members if m["published_at"] is not None]
        stories.append(
            {
                "story_id": make_story_id(first["canonical_url"], first["item_id"]),
                "date": date,
                "title": first["title"],
                "url": first["canonical_url"] or first["url"],
                "canonical_url": first["canonical_url"],
                "item_ids": [m["item_id"] for m in members],
                "source_ids": sorted({m["source_id"] for m in members}),
                "n_sources": len({m["source_id"] for m in members}),
                "discussions": sorted(
                    (
                        {
                            "source_id": m["source_id"],
                            "url": m["url"],
                            "comments_url": m["comments_url"],
                            "score": m["score"],
                            "comments": m["comments"],
                        }
                        for m in members
                    ),
                    key=lambda d: (d["source_id"], d["url"] or ""),
                ),
                "published_at": min(published) if published else None,
                "first_seen_at": first["first_seen_at"],
                "first_source_id": first["source_id"],
                "excerpt": shorten(text, EXCERPT_CHARS) if text else None,
                "tags": sorted({t for m in members for t in (m["tags"] or [])}),
                "score": _sum(m["score"] for m in members),
                "comments": _sum(m["comments"] for m in members),
            }
        )
    return sorted(stories, key=lambda s: s["story_id"])
