"""A collect table's day seen as slots (`riverbed.core.slots`): the rows a source already has
that day, and the slot objects to write after collecting some of a slot's sources.

One invariant: a source's rows of a day live in one slot object. When a kind crosses its
bucket threshold, a collected source's rows still in its old slot (`other_slot`) are merged
into the new slot, and the old slot is rewritten without them (`clear_moved`) once the new
slot is stored — a kill in between leaves the rows in both for a while: the day's `items`
keep one row per item id, and the next collection of the source moves them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from riverbed.core.slots import other_slot
from riverbed.lake.compact import PartitionReader
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import Lake


def _only(table: pa.Table, source_ids: Iterable[str], keep: bool) -> pa.Table:
    """The rows of `source_ids` (keep) or every other row (not keep)."""
    ids = pa.array(sorted(set(source_ids)), pa.string())
    mask = pc.is_in(table.column("source_id"), value_set=ids)
    return table.filter(mask if keep else pc.invert(mask))


class DaySlots:
    """The slots of one kind's day: each slot object read at most once."""

    def __init__(self, lake: Lake, kind: str, date: str, slot_of: Mapping[str, str]) -> None:
        self.lake, self.date, self.slot_of = lake, date, slot_of
        self.table = f"{kind}_items"
        self._reader = PartitionReader(lake)
        self._read: dict[str, pa.Table] = {}
        self.moved: dict[str, set[str]] = {}  # old slot -> sources whose rows left it

    def _partition(self, slot: str) -> dict[str, str]:
        return {"date": self.date, "source": slot}

    def slot_rows(self, slot: str) -> pa.Table:
        """Everything a slot object holds for the day (empty when never written)."""
        if slot not in self._read:
            table = self._reader.read(self.table, self._partition(slot), ITEMS)
            self._read[slot] = table if table is not None else ITEMS.empty_table()
        return self._read[slot]

    def claim(self, source_id: str) -> pa.Table:
        """The source's rows of the day: those of its slot, plus any still in its old slot
        (which `clear_moved` then takes out of it)."""
        slot = self.slot_of[source_id]
        own = self.slot_rows(slot)
        rows = own if slot == source_id else _only(own, [source_id], keep=True)
        old = other_slot(source_id, slot)
        if not self._reader.holds(self.table, self._partition(old)):
            return rows
        left = self.slot_rows(old)
        moved = left if old == source_id else _only(left, [source_id], keep=True)
        if moved.num_rows:
            self.moved.setdefault(old, set()).add(source_id)
            rows = pa.concat_tables([moved, rows])  # the new slot's rows are the later ones
        return rows

    def assemble(
        self, collected: Mapping[str, pa.Table], known: set[str] | None = None
    ) -> dict[str, pa.Table]:
        """slot -> the table to store, for every slot of a `collected` source: the slot's rows
        with each collected source's rows replaced by its new table. A bucket also drops
        rows of sources no longer in the catalogue (`known`); a source's own slot is only
        its table (as before buckets)."""
        by_slot: dict[str, list[str]] = {}
        for source_id in collected:
            by_slot.setdefault(self.slot_of[source_id], []).append(source_id)
        out: dict[str, pa.Table] = {}
        for slot, ids in by_slot.items():
            if slot in self.slot_of and self.slot_of[slot] == slot:  # a source's own slot
                out[slot] = collected[slot]
                continue
            rest = _only(self.slot_rows(slot), ids, keep=False)
            if known is not None:
                rest = _only(rest, known, keep=True)
            out[slot] = pa.concat_tables([rest, *(collected[i] for i in ids)])
        return out

    def clear_moved(self) -> None:
        """Rewrite each old slot without the rows that moved to their new slot; call once the
        new slots are stored. An emptied part stays as an empty object, so a compacted copy
        of the day never shows the moved rows again (`riverbed.lake.compact`)."""
        for slot, ids in sorted(self.moved.items()):
            rest = _only(self.slot_rows(slot), ids, keep=False)
            self.lake.write_table(self.lake.partition_path(self.table, self._partition(slot)), rest)
            self._read[slot] = rest
        self.moved.clear()
