"""The day's stories from its items: `build_stories` (the reference, on Python rows) made in
Arrow, so that a day's items are never all Python rows at once."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riverbed.core.ids import story_id
from riverbed.core.neardup import DEFAULT as NEAR_DUPLICATES
from riverbed.core.neardup import NearDupConfig, near_duplicate_groups
from riverbed.core.stories import EXCERPT_CHARS, ITEM_FIELDS, link_host, story_of
from riverbed.lake.schemas import STORIES
from riverbed.lake.store import TableSource, read_columns, rows_to_table

# stories read no more of an item's text than this: its first `max_text_chars` for the
# near-duplicate pass, an excerpt of `EXCERPT_CHARS` (and whether there is more)
TEXT_CAP = max(NEAR_DUPLICATES.max_text_chars, EXCERPT_CHARS) + 1


def stories_table(
    items: pa.Table | TableSource,
    date: str,
    *,
    near_duplicates: NearDupConfig | None = NEAR_DUPLICATES,
) -> pa.Table:
    """`build_stories` of the day's items, made in Arrow so that the day's items are never
    all Python rows at once (at 330 k items they took ~530 MB, and the near-duplicate pass
    forked beside them): texts cut to `TEXT_CAP` characters; URL groups and each group's
    members in `_member_order` by sorting; the near-duplicate pass on each URL group's
    representative (earliest member's title and link host, first text); then the stories of
    about `STORY_CHUNK_ROWS` items at a time by `story_of`, in story-id order (no sorting
    copy of the day's stories). `build_stories` is the reference: a property test holds the
    two equal."""
    table = read_columns(items, ITEM_FIELDS).select(ITEM_FIELDS)
    at = table.schema.get_field_index("text")
    capped = pc.utf8_slice_codeunits(table.column(at), 0, TEXT_CAP)
    table = table.set_column(at, table.schema.field(at), capped)
    del capped
    if not table.num_rows:
        return STORIES.empty_table()
    link_less = pc.binary_join_element_wise("item:", table.column("item_id"), "")
    key = pc.if_else(_has_url(table), table.column("canonical_url"), link_less).combine_chunks()
    order = _member_sort(table, key)
    group = _runs(key.take(order))
    if near_duplicates is not None and group[-1] > 0:
        labels = np.asarray(_near_duplicate_labels(table, order, group, near_duplicates))
        row_label = np.empty(len(order), np.int64)
        row_label[order] = labels[group]
        order = _member_sort(table, key, pa.array(row_label))
        group = _runs(row_label[order])
    del key
    return _stories_by_group(table, order, group, date)


STORY_CHUNK_ROWS = 16_384


def _has_url(table: pa.Table) -> pa.ChunkedArray:
    """Per item: whether it has a canonical URL (not null, not empty)."""
    return pc.fill_null(pc.not_equal(table.column("canonical_url"), ""), False)


def _member_sort(table: pa.Table, key: pa.Array, label: pa.Array | None = None) -> np.ndarray:
    """Row indices sorted by URL key (or by merged group `label`, then URL key) and, within
    it, `_member_order` (first seen, published with none last, source, item); ties keep the
    input order, as a stable sort of the rows would."""
    member = ["first_seen_at", "published_at", "source_id", "item_id"]
    keys = ["label", *member, "key"] if label is not None else ["key", *member]
    columns = {name: table.column(name) for name in member} | {"key": key}
    if label is not None:
        columns["label"] = label
    sort_keys = [(name, "ascending", "at_end") for name in keys]
    return pc.sort_indices(pa.table(columns), sort_keys=sort_keys).to_numpy()


def _runs(values: np.ndarray | pa.Array) -> np.ndarray:
    """Per position of sorted `values`, the number of its run of equal values (0, 1, …)."""
    n = len(values)
    starts = np.ones(n, bool)
    if isinstance(values, np.ndarray):
        np.not_equal(values[1:], values[:-1], out=starts[1:])
    else:
        starts[1:] = pc.not_equal(values.slice(1), values.slice(0, n - 1)).to_numpy(False)
    return np.cumsum(starts) - 1


def _near_duplicate_labels(
    table: pa.Table, order: np.ndarray, group: np.ndarray, config: NearDupConfig
) -> list[int]:
    """`near_duplicate_groups` of URL groups (`group` per position of `order`), each
    speaking through its earliest member's title and link host and its first text."""
    first = order[np.flatnonzero(np.diff(group, prepend=-1))]
    text = table.column("text")
    has_text = pc.fill_null(pc.greater(pc.utf8_length(text), 0), False).to_numpy()
    at = np.flatnonzero(has_text[order])  # positions with a text, in member order
    groups_with_text, first_at = np.unique(group[at], return_index=True)
    text_row = np.full(len(first), -1, np.int64)
    text_row[groups_with_text] = order[at[first_at]]
    link = pc.if_else(_has_url(table), table.column("canonical_url"), table.column("url"))
    return near_duplicate_groups(
        _Picked(table.column("title"), first),
        _Picked(text, text_row),
        config,
        sites=[link_host(url) for url in _Picked(link, first)],
    )


class _Picked(Sequence[str | None]):
    """`column[rows[i]]` for every i (None where a row is -1), made Python values a block
    at a time as they are read: the near-duplicate pass reads each group's title and text
    in order, and the day's titles and texts are not copied into Python all at once."""

    BLOCK = 8_192

    def __init__(self, column: pa.ChunkedArray | pa.Array, rows: np.ndarray) -> None:
        self._column, self._rows = column, rows
        self._start, self._block = 0, list[Any]()

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> str | None: ...
    @overload
    def __getitem__(self, i: slice) -> _Picked: ...
    def __getitem__(self, i: int | slice) -> str | _Picked | None:
        if isinstance(i, slice):
            return _Picked(self._column, self._rows[i])
        if i < 0:
            i += len(self._rows)
        if not 0 <= i < len(self._rows):
            raise IndexError(i)
        if not self._start <= i < self._start + len(self._block):
            self._start = i - i % self.BLOCK
            rows = self._rows[self._start : self._start + self.BLOCK]
            self._block = self._column.take(pa.array(rows, mask=rows < 0)).to_pylist()
        return self._block[i - self._start]


def _stories_by_group(table: pa.Table, order: np.ndarray, group: np.ndarray, date: str) -> pa.Table:
    """`story_of` every group (`group` per position of `order`, members in order), groups
    in story_id order and about `STORY_CHUNK_ROWS` items as Python rows at a time: the
    stories come out sorted, with no copy of the day's stories to sort them."""
    starts = np.flatnonzero(np.diff(group, prepend=-1))
    sizes = np.diff(starts, append=len(order))
    first = table.select(["canonical_url", "item_id"]).take(order[starts]).to_pydict()
    ids = np.array([story_id(u, i) for u, i in zip(first["canonical_url"], first["item_id"])])
    by_id = np.argsort(ids, kind="stable")
    del first, ids
    sizes = sizes[by_id]
    ends = np.cumsum(sizes)  # of each group, in story_id order
    order = order[np.arange(len(order)) - np.repeat(ends - sizes - starts[by_id], sizes)]
    parts, g = [], 0
    while g < len(ends):  # groups g .. end-1: about STORY_CHUNK_ROWS rows, at least one group
        at = ends[g] - sizes[g]
        end = max(g + 1, int(np.searchsorted(ends, at + STORY_CHUNK_ROWS, side="right")))
        bounds = [0, *(ends[g:end] - at).tolist()]
        rows = table.take(order[at : ends[end - 1]]).to_pylist()
        stories = [
            story
            for a, b in itertools.pairwise(bounds)
            if (story := story_of(rows[a:b], date)) is not None
        ]
        parts.append(rows_to_table(stories, STORIES))
        g = end
    return pa.concat_tables(parts)
