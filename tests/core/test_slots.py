"""Collect slots (`riverbed.core.slots`): which partition holds a source's rows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from riverbed.core.catalogue.models import ID_RE
from riverbed.core.slots import (
    BUCKETS,
    bucket_of,
    is_bucket,
    members,
    other_slot,
    slot_map,
    slot_order,
)

ids = st.from_regex(ID_RE, fullmatch=True)


@given(ids)
def test_a_bucket_is_stable_in_range_and_never_a_source_id(source_id):
    slot = bucket_of(source_id)
    assert slot == bucket_of(source_id)
    assert is_bucket(slot) and not ID_RE.fullmatch(slot)
    assert 0 <= int(slot.removeprefix("bucket.")) < BUCKETS


def test_buckets_spread_sources_evenly():
    sizes: dict[str, int] = {}
    for n in range(6400):
        slot = bucket_of(f"source-{n}")
        sizes[slot] = sizes.get(slot, 0) + 1
    assert len(sizes) == BUCKETS
    assert max(sizes.values()) < 2 * 6400 / BUCKETS


def test_a_kind_is_bucketed_only_past_the_threshold():
    few = ["b", "a", "c"]
    assert slot_map(few, above=3) == {"b": "b", "a": "a", "c": "c"}
    assert slot_order(few, above=3) == ["b", "a", "c"]  # catalogue order
    many = slot_map(few, above=2)
    assert many == {i: bucket_of(i) for i in few}
    assert slot_order(few, above=2) == sorted(set(many.values()))


@given(st.lists(ids, unique=True, max_size=30), st.integers(0, 40))
def test_every_source_is_in_exactly_one_slot(source_ids, above):
    slots = slot_map(source_ids, above)
    order = slot_order(source_ids, above)
    assert set(slots.values()) == set(order) and len(order) == len(set(order))
    grouped = members(slots, order)
    assert sorted(i for group in grouped.values() for i in group) == sorted(source_ids)
    for source_id, slot in slots.items():
        # the other layout's slot, and back
        assert other_slot(source_id, other_slot(source_id, slot)) == slot
