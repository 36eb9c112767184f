"""`riverbed rules test`: each keep/block rule of a catalogue over the items stored in the
lake, before it goes live (reads the lake only, no Dagster)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from riverbed.core.rules import preview_rules
from riverbed.lake.query import connect
from riverbed.lake.store import Lake

# what a rule can see of an item, plus the source whose rules apply to it
RULE_INPUT = ("source_id", "title", "url", "author", "text", "tags")
BATCH_ROWS = 10_000


def stored_items(lake: Lake) -> Iterator[dict[str, Any]]:
    """Every item of the lake once (the `items` view: its latest row), with the columns a rule
    reads, a batch at a time (a long history is never held in memory whole)."""
    con = connect(lake)
    columns = ", ".join(f'"{c}"' for c in RULE_INPUT)
    reader: pa.RecordBatchReader = con.sql(f"SELECT {columns} FROM items").to_arrow_reader(
        BATCH_ROWS
    )
    for batch in reader:
        yield from batch.to_pylist()


def preview_stored_items(lake: Lake, catalogue: Any) -> list[dict[str, Any]]:
    """`preview_rules` of `catalogue` over every stored item (see `riverbed.core.rules`)."""
    return preview_rules(stored_items(lake), catalogue)
