"""Compaction of closed days: a per-source table's day becomes one object.

Collect tables (`rss_items`, `hackernews_items`, …) hold one object per (day, source):
`tables/<name>/date=D/source=S/part.parquet`. With thousands of sources a query over a day
opens thousands of objects. `compact_day` writes the day's rows into one object next to them,
`tables/<name>/date=D/compacted-<stamp>.parquet` (explicit `date` and `source` columns, each
part's rows contiguous), and records in its Parquet metadata, per source, the row range and
the fingerprint of the part it copied (size and mtime locally, the ETag on S3).

What a reader sees of a day (`day_pieces`) — the current state, never a row twice:
  - the newest compacted object (older ones are superseded: the newest holds their rows),
  - minus the rows of any source whose part is present and differs from the copy (a closed
    day re-collected or replayed after compaction: the part is newer and wins),
  - plus every part that the compacted object does not hold as it is.
A part equal to its copy is skipped, so the moment between writing the compacted object and
deleting the parts shows each row once. Parts (and superseded compacted objects) are deleted
only by a later pass, once the compacted object is older than `grace_s`: a reader that listed
the folder before the compacted object existed has that long to read the parts it listed.

Writers are unchanged: the IO manager still writes `source=S/part.parquet`; a partition read
(`PartitionReader`) falls back to the compacted rows of its source when the part is gone.

Compaction and writers of the same day (a closed day re-collected or replayed in another
process) need no common lease: compaction deletes a part only if it is still the very object
it copied (`delete_unchanged`: S3 `If-Match` its ETag; locally renamed aside, checked, put
back when rewritten meanwhile), so a part written after the listing always survives, and the
reader rules above make it win. Two compactions of one day (a `riverbed run` and a
`riverbed compact`) are kept apart by the lease `compact_lease(table, date)`, taken without
waiting: a day whose lease is busy is skipped (`CompactResult.skipped`), its holder does it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from upath import UPath

from riverbed.lake.lease import LeaseBusy, compact_lease, leased, precondition_failed
from riverbed.lake.schemas import TABLES
from riverbed.lake.store import Lake, conform, open_parquet, select_present, storage_errors

COMPACTED_PREFIX = "compacted-"
PART_NAME = "part.parquet"
META_KEY = b"riverbed.compacted"
# how long parts stay after their compacted copy was written (see the module docstring)
GRACE_S = 600.0


@dataclass(frozen=True)
class Copied:
    """One source's part as a compacted object holds it: rows [start, end), fingerprint."""

    start: int
    end: int
    stamp: str


@dataclass
class Piece:
    """An object to read for a day; `exclude` lists row ranges [start, end) to leave out."""

    path: UPath
    compacted: bool = False
    exclude: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Listing:
    """A day folder as listed: its parts (source -> (path, fingerprint)) and compacted
    objects (newest last, each with its modification time)."""

    parts: dict[str, tuple[UPath, str]]
    compacted: list[tuple[UPath, float]]


@dataclass
class CompactResult:
    table: str
    date: str
    parts: int = 0  # parts copied into the new compacted object
    rows: int = 0
    written: UPath | None = None
    deleted: int = 0
    skipped: str | None = None  # why the day was left as it was (its lease was busy)


def _stamp(info: dict[str, Any]) -> str:
    etag = info.get("ETag") or info.get("etag")
    if etag:
        return str(etag).strip('"')
    return f"{info.get('size')}:{info.get('mtime') or info.get('LastModified')}"


def _mtime(info: dict[str, Any]) -> float:
    value: Any = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value or 0.0)


def _find(lake: Lake, directory: UPath) -> dict[str, dict[str, Any]]:
    """Every file under `directory` with its details (one recursive LIST on S3)."""
    try:
        with lake._io("list", directory):
            if not directory.exists():
                return {}
            found: dict[str, dict[str, Any]] = directory.fs.find(directory.path, detail=True)
            return found
    except FileNotFoundError:
        return {}


def _listing(day_dir: UPath, found: dict[str, dict[str, Any]]) -> Listing:
    """A day folder's listing from the details of the files under it (relative names)."""
    parts: dict[str, tuple[UPath, str]] = {}
    compacted: list[tuple[str, UPath, float]] = []
    for rel, info in found.items():
        path = day_dir.joinpath(*rel.split("/"))
        bits = rel.split("/")
        if len(bits) == 2 and bits[0].startswith("source=") and bits[1] == PART_NAME:
            parts[bits[0].removeprefix("source=")] = (path, _stamp(info))
        elif len(bits) == 1 and rel.startswith(COMPACTED_PREFIX) and rel.endswith(".parquet"):
            compacted.append((rel, path, _mtime(info)))
    compacted.sort(key=lambda c: c[0])  # names sort by creation time (see `_compacted_name`)
    return Listing(parts, [(p, m) for _, p, m in compacted])


