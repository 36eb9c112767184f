"""Stories: items of a day merged across sources, by exact canonical URL and then by
near-duplicate title and text (`riverbed.core.neardup`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from riverbed.core.ids import story_id as make_story_id
from riverbed.core.neardup import DEFAULT, NearDupConfig, near_duplicate_groups
from riverbed.core.text import shorten

_LATEST = datetime.max.replace(tzinfo=UTC)
EXCERPT_CHARS = 400
Row = Mapping[str, Any]


def _member_order(row: Row) -> tuple[Any, ...]:
    return (
        row["first_seen_at"],
        row["published_at"] or _LATEST,
        row["source_id"],
        row["item_id"],
    )


def _sum(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def link_host(url: str | None) -> str | None:
    """Where an item's link points: "blog.quillstack.dev" says the page is Quillstack's."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.replace("-", " ") if host else None


def _url_groups(items: Iterable[Row]) -> list[list[Row]]:
    """Items by canonical URL (a link-less item alone), members in order of sighting, groups
    in a fixed order whatever order the items came in. Hidden items are grouped too: what is
    grouped with what, and so every story id, does not depend on the keep/block rules."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in items:
        groups[row["canonical_url"] or f"item:{row['item_id']}"].append(row)
    return [sorted(groups[key], key=_member_order) for key in sorted(groups)]


def _merge_near_duplicates(groups: list[list[Row]], config: NearDupConfig) -> list[list[Row]]:
    """URL groups of one event, joined: each group speaks through its earliest member's
    title, its first text, and the host its URL points to."""
    labels = near_duplicate_groups(
        [g[0]["title"] for g in groups],
        [next((m["text"] for m in g if m["text"]), None) for g in groups],
        config,
        sites=[link_host(g[0]["canonical_url"] or g[0]["url"]) for g in groups],
    )
    merged: dict[int, list[Row]] = defaultdict(list)
    for label, group in zip(labels, groups):
        merged[label].extend(group)
    return [sorted(members, key=_member_order) for members in merged.values()]


def _in_order(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


# The item fields `build_stories` reads: a day's items are handed over with these only (the
# rest, feed HTML above all, would be Python strings held for nothing).
ITEM_FIELDS = (
    "item_id",
    "source_id",
    "url",
    "canonical_url",
    "title",
    "text",
    "published_at",
    "first_seen_at",
    "score",
    "comments",
    "comments_url",
    "tags",
    "hidden_by",
)


def build_stories(
    items: Iterable[Row], date: str, *, near_duplicates: NearDupConfig | None = DEFAULT
) -> list[dict[str, Any]]:
    """Group items into stories; hidden items (`hidden_by` set) are left out of them.

    Items with the same canonical URL are one story whatever source published them; an
    item without a link is a URL group of its own. URL groups that report the same event
    (reworded or decorated titles, syndicated copies, a press release and its coverage:
    `riverbed.core.neardup`) are then merged, unless `near_duplicates` is None. The
    earliest member (first seen, then published) gives the story its id, title, URL and
    `first_source_id`, so ids do not depend on the order items arrive in;
    `canonical_urls` lists every distinct canonical URL, earliest first, and
    `amplified_by` the other sources that carried the story, in order of first sighting.

    Keep/block rules never change a story id: stories are grouped over every item, hidden or
    not, and take their id from the group's earliest member; everything else in a story
    (title, URL, members, discussions, excerpt, tags, engagement) comes from its visible
    members only, and a story whose members are all hidden is left out.
    Returns rows sorted by story_id.
    """
    groups = _url_groups(items)
    if near_duplicates is not None and len(groups) > 1:
        groups = _merge_near_duplicates(groups, near_duplicates)
    stories = [story for group in groups if (story := story_of(group, date)) is not None]
    return sorted(stories, key=lambda s: s["story_id"])


def story_of(group: list[Row], date: str) -> dict[str, Any] | None:
    """The story of one group of items (every member, hidden or not, in `_member_order`);
    None when all are hidden. `build_stories` says what each field holds."""
    members = [m for m in group if not m.get("hidden_by")]
    if not members:
        return None
    first = members[0]
    text = next((m["text"] for m in members if m["text"]), None)
    published = [m["published_at"] for m in members if m["published_at"] is not None]
    sources = _in_order(m["source_id"] for m in members)
    return {
        "story_id": make_story_id(group[0]["canonical_url"], group[0]["item_id"]),
        "date": date,
        "title": first["title"],
        "url": first["canonical_url"] or first["url"],
        "canonical_url": first["canonical_url"],
        "canonical_urls": _in_order(m["canonical_url"] for m in members),
        "item_ids": [m["item_id"] for m in members],
        "source_ids": sorted(sources),
        "n_sources": len(sources),
        "amplified_by": sources[1:],
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
