"""From parsed entries to `Item`s, and the merge that makes re-runs idempotent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from riverbed.core.ids import item_id as make_item_id
from riverbed.core.models import Item, ParsedItem
from riverbed.core.urls import canonical_url


def build_items(
    parsed: Iterable[ParsedItem],
    *,
    source_id: str,
    kind: str,
    observed_at: datetime,
    source_tags: Sequence[str] = (),
    run_id: str | None = None,
    fetch_id: str | None = None,
) -> list[Item]:
    """Give each parsed entry its identity and canonical URL; the first of duplicate ids wins.

    An entry with no link of its own (Ask HN, a Reddit self post, a job) links to its
    discussion: `url` falls back to `comments_url`, so the story has somewhere to point and
    merges with anything else linking to that discussion. The item id is unaffected.
    """
    items: dict[str, Item] = {}
    for p in parsed:
        own = canonical_url(p.url) if p.url else None
        iid = make_item_id(source_id, p.external_id, own, p.title, p.published_at)
        link = p.url or p.comments_url
        canon = own if p.url else (canonical_url(link) if link else None)
        if iid in items:
            continue
        tags = list(dict.fromkeys([*p.tags, *source_tags]))
        items[iid] = Item(
            item_id=iid,
            source_id=source_id,
            kind=kind,
            external_id=p.external_id,
            url=link,
            canonical_url=canon,
            title=p.title,
            author=p.author,
            published_at=p.published_at,
            first_seen_at=observed_at,
            last_seen_at=observed_at,
            text=p.text,
            summary_html=p.summary_html,
            score=p.score,
            comments=p.comments,
            comments_url=p.comments_url,
            tags=tags,
            run_id=run_id,
            fetch_id=fetch_id,
        )
    return list(items.values())


# What a reader sees of an item: a change in any of these makes a re-observed item "updated".
CONTENT_FIELDS = (
    "title",
    "url",
    "canonical_url",
    "author",
    "published_at",
    "text",
    "summary_html",
    "score",
    "comments",
    "comments_url",
    "tags",
)


_ITEM_FIELDS = tuple(f.name for f in fields(Item))


@dataclass(frozen=True, slots=True)
class Merged:
    rows: list[dict[str, Any]]  # sorted by item_id
    added: int  # items the partition did not hold
    updated: int  # items it held whose content (CONTENT_FIELDS) changed


def merge_items(existing: Iterable[Mapping[str, Any]], new: Iterable[Item]) -> Merged:
    """Merge a partition's stored rows with newly observed items.

    Items seen earlier survive (a feed's window moving on loses nothing); an item seen again
    takes the newer observation's values unless the stored observation is later (replays and
    late runs can't roll values back) and keeps its earliest `first_seen_at`. Returns the rows
    sorted by item_id (deterministic output), how many items were new and how many changed.
    """
    rows: dict[str, dict[str, Any]] = {r["item_id"]: dict(r) for r in existing}
    added = updated = 0
    for item in new:
        row = {name: getattr(item, name) for name in _ITEM_FIELDS}  # shallow: no deep copies
        old = rows.get(item.item_id)
        if old is None:
            added += 1
            rows[item.item_id] = row
            continue
        first_seen = min(old["first_seen_at"], row["first_seen_at"])
        if old["last_seen_at"] > row["last_seen_at"]:
            row = old
        elif any(old.get(f) != row[f] for f in CONTENT_FIELDS):
            updated += 1
        row["first_seen_at"] = first_seen
        rows[item.item_id] = row
    return Merged([rows[k] for k in sorted(rows)], added, updated)
