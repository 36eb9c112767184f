"""Inputs that ask the IO manager for some columns get those only (the ones the stored table
has), from an asset's partition and from inside a graph asset; the rest is never decoded."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow as pa

from riverbed.defs.io import LakeIOManager, input_columns, op_input_columns
from riverbed.lake import Lake

DAY = "2026-11-20"
daily = dg.DailyPartitionsDefinition(start_date="2026-11-01")
seen: dict[str, list[str]] = {}


@dg.asset(partitions_def=daily, io_manager_key="lake_io")
def wide() -> pa.Table:
    return pa.table({"a": [1, 2], "b": ["x" * 1000, "y"], "c": [[1.0], [2.0]]})


@dg.asset(
    partitions_def=daily, io_manager_key="lake_io", ins={"wide": input_columns("c", "a", "gone")}
)
def narrow(wide: pa.Table) -> pa.Table:
    seen["narrow"] = wide.column_names
    return wide


@dg.asset(partitions_def=daily, io_manager_key="lake_io")
def whole(wide: pa.Table) -> pa.Table:
    seen["whole"] = wide.column_names
    return wide


@dg.op(ins={"wide": op_input_columns("b")})
def inner(wide: pa.Table) -> pa.Table:
    seen["inner"] = wide.column_names
    return wide


@dg.graph_asset(partitions_def=daily)
def graphed(wide: pa.Table) -> pa.Table:
    return inner(wide)


def test_inputs_read_the_columns_they_ask_for(tmp_path: Path) -> None:
    seen.clear()
    result = dg.materialize(
        [wide, narrow, whole, graphed],
        partition_key=DAY,
        resources={
            "lake_io": LakeIOManager(uri=str(tmp_path)),
            "io_manager": LakeIOManager(uri=str(tmp_path)),
        },
    )
    assert result.success
    # in the stored file's order; a column it lacks is not made up
    assert seen == {"narrow": ["a", "c"], "whole": ["a", "b", "c"], "inner": ["b"]}
    stored = Lake(str(tmp_path)).read_table(
        Lake(str(tmp_path)).partition_path("narrow", {"date": DAY})
    )
    assert stored is not None and stored.column_names == ["a", "c"]