def list_day(lake: Lake, day_dir: UPath) -> Listing:
    """One listing of a day folder (a single LIST on S3, fingerprints included)."""
    prefix = day_dir.path.rstrip("/") + "/"
    found = _find(lake, day_dir)
    return _listing(day_dir, {str(k).removeprefix(prefix): v for k, v in found.items()})


def list_table(lake: Lake, name: str) -> dict[str, Listing]:
    """Every day folder of a per-source table: date -> its listing, from one recursive
    listing of the table."""
    table_dir = lake.table_dir(name)
    prefix = table_dir.path.rstrip("/") + "/"
    by_day: dict[str, dict[str, dict[str, Any]]] = {}
    for key, info in _find(lake, table_dir).items():
        folder, _, rel = str(key).removeprefix(prefix).partition("/")
        if folder.startswith("date=") and rel:
            by_day.setdefault(folder.removeprefix("date="), {})[rel] = info
    return {
        date: _listing(table_dir.joinpath(f"date={date}"), found)
        for date, found in sorted(by_day.items())
    }


def copied(lake: Lake, path: UPath) -> dict[str, Copied]:
    """What a compacted object holds: source -> its rows and the fingerprint of its part."""
    with lake._io("read", path), lake._open(path) as fh:
        meta = open_parquet(fh).schema_arrow.metadata or {}
    raw = json.loads(meta.get(META_KEY, b"{}"))
    return {s: Copied(int(v[0]), int(v[1]), str(v[2])) for s, v in raw.items()}


def day_pieces(lake: Lake, day_dir: UPath, listing: Listing | None = None) -> list[Piece]:
    """The objects (and row ranges) that make up a day's current state; see the module doc."""
    listing = listing or list_day(lake, day_dir)
    if not listing.compacted:
        return [Piece(p) for _, (p, _) in sorted(listing.parts.items())]
    newest = listing.compacted[-1][0]
    held = copied(lake, newest)
    base = Piece(newest, compacted=True)
    pieces = [base]
    for source, (path, stamp) in sorted(listing.parts.items()):
        copy = held.get(source)
        if copy is not None and copy.stamp == stamp:
            continue  # the same rows are in the compacted object
        if copy is not None:
            base.exclude.append((copy.start, copy.end))
        pieces.append(Piece(path))
    return pieces


def read_piece(lake: Lake, piece: Piece) -> pa.Table | None:
    """A piece's rows as the part would hold them (a compacted object's own `date` and
    `source` columns dropped); None when the object is gone."""
    table = lake.read_table(piece.path)
    if table is None:
        return None
    if piece.compacted:
        table = table.drop_columns([c for c in ("date", "source") if c in table.column_names])
        for start, end in sorted(piece.exclude, reverse=True):
            table = pa.concat_tables([table.slice(0, start), table.slice(end)])
    return table


def read_day(lake: Lake, name: str, date: str) -> list[pa.Table]:
    """Every row a per-source table holds for a day, whatever slots hold them: each day's
    current state (`day_pieces`) from one listing."""
    pieces = day_pieces(lake, lake.table_dir(name).joinpath(f"date={date}"))
    return [t for t in (read_piece(lake, p) for p in pieces) if t is not None]


