"""Look for canaries in everything a run leaves behind, and count what was looked at (the
one scanner of `tests/faults/test_secret_canaries.py` and the S3 tests' secret-key checks).

`Scan(needles)` collects leaks instead of stopping at the first, so a failing test lists
every place at once:
- `text(where, data)`: a CLI's stdout/stderr, a request body a receiver got;
- `lake(lake)`: every object under the lake root (local or S3) byte for byte, plus, decoded:
  every Parquet object row by row (and its schema metadata), every raw body decompressed
  (through `BlobStore`, which also checks its hash);
- `dagster_home(home)`: every run (config, tags) and every event of every run in the
  instance serialized whole (materialisation metadata, step failures with their causes,
  logs); every row of every table of every SQLite file (runs, event log, schedules);
  every file byte for byte (compute logs, dagster.yaml);
- `folder(root)`: every file under a folder byte for byte (a CLI's working directory).
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from riverbed.lake import Lake
from riverbed.lake.blobs import BlobStore


@dataclass
class Scan:
    needles: Mapping[bytes, str]  # leaked byte string -> what it is
    leaks: list[str] = field(default_factory=list)  # "<what> in <where>"
    scanned: Counter[str] = field(default_factory=Counter)  # kind of thing -> how many

    def _check(self, where: str, data: bytes) -> None:
        for needle, what in self.needles.items():
            if needle in data:
                self.leaks.append(f"{what} in {where}")

    def text(self, where: str, data: str | bytes, kind: str = "cli outputs") -> None:
        self.scanned[kind] += 1
        self._check(where, data.encode() if isinstance(data, str) else data)

    def lake(self, lake: Lake) -> None:
        fs, root = lake.root.fs, lake.root.path.rstrip("/")
        for key in sorted(fs.find(root)):
            rel = key.removeprefix(root)
            data = fs.cat_file(key)
            self.scanned["lake objects"] += 1
            self._check(f"lake {rel}", data)
            if rel.endswith(".parquet"):
                table = pq.read_table(io.BytesIO(data))
                self.scanned["lake parquet rows"] += table.num_rows
                rows = json.dumps(table.to_pylist(), default=str, ensure_ascii=False)
                self._check(f"lake {rel} (rows)", rows.encode())
                self._check(f"lake {rel} (schema)", repr(table.schema.metadata).encode())
            elif rel.startswith("/raw/"):
                body = BlobStore(lake).get(rel.rsplit("/", 1)[-1].removesuffix(".zst"))
                assert body is not None, rel
                self.scanned["raw bodies decompressed"] += 1
                self._check(f"lake {rel} (decompressed)", body)

    def dagster_home(self, home: Path) -> None:
        import dagster as dg
        from dagster._serdes import serialize_value

        with dg.DagsterInstance.from_config(str(home)) as instance:
            for record in instance.get_run_records():
                run = record.dagster_run
                self.scanned["dagster runs"] += 1
                self._check(f"dagster run {run.run_id}", serialize_value(run).encode())
                for entry in instance.all_logs(run.run_id):
                    self.scanned["dagster events"] += 1
                    where = f"dagster event of run {run.run_id}: {entry.message[:80]!r}"
                    self._check(where, serialize_value(entry).encode())
        for db in sorted(home.rglob("*.db")):
            self._sqlite(db, home)
        self.folder(home, kind="dagster home files")

    def _sqlite(self, db: Path, home: Path) -> None:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            tables = [
                r[0] for r in con.execute("select name from sqlite_master where type='table'")
            ]
            for table in tables:
                for row in con.execute(f'select * from "{table}"'):
                    self.scanned["dagster sqlite rows"] += 1
                    self._check(f"{db.relative_to(home)} table {table}", _row_bytes(row))
        con.close()

    def folder(self, root: Path, kind: str = "files", skip: Iterable[Path] = ()) -> None:
        skipped = {p.resolve() for p in skip}
        for file in sorted(root.rglob("*")):
            if file.is_file() and file.resolve() not in skipped:
                self.scanned[kind] += 1
                self._check(str(file.relative_to(root)), file.read_bytes())


def _row_bytes(row: tuple[object, ...]) -> bytes:
    return b"\x00".join(
        v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogatepass") for v in row
    )
