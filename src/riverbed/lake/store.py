"""The lake: one root (a local folder or an object-store prefix) and the one Parquet writer.

Layout under the root:
  tables/<name>/date=YYYY-MM-DD[/source=<id>]/part.parquet   asset partitions (current state)
  journal/<name>/date=YYYY-MM-DD/<run_id>-<n>.parquet        append-only history records
  raw/<sha256[:2]>/<sha256>.zst                               bronze: raw response bodies
  state/sources/<source_id>.json                              per-source fetch state
  published/                                                  rendered digests and feeds
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath


def _is_local(path: UPath) -> bool:
    return path.protocol in ("", "file", "local")


class Lake:
    """A lake rooted at `uri` (a path, `file://…` or `s3://bucket/prefix`)."""

    def __init__(self, uri: str | os.PathLike[str]) -> None:
        text = os.fspath(uri)
        if "://" not in text:
            text = str(Path(text).expanduser().absolute())
        self.uri = text
        self.root = UPath(text)
        self.local = _is_local(self.root)

    def __repr__(self) -> str:
        return f"Lake({self.uri!r})"

    # -- paths -----------------------------------------------------------------------------
    def path(self, *parts: str) -> UPath:
        return self.root.joinpath(*parts)

    def table_dir(self, name: str) -> UPath:
        return self.path("tables", name)

    def partition_path(self, name: str, partition: Mapping[str, str] | None = None) -> UPath:
        parts = [f"{k}={v}" for k, v in (partition or {}).items()]
        return self.table_dir(name).joinpath(*parts, "part.parquet")

    # -- bytes -----------------------------------------------------------------------------
    def write_bytes(self, path: UPath, data: bytes) -> None:
        """Write atomically: readers see the old object or the new one, never a partial one.

        Local files go to a temporary name in the same folder and are renamed; an object
        store PUT is already atomic.
        """
        if self.local:
            target = Path(path.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(target)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def read_bytes(self, path: UPath) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, path: UPath) -> bool:
        return path.exists()

    # -- parquet ---------------------------------------------------------------------------
    def write_table(self, path: UPath, table: pa.Table) -> None:
        """The one Parquet writer (zstd, statistics on)."""
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        self.write_bytes(path, buf.getvalue())

    def read_table(self, path: UPath, schema: pa.Schema | None = None) -> pa.Table | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        table = pq.read_table(io.BytesIO(data))
        return conform(table, schema) if schema is not None else table

    def read_tables(self, paths: Iterable[UPath], schema: pa.Schema) -> pa.Table:
        tables = [t for p in paths if (t := self.read_table(p, schema)) is not None]
        if not tables:
            return schema.empty_table()
        return pa.concat_tables(tables)

    def list_files(self, directory: UPath, suffix: str = ".parquet") -> list[UPath]:
        """Every file under `directory` ending in `suffix`, sorted; [] when it does not exist."""
        try:
            if not directory.exists():
                return []
            found = [p for p in directory.rglob(f"*{suffix}") if not p.name.startswith(".")]
        except FileNotFoundError:
            return []
        return sorted(found, key=lambda p: p.path)

    # -- json state ------------------------------------------------------------------------
    def read_json(self, path: UPath) -> Any:
        data = self.read_bytes(path)
        return None if data is None else json.loads(data)

    def write_json(self, path: UPath, value: Any) -> None:
        self.write_bytes(path, json.dumps(value, sort_keys=True, default=str).encode())


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast `table` to `schema`: missing columns become nulls, extra columns are dropped, so a
    table written by an older version still reads."""
    columns = []
    for fld in schema:
        if fld.name in table.column_names:
            col = table.column(fld.name)
            columns.append(col if col.type == fld.type else col.cast(fld.type))
        else:
            columns.append(pa.nulls(table.num_rows, type=fld.type))
    return pa.Table.from_arrays(columns, schema=schema)


def rows_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def iter_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    yield from table.to_pylist()