class PartitionReader:
    """Reads partitions of any table; for a per-source table (a `source` dimension) a
    partition whose part is gone is read from its day's compacted object. Keeps each day's
    listing and compacted rows it needed, so reading a whole compacted day partition by
    partition reads the compacted object once: use one reader per batch of reads."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self._days: dict[tuple[str, str], tuple[Listing, pa.Table | None, dict[str, Copied]]] = {}

    def read(
        self,
        name: str,
        partition: Mapping[str, str],
        schema: pa.Schema | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table | None:
        """The partition's rows (conformed to `schema` when given; `columns`: only those the
        table has); None when nothing holds them."""
        lake = self.lake
        table = lake.read_table(lake.partition_path(name, partition), schema, columns)
        if table is not None or "source" not in partition or "date" not in partition:
            return table
        date, source = partition["date"], partition["source"]
        for fresh in (False, True):
            listing, whole, held = self._day(name, date, fresh)
            copy = held.get(source)
            if whole is not None and copy is not None:
                rows = whole.slice(copy.start, copy.end - copy.start)
                rows = conform(rows, schema) if schema is not None else rows
                return select_present(rows, columns)
            if source not in listing.parts:
                return None  # neither a part nor a compacted copy: never materialised
            table = lake.read_table(listing.parts[source][0], schema, columns)
            if table is not None:  # written since the first read
                return table
            # listed, then deleted by a compaction: list the day again
        return None

    def holds(self, name: str, partition: Mapping[str, str]) -> bool:
        """Whether the day's listing (one LIST per day, kept) shows a part or a compacted copy
        of this partition: a cheap test before reading a partition that is usually absent."""
        listing, _, held = self._day(name, partition["date"])
        return partition["source"] in listing.parts or partition["source"] in held

    def _day(
        self, name: str, date: str, fresh: bool = False
    ) -> tuple[Listing, pa.Table | None, dict[str, Copied]]:
        key = (name, date)
        if fresh or key not in self._days:
            listing = list_day(self.lake, self.lake.table_dir(name).joinpath(f"date={date}"))
            whole, held = None, {}
            if listing.compacted:
                newest = listing.compacted[-1][0]
                held = copied(self.lake, newest)
                whole = read_piece(self.lake, Piece(newest, compacted=True))
            self._days[key] = (listing, whole, held)
        return self._days[key]


def _compacted_name() -> str:
    # names sort by creation time: the newest compacted object is the last one listed
    return f"{COMPACTED_PREFIX}{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"


def compact_day(
    lake: Lake,
    name: str,
    date: str,
    *,
    grace_s: float = GRACE_S,
    now: float | None = None,
    run_id: str | None = None,
) -> CompactResult:
    """Make `tables/<name>/date=<date>/` one object (see the module docstring). Idempotent:
    nothing is written when the newest compacted object already holds every part as it is;
    parts and superseded compacted objects older than `grace_s` are deleted.

    Holds `compact_lease(name, date)` (for `run_id`, default a fresh id) throughout; when
    another compaction holds it the day is left alone and `skipped` says so."""
    result = CompactResult(table=name, date=date)
    run_id = run_id or f"compact-{uuid.uuid4().hex[:12]}"
    try:
        with leased(lake, [compact_lease(name, date)], run_id, wait_s=0):
            return _compact_day(lake, name, date, result, grace_s, now)
    except LeaseBusy as exc:
        result.skipped = str(exc)
        return result


def _compact_day(
    lake: Lake, name: str, date: str, result: CompactResult, grace_s: float, now: float | None
) -> CompactResult:
    day_dir = lake.table_dir(name).joinpath(f"date={date}")
    listing = list_day(lake, day_dir)
    held = copied(lake, listing.compacted[-1][0]) if listing.compacted else {}
    fresh = {s: v for s, v in listing.parts.items() if s not in held or held[s].stamp != v[1]}
    if fresh:
        result.written, result.parts, result.rows = _write(lake, day_dir, date, listing, held)
        listing = list_day(lake, day_dir)
        held = copied(lake, listing.compacted[-1][0])
    result.deleted = _delete_copied(lake, listing, held, grace_s, now)
    return result


def _write(
    lake: Lake, day_dir: UPath, date: str, listing: Listing, held: dict[str, Copied]
) -> tuple[UPath, int, int]:
    """Write a new compacted object: every source's rows (its part if present, else its rows
    in the newest compacted object), contiguous, sorted by source."""
    newest = listing.compacted[-1][0] if listing.compacted else None
    old = read_piece(lake, Piece(newest, compacted=True)) if newest is not None else None
    chunks: dict[str, tuple[pa.Table, str]] = {}
    for source, copy in held.items():
        if source not in listing.parts and old is not None:
            chunks[source] = (old.slice(copy.start, copy.end - copy.start), copy.stamp)
    for source, (path, stamp) in listing.parts.items():
        table = lake.read_table(path)
        if table is not None:
            chunks[source] = (table, stamp)
        elif source in held and old is not None:  # deleted meanwhile: the old copy stands
            copy = held[source]
            chunks[source] = (old.slice(copy.start, copy.end - copy.start), copy.stamp)
    if not chunks:
        raise ValueError(f"nothing to compact in {day_dir}")
    day = date_type.fromisoformat(date)
    tables, ranges, offset = [], {}, 0
    for source in sorted(chunks):
        table, stamp = chunks[source]
        n = table.num_rows
        table = table.append_column("date", pa.array([day] * n, pa.date32()))
        table = table.append_column("source", pa.array([source] * n, pa.string()))
        tables.append(table)
        ranges[source] = [offset, offset + n, stamp]
        offset += n
    merged = pa.concat_tables(tables, promote_options="default")
    schema = merged.schema.with_metadata({META_KEY: json.dumps(ranges).encode()})
    path = day_dir.joinpath(_compacted_name())
    lake.write_table(path, merged.cast(schema))
    return path, len(chunks), offset


def _delete_copied(
    lake: Lake, listing: Listing, held: dict[str, Copied], grace_s: float, now: float | None
) -> int:
    """Delete the parts the newest compacted object holds as they are, and the compacted
    objects it supersedes, once it is older than `grace_s`."""
    if not listing.compacted:
        return 0
    written_at = listing.compacted[-1][1]
    if (now if now is not None else time.time()) - written_at < grace_s:
        return 0
    parts = {
        p.path: s for s, (p, stamp) in listing.parts.items() if s in held and held[s].stamp == stamp
    }
    doomed = [p for _, (p, _) in listing.parts.items() if p.path in parts]
    doomed += [p for p, _ in listing.compacted[:-1]]
    deleted = 0
    for path in doomed:
        with lake._io("delete", path):
            source = parts.get(path.path)
            if source is not None:
                stamp = held[source].stamp
                # re-written since the listing (newer than its copy): it stays. The check
                # spares the usual case a rename; the conditional delete closes the race
                if _current_stamp(path) != stamp or not delete_unchanged(lake, path, stamp):
                    continue
            else:
                path.fs.rm(path.path)  # a superseded compacted object: never rewritten
            deleted += 1
            folder = Path(path.path).parent
            if lake.local and folder.name.startswith("source=") and not any(folder.iterdir()):
                folder.rmdir()  # an emptied source=S folder
    return deleted


def delete_unchanged(lake: Lake, path: UPath, stamp: str) -> bool:
    """Delete the object at `path` only if it is still the one fingerprinted `stamp`: a part
    a writer put there since (a re-collect of the day) stays. True when deleted.

    S3: a `DeleteObject` conditional on the ETag (`If-Match`). Local: the file is renamed
    aside (atomic: exactly one object is taken), its fingerprint checked (a rename keeps
    size and mtime), and it is put back when it is not the one copied, unless a writer has
    written a newer part in the meantime. Call inside `lake._io`."""
    if not lake.local:
        from fsspec.asyn import sync

        fs = path.fs
        bucket, _, key = path.path.partition("/")
        condition = {"Bucket": bucket, "Key": key, "IfMatch": f'"{stamp}"'}
        try:
            sync(fs.loop, fs._call_s3, "delete_object", **condition)
        except FileNotFoundError:
            return False
        except storage_errors() as exc:
            if precondition_failed(exc):
                return False
            raise
        finally:
            fs.invalidate_cache(path.path)
        return True
    target = Path(path.path)
    aside = target.with_name(f".{target.name}.{uuid.uuid4().hex}.gone")
    try:
        target.rename(aside)
    except FileNotFoundError:
        return False
    try:
        if _stamp(path.fs.info(str(aside))) == stamp:
            return True
        with contextlib.suppress(FileExistsError):
            os.link(aside, target)  # rewritten meanwhile: the newer part goes back
        return False
    finally:
        aside.unlink(missing_ok=True)


def _current_stamp(path: UPath) -> str | None:
    try:
        return _stamp(path.fs.info(path.path))
    except FileNotFoundError:
        return None


def per_source_days(lake: Lake) -> Iterator[tuple[str, str]]:
    """(table, date) of every day folder of the per-source tables (every table but the
    daily and history ones of `TABLES`)."""
    for name in lake.list_dirs(lake.path("tables")):
        if name in TABLES:  # the daily and history tables: one object per day already
            continue
        for folder in lake.list_dirs(lake.table_dir(name)):
            if not folder.startswith("date="):
                continue
            yield name, folder.removeprefix("date=")


def compact_closed(
    lake: Lake,
    before: str,
    *,
    grace_s: float = GRACE_S,
    now: float | None = None,
    run_id: str | None = None,
) -> list[CompactResult]:
    """`compact_day` for every per-source table's days before `before` (YYYY-MM-DD); a day
    whose compaction lease is busy comes back `skipped`."""
    return [
        compact_day(lake, name, date, grace_s=grace_s, now=now, run_id=run_id)
        for name, date in per_source_days(lake)
        if date < before
    ]
