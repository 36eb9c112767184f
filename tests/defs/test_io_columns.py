"""Inputs that ask the IO manager for some columns get those only (the ones the stored table
has), from an asset's partition and from inside a graph asset; the rest is never decoded."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pyarrow as pa

from riverbed.defs.io import LakeIOManager, input_columns, lazy_input, op_input_columns
from riverbed.lake import Lake
from riverbed.lake.store import TableSource

DAY = "2026-11-20"
daily = dg.DailyPartitionsDefinition(start_date="2026-11-01")
seen: dict[str, list[str]] = {}
LAKE: list[str] = []


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


@dg.asset(partitions_def=daily, io_manager_key="lake_io", ins={"wide": lazy_input()})
def lazy(wide: TableSource) -> pa.Table:
    # read when asked, not before: with the object gone, a read finds nothing
    path = Lake(LAKE[0]).partition_path("wide", {"date": DAY})
    data = path.read_bytes()
    path.unlink()
    try:
        seen["lazy_gone"] = wide.read().column_names
        seen["lazy_batches_gone"] = list(wide.batches())
    finally:
        path.write_bytes(data)
    seen["lazy_read"] = wide.read(["b"]).column_names
    seen["lazy_batches"] = [b.to_pydict() for b in wide.batches(["a", "gone"])]
    return pa.table({"n": [wide.read().num_rows]})


@dg.op(ins={"wide": op_input_columns("b")})
def inner(wide: pa.Table) -> pa.Table:
    seen["inner"] = wide.column_names
    return wide


@dg.graph_asset(partitions_def=daily)
def graphed(wide: pa.Table) -> pa.Table:
    return inner(wide)


def test_inputs_read_the_columns_they_ask_for(tmp_path: Path) -> None:
    seen.clear()
    LAKE[:] = [str(tmp_path)]
    result = dg.materialize(
        [wide, narrow, whole, graphed, lazy],
        partition_key=DAY,
        resources={
            "lake_io": LakeIOManager(uri=str(tmp_path)),
            "io_manager": LakeIOManager(uri=str(tmp_path)),
        },
    )
    assert result.success
    # in the stored file's order; a column it lacks is not made up
    assert seen == {
        "narrow": ["a", "c"],
        "whole": ["a", "b", "c"],
        "inner": ["b"],
        "lazy_gone": [],
        "lazy_batches_gone": [],
        "lazy_read": ["b"],
        "lazy_batches": [{"a": [1, 2]}],  # a batch at a time, only the columns asked for
    }
    stored = Lake(str(tmp_path)).read_table(
        Lake(str(tmp_path)).partition_path("narrow", {"date": DAY})
    )
    assert stored is not None and stored.column_names == ["a", "c"]
