"""Partitions: collect assets are day (UTC) x slot; refine and publish assets are daily.

Each source kind has its own dynamic dimension (`<kind>_sources`), kept in sync with the
catalogue by `sync_source_partitions`, so a kind's partitions are exactly its slots: its
source ids, or the hash buckets of its sources when it has many (`riverbed.core.slots`).
"""

import random
import time

import dagster as dg

START_DATE = "2024-01-01"

daily = dg.DailyPartitionsDefinition(start_date=START_DATE, end_offset=1, timezone="UTC")


def source_dimension(kind: str) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=f"{kind}_sources")


def collect_partitions(kind: str) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition({"date": daily, "source": source_dimension(kind)})


def collect_key(date: str, slot: str) -> str:
    """The string form of a collect partition key (dimensions in name order: date, source)."""
    return str(dg.MultiPartitionKey({"date": date, "source": slot}))


def sync_source_partitions(
    instance: dg.DagsterInstance, slots_by_kind: dict[str, list[str]], kinds: list[str]
) -> None:
    """Make each kind's dynamic dimension equal the catalogue's slots of that kind.

    Two processes adding the same partitions at once can collide (the instance's unique index
    raises an IntegrityError, SQLite may be locked): the loser re-reads what is there and
    tries again after a short random backoff, at most 5 times per kind.
    """
    for kind in kinds:
        name = f"{kind}_sources"
        wanted = slots_by_kind.get(kind, [])
        for attempt in range(5):
            try:
                have = set(instance.get_dynamic_partitions(name))
                missing = [s for s in wanted if s not in have]
                if missing:
                    instance.add_dynamic_partitions(name, missing)
                for gone in sorted(have - set(wanted)):
                    instance.delete_dynamic_partition(name, gone)
                break
            except Exception:  # the storage's own IntegrityError / OperationalError class
                if attempt == 4:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
