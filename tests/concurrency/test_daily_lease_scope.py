"""Which runs take the daily lease of which dates (the IO manager reads the run's tags)."""

from __future__ import annotations

import os

import pytest

from riverbed.defs.io import daily_dates

START, END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.mark.parametrize(
    ("tags", "dates"),
    [
        ({"dagster/partition": "2026-11-26"}, ["2026-11-26"]),
        ({START: "2026-11-30", END: "2026-12-02"}, ["2026-11-30", "2026-12-01", "2026-12-02"]),
        ({"dagster/partition": "2026-11-26|wp"}, []),  # a collect partition: source leases
        ({START: "2026-11-26|a", END: "2026-11-26|z"}, []),  # a collect range
        ({}, []),  # an unpartitioned run
    ],
)
def test_daily_runs_lease_their_dates_and_no_other_run_does(tags, dates):
    assert daily_dates(tags) == dates


@pytest.mark.parametrize("executor", ["in_process", "multiprocess", "celery", "k8s"])
def test_a_daily_step_holds_its_part_of_the_date_lease_under_every_executor(
    executor, tmp_path, monkeypatch
):
    """The IO manager a step sets up takes the date's lease whichever executor runs it (a
    Celery worker's pool process or a pod sets it up the same way), and gives it back at its
    teardown: the next run of the date finds it free."""
    import dagster as dg

    from riverbed.defs.io import LakeIOManager
    from riverbed.lake import Lake
    from riverbed.lake.lease import Holder, _backend, _key, daily_lease

    monkeypatch.setenv("RIVERBED_EXECUTOR", executor)
    lake = Lake(tmp_path / "lake")
    seen: list[Holder | None] = []

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-01-01"))
    def daily_table() -> None:
        found = _backend(lake).read(_key(daily_lease("2026-03-01")))
        seen.append(found.holder if found else None)

    result = dg.materialize(
        [daily_table],
        partition_key="2026-03-01",
        resources={"io_manager": LakeIOManager(uri=str(lake.root))},
    )
    assert result.success
    [holder] = seen
    assert holder is not None and holder.run_id == result.run_id
    assert [m.pid for m in holder.members] == [os.getpid()]
    assert _backend(lake).read(_key(daily_lease("2026-03-01"))) is None
