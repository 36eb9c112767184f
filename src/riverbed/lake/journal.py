"""Append-only history records (fetches, errors, source_health).

Steps append one immutable object per call, so concurrent writers never clash and a killed
step never leaves a half-written object. The daily history assets read a day's journal and
de-duplicate it on the table's key columns.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from riverbed.lake.schemas import TABLES
from riverbed.lake.store import Lake, rows_to_table


class Journal:
    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    def append(self, name: str, date: str, rows: Iterable[Mapping[str, Any]], run_id: str) -> int:
        schema, _ = TABLES[name]
        table = rows_to_table(rows, schema)
        if table.num_rows == 0:
            return 0
        path = self.lake.path(
            "journal", name, f"date={date}", f"{run_id}-{uuid.uuid4().hex[:12]}.parquet"
        )
        self.lake.write_table(path, table)
        return table.num_rows

    def read(self, name: str, date: str) -> pa.Table:
        schema, _ = TABLES[name]
        files = self.lake.list_files(self.lake.path("journal", name, f"date={date}"))
        return self.lake.read_tables(files, schema)
