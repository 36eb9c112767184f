"""Which runs take the daily lease of which dates (the IO manager reads the run's tags)."""

from __future__ import annotations

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
