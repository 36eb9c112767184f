"""Collect slots: which partition of its kind's collect table holds a source's rows.

A collect table (`rss_items`, …) is partitioned by day x *slot*. A kind with at most
`settings.source_buckets_above` sources (200 by default) has one slot per source — the
slot is the source id — so the Dagster UI shows every source's own materialisations. Past
that, Dagster's bookkeeping (~17 ms per materialised partition on a quiet machine, 100+ ms
under load) would dominate a run, so the kind's sources are spread over `BUCKETS` hash
buckets, slots `bucket.00` … `bucket.63`: a run of 5,000 sources materialises at most 64
partitions, and a day of a kind is at most 64 objects before compaction. Per-source numbers
stay in `source_health` and `riverbed status`.

A bucket name cannot be a source id (ids are `[a-z0-9_-]+`, a bucket has a dot), and a
source's bucket depends on its id alone, so adding or removing sources never moves others.
When a kind crosses the threshold, each source's rows of the day move to its new slot the
next time it is collected (`pipeline.slots.DaySlots`): its old slot is `other_slot`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

BUCKETS = 64
BUCKET_PREFIX = "bucket."


def bucket_of(source_id: str) -> str:
    """The hash bucket of a source: stable across runs, processes and catalogue changes."""
    digest = hashlib.blake2b(source_id.encode(), digest_size=8).digest()
    return f"{BUCKET_PREFIX}{int.from_bytes(digest, 'big') % BUCKETS:02d}"


def is_bucket(slot: str) -> bool:
    return slot.startswith(BUCKET_PREFIX)


def bucketed(n_sources: int, above: int) -> bool:
    """Whether a kind of `n_sources` sources is collected in buckets."""
    return n_sources > above


def slot_map(source_ids: Sequence[str], above: int) -> dict[str, str]:
    """source id -> its slot, for all the sources of one kind."""
    if bucketed(len(source_ids), above):
        return {s: bucket_of(s) for s in source_ids}
    return {s: s for s in source_ids}


def slot_order(source_ids: Sequence[str], above: int) -> list[str]:
    """A kind's slots (its dynamic partition keys): the source ids in catalogue order, or the
    non-empty buckets in name order."""
    slots = slot_map(source_ids, above)
    if bucketed(len(source_ids), above):
        return sorted(set(slots.values()))
    return list(slots.values())


def other_slot(source_id: str, slot: str) -> str:
    """Where a source's rows of a day were before its kind crossed the threshold (either way):
    its bucket when it now has its own slot, its own slot when it is now in a bucket."""
    return source_id if slot != source_id else bucket_of(source_id)


def members(slots: dict[str, str], wanted: Iterable[str]) -> dict[str, list[str]]:
    """slot -> its source ids (catalogue order), for the `wanted` slots only."""
    keep = set(wanted)
    out: dict[str, list[str]] = {}
    for source_id, slot in slots.items():
        if slot in keep:
            out.setdefault(slot, []).append(source_id)
    return out
