"""The lake: one root (a local folder or an object-store prefix) and the one Parquet writer.

Layout under the root:
  tables/<name>/date=YYYY-MM-DD[/source=<id>]/part.parquet   asset partitions (current state)
  journal/<name>/date=YYYY-MM-DD/<run_id>-<n>.parquet        append-only history records
  raw/<sha256[:2]>/<sha256>.zst                               bronze: raw response bodies
  state/sources/<source_id>.json                              per-source fetch state
  published/                                                  rendered digests and feeds

Writes are atomic from a reader's point of view: a local file is written under a temporary
name and renamed; an object is one PUT, or one multipart upload that becomes visible only
when it completes (and is aborted when the write fails). Parquet is written and read in
row groups, so a large table streams through a bounded buffer.

Every storage failure is a `LakeError` (an `OSError`) naming the operation, the object, the
S3 endpoint and the underlying reason, with credentials redacted.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from riverbed import settings
from riverbed.fetch.redact import REDACTED, redact_text, redact_url

# Arrow allocates from glibc's malloc unless ARROW_DEFAULT_MEMORY_POOL says otherwise: its
# default (mimalloc) kept freed memory, and the steps of an in-process run share a process.
# A 5,000-source run of 80k items peaked at 1.49 GB against 1.61 GB, in the same time
# (docs/performance.md, "Memory of a day").
if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    pa.set_memory_pool(pa.system_memory_pool())


def _return_freed_memory() -> None:
    """glibc serves an allocation from its heap once an mmap of that size was freed (its
    threshold follows the largest block freed, up to 32 MB), so the day-sized numpy and Arrow
    temporaries of one stage stayed in the process as free heap under the next stage's: a
    fixed 128 KiB threshold maps every big block on its own and returns it when freed
    (the near-duplicate pass of 200 k stories peaked 1.1 GB, 0.9 with it; as fast). An
    explicit MALLOC_MMAP_THRESHOLD_ in the environment wins."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):  # glibc only
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD = 128 * 1024
_return_freed_memory()


def release_memory(collect: bool = True) -> None:
    """Hand memory freed by finished work back to the system: Python's cycles collected
    (with `collect`), Arrow's pool and glibc's heap trimmed. The steps of an in-process run
    share one process, and what one step freed otherwise stayed part of the next one's
    peak. Called between the runs of `riverbed run` and after each big step output."""
    if collect:
        gc.collect()
    with contextlib.suppress(Exception):
        pa.default_memory_pool().release_unused()
    with contextlib.suppress(Exception):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@functools.cache
def storage_errors() -> tuple[type[BaseException], ...]:
    """The object-store client's own errors (s3fs passes some through untranslated). Imported
    when a lake call first fails, not with this module: `riverbed status` on a local lake
    never loads aiohttp."""
    try:
        from aiohttp import ClientError as HTTPClientError
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - botocore and aiohttp come with s3fs
        return (OSError, ValueError)
    return (
        OSError,
        ValueError,  # s3fs turns botocore's parameter validation (a bad bucket name) into one
        BotoCoreError,
        ClientError,
        # s3fs re-raises aiohttp's own once its retries run out: a response cut short
        # (ClientPayloadError), a server that hung up (ServerDisconnectedError)
        HTTPClientError,
    )


