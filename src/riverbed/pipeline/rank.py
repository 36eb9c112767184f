"""What the ranking (`riverbed.core.ranking`) reads of a day's tables, taken out in Arrow: it
ranks every story of the day, but needs a few fields of each, and of `item_metrics` only each
item's first and last observation. A day of 200 k stories as whole Python rows (titles,
excerpts, every discussion's links) and its millions of engagement observations as dicts
held more than a gigabyte in the digest step; the kept stories' whole rows are read after
ranking (`story_rows`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from riverbed.lake.schemas import ITEM_METRICS, STORIES
from riverbed.lake.store import TableSource, conform, read_batches

# the fields of a story `rank_stories` reads (and `why` words), discussions with only
# `DISCUSSION_FIELDS`
RANK_FIELDS = (
    "story_id",
    "published_at",
    "first_seen_at",
    "n_sources",
    "source_ids",
    "item_ids",
    "discussions",
)
DISCUSSION_FIELDS = ("source_id", "score", "comments")
TREND_FIELDS = ("item_id", "source_id", "observed_at", "score", "comments")


def _slim_discussions(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A list<struct> column of discussions with only `DISCUSSION_FIELDS` in each struct."""
    chunks = []
    for chunk in column.chunks:
        # a slice's offsets point into its parent's values: rebase them on the used values
        start, end = chunk.offsets[0].as_py(), chunk.offsets[-1].as_py()
        used = chunk.values.slice(start, end - start)
        fields = dict(zip([f.name for f in used.type], used.flatten(), strict=True))
        slim = pa.StructArray.from_arrays(
            [fields[name] for name in DISCUSSION_FIELDS],
            names=list(DISCUSSION_FIELDS),
            mask=used.is_null(),
        )
        offsets = pc.subtract(chunk.offsets, pa.scalar(start, chunk.offsets.type))
        chunks.append(pa.ListArray.from_arrays(offsets, slim, mask=chunk.is_null()))
    return pa.chunked_array(chunks, pa.list_(slim.type) if chunks else None)


def ranking_rows(stories: pa.Table, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The day's stories as the Python rows `rank_stories` needs: `RANK_FIELDS` (discussions
    with `DISCUSSION_FIELDS` only) and the `extra` columns of `STORIES` asked for."""
    if stories.num_rows == 0:
        return []
    table = conform(stories, STORIES, [*RANK_FIELDS, *extra])
    at = table.schema.get_field_index("discussions")
    slim = _slim_discussions(table.column(at))
    return table.set_column(at, pa.field("discussions", slim.type), slim).to_pylist()


def story_rows(stories: pa.Table | TableSource, story_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The whole rows of `story_ids` (in that order; an id the table lacks is left out). A
    `TableSource` is read a batch at a time, keeping those rows only."""
    if not story_ids:
        return []
    wanted = pa.array(list(story_ids), pa.string())
    by_id = {
        r["story_id"]: r
        for batch in read_batches(stories)
        if batch.num_rows
        for r in batch.filter(pc.is_in(batch.column("story_id"), value_set=wanted)).to_pylist()
    }
    return [by_id[s] for s in story_ids if s in by_id]


def trend_rows(item_metrics: pa.Table | None) -> list[dict[str, Any]]:
    """The rows of `item_metrics` that `core.ranking.item_trends` keeps: of each item's
    observations reporting engagement, the first and the last by (time, engagement), so
    `item_trends` of these rows equals `item_trends` of all of them. Within equal (time,
    engagement) the row met first wins, as there (the table holds one row per item and
    time)."""
    if item_metrics is None or item_metrics.num_rows == 0:
        return []
    t = conform(item_metrics, ITEM_METRICS, TREND_FIELDS)
    score, comments = t.column("score"), t.column("comments")
    keep = pc.and_(
        pc.and_(pc.is_valid(t.column("item_id")), pc.is_valid(t.column("observed_at"))),
        pc.or_(pc.is_valid(score), pc.is_valid(comments)),
    )
    t = t.filter(keep)
    if t.num_rows == 0:
        return []

    def floored(col: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.max_element_wise(pc.fill_null(col, 0), 0)

    t = t.append_column("_e", pc.add(floored(t.column("score")), floored(t.column("comments"))))
    picks = []
    for order in ("ascending", "descending"):
        # stable: among equal (time, engagement) the earlier row stays first
        idx = pc.sort_indices(
            t, sort_keys=[("item_id", "ascending"), ("observed_at", order), ("_e", order)]
        )
        ids = t.column("item_id").take(idx).combine_chunks()
        starts = pc.indices_nonzero(pc.not_equal(ids[1:], ids[:-1])).to_numpy() + 1
        first_of_run = pa.array([0, *starts.tolist()], pa.int64())
        picks.append(idx.take(first_of_run))
    # each item's first then its last: item_trends takes the first met for both, then the
    # last only where it is later or weighs more
    return t.drop_columns(["_e"]).take(pa.concat_arrays(picks)).to_pylist()