def group_rows(nbytes: int, rows: int) -> int:
    """Rows per Parquet row group for rows of this average size: about `ROW_GROUP_BYTES` of
    data, between 1,024 and `ROW_GROUP_ROWS` rows."""
    per_row = max(1, nbytes // rows) if rows else 1
    return max(1_024, min(ROW_GROUP_ROWS, ROW_GROUP_BYTES // per_row))


class _ProducerFailed(Exception):
    """The batches given to `write_batches` raised: their own error, not the lake's."""


# Rows per Parquet row group and per batch read (at most): the unit that sits in memory at
# once when a table is written or read.
ROW_GROUP_ROWS = 64 * 1024
# ... and about this much data per row group and per batch a whole-table read decodes
# (`group_rows`): wide rows (embeddings: 2 KB each) get fewer rows. Decoding costs about
# three times the batch: an 80 MB vector column read 64k rows at a time took 260 MB of Arrow
# memory, in batches of ~8 MB 92 MB (docs/performance.md, "Memory of a day").
ROW_GROUP_BYTES = 8 * 2**20
# Objects up to this size are one PUT; larger ones are a multipart upload of parts this size
# (at most this much is buffered per open object). S3's minimum part size is 5 MiB.
S3_PART_BYTES = 16 * 2**20
# A dead or unreachable endpoint fails within seconds, not minutes. botocore's "standard"
# retry mode makes at most 3 attempts per request (backoff: random up to 1 s, then 2 s) on
# connection errors, throttling and 5xx; s3fs retries a failed call twice more (3 calls, its
# own short backoff of 0.1 s, 0.17 s) — the only retry of a response body cut short, which
# botocore does not retry (scripts/storage_faults.py: two cut responses in a row failed
# reads with 2 calls). Worst case for a refused connection: 3 x (1 + 2 s) + 0.3 s, about
# 9 s per operation. A connection attempt gives up after 5 s (an endpoint dropping
# packets); a response that stalls for 60 s is an error too.
S3_CONFIG: dict[str, Any] = {
    "connect_timeout": 5,
    "read_timeout": 60,
    "retries": {"max_attempts": 3, "mode": "standard"},
}
S3_CALL_RETRIES = 3
# Overrides both timeouts above, in seconds (e.g. `0.5` in tests, where a stalled endpoint
# would otherwise take 3 attempts x 2 calls x 60 s to give up).
S3_TIMEOUT_ENV = "RIVERBED_S3_TIMEOUT_S"


class LakeError(OSError):
    """A lake operation failed: `cannot <op> <uri>: <reason> (S3 endpoint <url>)`."""


def _is_local(path: UPath) -> bool:
    return path.protocol in ("", "file", "local")


def _storage_options(protocol: str) -> dict[str, Any]:
    if protocol in ("s3", "s3a"):
        # a fresh dict each time: botocore rewrites the retries mapping it is given
        config = {**S3_CONFIG, "retries": dict(S3_CONFIG["retries"])}
        if seconds := settings.number(S3_TIMEOUT_ENV):
            config["connect_timeout"] = config["read_timeout"] = seconds
        return {"config_kwargs": config}
    return {}


def s3_endpoint() -> str:
    """The S3 endpoint requests go to (redacted), as botocore chooses it from the environment."""
    url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return redact_url(url) if url else "AWS S3 (no AWS_ENDPOINT_URL)"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(out) < 10 and seen not in out:
        out.append(seen)
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return out


def _reason(exc: BaseException) -> str:
    """The underlying reason, short: `connection refused`, `timed out`, `AccessDenied: …`."""
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if names & {"ConnectTimeoutError", "ReadTimeoutError", "TimeoutError", "ServerTimeoutError"}:
        return "timed out"
    # a body shorter than its Content-Length: checked by aiohttp and botocore, never accepted
    if names & {
        "ContentLengthError",
        "ClientPayloadError",
        "IncompleteReadError",
        "ResponseStreamingError",
    }:
        return "response cut short"
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return "connection reset"
    if names & {"ServerDisconnectedError", "ConnectionClosedError"}:
        return "connection closed by the server"
    for e in chain:
        response = getattr(e, "response", None)
        if isinstance(response, Mapping) and isinstance(response.get("Error"), Mapping):
            error = response["Error"]
            return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    if "EndpointConnectionError" in names:
        return "cannot connect"
    if isinstance(exc, PermissionError):
        return "access denied"
    innermost = chain[-1]
    return f"{type(innermost).__name__}: {innermost}"


def _drop_expect_continue(request: Any, **_: Any) -> None:
    """botocore asks to send every upload body only after a `100 Continue`; aiohttp waits for
    that answer with no timeout at all, so a server that accepts the connection and never
    answers hung a PUT forever, whatever `read_timeout` says. Without the header the body
    goes out at once and the read timeout covers the wait for the response."""
    if "Expect" in request.headers:
        del request.headers["Expect"]  # not signed (botocore leaves it out of SigV4)


def _bound_upload_waits() -> None:
    """Register `_drop_expect_continue` for every botocore session made from now on: on the
    sessions (not a client) because s3fs makes a new session and client when its HTTP
    sessions were closed. Done when the first object-store lake is opened, before its
    filesystem exists (importing botocore costs ~0.25 s a local lake need not pay)."""
    try:
        from botocore import handlers
    except ImportError:  # pragma: no cover - botocore comes with s3fs
        return
    spec = ("before-send.s3", _drop_expect_continue)
    if spec not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(spec)


_BUCKETS: set[tuple[str, str]] = set()  # (endpoint, bucket) seen to exist in this process


def _ensure_bucket(path: UPath) -> None:
    """Create the bucket on the first write to it (once per process and endpoint)."""
    bucket = path.path.split("/", 1)[0]
    key = (s3_endpoint(), bucket)
    if key not in _BUCKETS:
        path.parent.mkdir(parents=True, exist_ok=True)
        _BUCKETS.add(key)


STALE_TMP_S = 3600.0  # a local write's temporary this old was left by a killed process
_SWEPT: set[Path] = set()


def sweep_temporaries(folder: Path) -> None:
    """Remove the temporaries (`.<name>.<hex>.tmp`) that killed writers left in `folder`, the
    first time this process writes there: a SIGKILL between creating one and its rename
    leaves it behind. Readers never see them (dot files); this keeps them from piling up.
    One that is younger than `STALE_TMP_S` may be a live writer's and stays."""
    if folder in _SWEPT:
        return
    _SWEPT.add(folder)
    stale = time.time() - STALE_TMP_S
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
                continue
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime < stale:
                    Path(entry.path).unlink()


class Lake:
    """A lake rooted at `uri` (a path, `file://…` or `s3://bucket/prefix`)."""

    def __init__(self, uri: str | os.PathLike[str]) -> None:
        text = os.fspath(uri)
        if "://" not in text:
            text = str(Path(text).expanduser().absolute())
        self.uri = text
        self.shown = redact_url(text)  # for messages: credentials removed
        self.root = UPath(text, **_storage_options(text.split("://", 1)[0]))
        self.local = _is_local(self.root)
        if not self.local:
            _bound_upload_waits()
        if not self.local and hasattr(self.root.fs, "retries"):
            self.root.fs.retries = S3_CALL_RETRIES

    def __repr__(self) -> str:
        return f"Lake({self.shown!r})"

    def __str__(self) -> str:
        return self.shown

    # -- paths -----------------------------------------------------------------------------
    def path(self, *parts: str) -> UPath:
        return self.root.joinpath(*parts)

    def table_dir(self, name: str) -> UPath:
        return self.path("tables", name)

    def partition_path(self, name: str, partition: Mapping[str, str] | None = None) -> UPath:
        parts = [f"{k}={v}" for k, v in (partition or {}).items()]
        return self.table_dir(name).joinpath(*parts, "part.parquet")

    # -- errors ----------------------------------------------------------------------------
    def error(self, op: str, path: UPath | None, exc: BaseException) -> LakeError:
        """`cannot <op> <path>: <reason>`, plus the endpoint for an object store; redacted."""
        where = redact_url(str(path)) if path is not None else self.shown
        text = f"cannot {op} {where}: {_reason(exc)}"
        if not self.local:
            text += f" (S3 endpoint {s3_endpoint()})"
        text = redact_text(text)
        # credentials quoted outside a URL (s3fs names a bucket `user:password@bucket`)
        for url in (
            self.uri,
            os.environ.get("AWS_ENDPOINT_URL_S3"),
            os.environ.get("AWS_ENDPOINT_URL"),
        ):
            userinfo = urlsplit(url or "").netloc.rpartition("@")[0]
            if userinfo:
                text = text.replace(userinfo, REDACTED)
        return LakeError(text)

    @contextlib.contextmanager
    def _io(self, op: str, path: UPath | None) -> Iterator[None]:
        """Storage failures inside become one `LakeError`; the original exception is not
        chained (its text may carry an endpoint URL with credentials)."""
        try:
            yield
        except (FileNotFoundError, LakeError, _ProducerFailed):
            raise
        except storage_errors() as exc:  # evaluated only when a call raised
            raise self.error(op, path, exc) from None

    # -- bytes -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _sink(self, path: UPath) -> Iterator[IO[bytes]]:
        """A binary file whose content appears at `path` only when the block ends normally.

        Local: a temporary file in the same folder, fsync'd and renamed over the target
        (removed on failure). Object store: the store's own atomicity, one PUT up to
        `S3_PART_BYTES`, else one multipart upload completed at the end and aborted on
        failure — a reader sees the previous object or the new one, never a part.
        """
        if self.local:
            target = Path(path.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            sweep_temporaries(target.parent)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                with tmp.open("wb") as fh:
                    yield fh
                    fh.flush()
                    os.fsync(fh.fileno())
                tmp.replace(target)
            finally:
                tmp.unlink(missing_ok=True)
            return
        _ensure_bucket(path)
        fh = path.fs.open(path.path, "wb", block_size=S3_PART_BYTES)
        try:
            yield fh
            fh.close()  # the PUT, or the multipart upload's completion
        except BaseException:
            # also when the completion itself failed: its parts would stay behind, unseen
            # but stored (and billed) until a lifecycle rule removes them
            with contextlib.suppress(Exception):
                if hasattr(fh, "discard"):
                    fh.discard()  # aborts a multipart upload; nothing becomes visible
            fh.closed = True  # never commit what was written so far
            raise

    def write_bytes(self, path: UPath, data: bytes) -> None:
        """Write atomically: readers see the old object or the new one, never a partial one."""
        with self._io("write", path), self._sink(path) as fh:
            fh.write(data)

    def read_bytes(self, path: UPath) -> bytes | None:
        try:
            with self._io("read", path):
                return path.read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, path: UPath) -> bool:
        with self._io("check", path):
            return path.exists()

    # -- parquet ---------------------------------------------------------------------------
    def write_table(self, path: UPath, table: pa.Table) -> None:
        """The one Parquet writer (zstd, statistics on), in row groups of `group_rows`."""
        rows = group_rows(table.nbytes, table.num_rows)
        self.write_batches(path, table.schema, table.to_batches(max_chunksize=rows))

    def write_batches(
        self, path: UPath, schema: pa.Schema, batches: Iterable[pa.RecordBatch]
    ) -> int:
        """Stream record batches into one Parquet object, a row group at a time: only the
        current batch (and, on S3, one part) is held in memory. Atomic (see `_sink`); a
        failure while producing the batches leaves the previous object untouched."""
        rows = 0
        failure: list[BaseException] = []

        def pulled() -> Iterator[pa.RecordBatch]:
            try:
                yield from batches
            except Exception as exc:
                failure.append(exc)
                raise _ProducerFailed from None

        try:
            with (
                self._io("write", path),
                self._sink(path) as fh,
                pq.ParquetWriter(fh, schema, compression="zstd") as writer,
            ):
                for batch in pulled():
                    rows_per_group = group_rows(batch.nbytes, batch.num_rows)
                    writer.write_batch(batch, row_group_size=rows_per_group)
                    rows += batch.num_rows
        except _ProducerFailed:
            raise failure[0] from None
        return rows

    def read_table(
        self,
        path: UPath,
        schema: pa.Schema | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table | None:
        """The table at `path` (None when there is none), conformed to `schema` when given;
        `columns`: only those (the ones the file has), the others are never decoded."""
        try:
            with self._io("read", path), self._open(path) as fh:
                table = read_parquet(open_parquet(fh), columns)
        except FileNotFoundError:
            return None
        return conform(table, schema) if schema is not None else table

    def iter_table(
        self, path: UPath, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The table at `path` a batch at a time (`iter_parquet`), only `columns` (the ones
        the file has) decoded; nothing when there is none."""
        try:
            with self._io("read", path), self._open(path) as fh:
                parquet = open_parquet(fh)
                names = None if columns is None else _file_schema(parquet, columns).names
                yield from iter_parquet(parquet, columns=names)
        except FileNotFoundError:
            return

    def read_tables(self, paths: Iterable[UPath], schema: pa.Schema) -> pa.Table:
        return pa.Table.from_batches(list(self.scan(paths, schema)), schema=schema)

    def scan(
        self, paths: Iterable[UPath], schema: pa.Schema, batch_size: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The rows of every file in `paths`, conformed to `schema`, a batch at a time
        (`iter_parquet`: ~`ROW_GROUP_BYTES` unless `batch_size` rows are asked for). Missing
        files are skipped."""
        for path in paths:
            try:
                with self._io("read", path), self._open(path) as fh:
                    for batch in iter_parquet(open_parquet(fh), batch_size):
                        yield conform_batch(batch, schema)
            except FileNotFoundError:
                continue

    @contextlib.contextmanager
    def _open(self, path: UPath) -> Iterator[Any]:
        """A seekable reader: a local path (memory-mapped by Parquet) or the store's file
        object (range reads, at most one part read ahead)."""
        if self.local:
            target = Path(path.path)
            if not target.exists():
                raise FileNotFoundError(str(target))
            yield str(target)
            return
        with path.fs.open(path.path, "rb", block_size=S3_PART_BYTES) as fh:
            yield fh

    def list_files(self, directory: UPath, suffix: str = ".parquet") -> list[UPath]:
        """Every file under `directory` ending in `suffix`, sorted; [] when it does not exist."""
        try:
            with self._io("list", directory):
                if not directory.exists():
                    return []
                found = [p for p in directory.rglob(f"*{suffix}") if not p.name.startswith(".")]
        except FileNotFoundError:
            return []
        return sorted(found, key=lambda p: p.path)

    def list_dirs(self, directory: UPath) -> list[str]:
        """The names of the folders directly under `directory`, sorted; [] when it is absent."""
        try:
            with self._io("list", directory):
                if not directory.exists():
                    return []
                return sorted(p.name for p in directory.iterdir() if p.is_dir())
        except FileNotFoundError:
            return []

    # -- json state ------------------------------------------------------------------------
    def read_json(self, path: UPath) -> Any:
        data = self.read_bytes(path)
        return None if data is None else json.loads(data)

    def write_json(self, path: UPath, value: Any) -> None:
        self.write_bytes(path, json.dumps(value, sort_keys=True, default=str).encode())


def open_parquet(source: Any) -> pq.ParquetFile:
    """A Parquet file to read from (a path or a file object), every read of the lake's:
    without Arrow's pre-buffering, which fetched the column chunks of every row group asked
    for up front — a whole day's embeddings (376 MB) took +720 MB of memory to read, +550
    without."""
    return pq.ParquetFile(source, pre_buffer=False)


def iter_parquet(
    parquet: pq.ParquetFile, batch_size: int | None = None, columns: Sequence[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """The file's rows a batch at a time, batches of about `ROW_GROUP_BYTES` (`group_rows`
    from the file's own sizes) unless `batch_size` is given. Decoding costs about three times
    the batch's size on top of it: an 80 MB column of vectors decoded 64k rows at a time took
    260 MB of Arrow memory, in batches of ~8 MB 92 MB."""
    if batch_size is None:
        meta = parquet.metadata
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
        batch_size = group_rows(
            sum(g.total_byte_size for g in groups), sum(g.num_rows for g in groups)
        )
    yield from parquet.iter_batches(batch_size=batch_size, columns=columns)


def read_parquet(parquet: pq.ParquetFile, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole file (`iter_parquet`'s batches: not `ParquetFile.read()`, which decodes 64k
    rows at a time); `columns`: only those of them the file has, in the file's order."""
    schema = _file_schema(parquet, columns)
    names = None if columns is None else schema.names
    return pa.Table.from_batches(list(iter_parquet(parquet, columns=names)), schema=schema)


def _file_schema(parquet: pq.ParquetFile, columns: Sequence[str] | None) -> pa.Schema:
    """The file's schema; `columns`: only those of them it has, in its order."""
    schema = parquet.schema_arrow
    return schema if columns is None else select_present(schema.empty_table(), columns).schema


def key_rows(table: pa.Table, keys: list[str], last: bool = False) -> np.ndarray:
    """The position of each key's first row (`last`: its last row) in `table`, one per key,
    in no particular order."""
    position = pa.array(np.arange(table.num_rows, dtype=np.int64))
    which = "max" if last else "min"
    return (
        table.select(keys)
        .append_column("_row", position)
        .group_by(keys, use_threads=False)
        .aggregate([("_row", which)])
        .column(f"_row_{which}")
        .to_numpy()
    )


def conform(table: pa.Table, schema: pa.Schema, columns: Sequence[str] | None = None) -> pa.Table:
    """Cast `table` to `schema`: missing columns become nulls, extra columns are dropped, so a
    table written by an older version still reads. `columns`: only those of `schema`, in
    that order (the others are not made at all)."""
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    return pa.Table.from_arrays(_conformed(table, schema), schema=schema)


def conform_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """`conform` for one record batch."""
    return pa.RecordBatch.from_arrays(_conformed(batch, schema), schema=schema)


def _conformed(data: pa.Table | pa.RecordBatch, schema: pa.Schema) -> list[Any]:
    columns: list[Any] = []
    names = data.schema.names
    for fld in schema:
        if fld.name in names:
            col = data.column(fld.name)
            columns.append(col if col.type == fld.type else col.cast(fld.type))
        else:
            columns.append(pa.nulls(data.num_rows, type=fld.type))
    return columns


class TableSource:
    """A table read when, and only as far as, it is asked for: `read(columns)` (None: every
    column), or `batches(columns)` a record batch at a time. What the IO manager hands a step
    for a lazy input (`defs.io.lazy_input`)."""

    def __init__(
        self,
        read: Callable[[Sequence[str] | None], pa.Table],
        scan: Callable[[Sequence[str] | None], Iterable[pa.RecordBatch]] | None = None,
    ) -> None:
        self._read, self._scan = read, scan

    def read(self, columns: Sequence[str] | None = None) -> pa.Table:
        return self._read(columns)

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
        """The rows a batch at a time (read whole first when the source cannot stream)."""
        if self._scan is None:
            yield from self._read(columns).to_batches()
        else:
            yield from self._scan(columns)


def read_columns(data: pa.Table | TableSource, columns: Sequence[str]) -> pa.Table:
    """`columns` of a table in memory or of a `TableSource` (read now): the ones it has."""
    return select_present(data, columns) if isinstance(data, pa.Table) else data.read(columns)


def read_batches(data: pa.Table | TableSource) -> Iterator[pa.RecordBatch]:
    """The rows of a table in memory or of a `TableSource`, a record batch at a time."""
    return iter(data.to_batches()) if isinstance(data, pa.Table) else data.batches()


def select_present(table: pa.Table, columns: Sequence[str] | None) -> pa.Table:
    """`table` with only `columns` (those it has, in its order); all of it for None."""
    if columns is None:
        return table
    wanted = set(columns)
    return table.select([n for n in table.column_names if n in wanted])


def rows_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def iter_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    yield from table.to_pylist()
