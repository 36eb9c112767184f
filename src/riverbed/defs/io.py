"""The Parquet IO manager: one object per asset partition, written through the lake's one
atomic Parquet writer. Never pickles. Step outputs that are no asset (the steps inside a graph
asset) are Parquet too, under `runs/<run_id>/<step>/<output>[/<mapping key>]`. Every asset
materialisation gets the standard `dagster/row_count` and `dagster/column_schema` here.

A step that materialises many partitions at once (a collect step over a range of slots)
returns a mapping partition key -> table; a step that reads many upstream partitions (the
day's items from every source) receives them concatenated — for a collect table, each
asked-for day whole, from one listing. Partitions that were never
materialised read as empty. An input may ask for some columns only
(`input_columns`, `op_input_columns`): the others are never decoded; a lazy input
(`lazy_input`) is a `TableSource` the step reads only if it needs it.

A run of daily partitions (refine, enrich, publish) holds the lake lease of its date(s) while
the IO manager is alive, from before the first input is read until the last output is
written (see `riverbed.lake.lease`): in process, for the whole run; under the multiprocess,
Celery and Kubernetes executors each step sets the IO manager up anew in its own process (a
forkserver child, a worker's pool process, a pod) and tears it down when the step ends, and
the lease is shared by the run (`share_run`): each step process is a member of it from its
setup to its teardown, steps of one run stay parallel, another run of the date waits while
any step of this one holds it, and the last step out deletes it.
"""

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
import pyarrow as pa
from pydantic import PrivateAttr
from upath import UPath

from riverbed.core.dates import is_day
from riverbed.defs.checks import column_schema
from riverbed.lake import Lake
from riverbed.lake.compact import PartitionReader, read_day
from riverbed.lake.lease import daily_lease, leased
from riverbed.lake.schemas import TABLES
from riverbed.lake.store import LakeError, TableSource, release_memory, select_present

_RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
RELEASE_AFTER_BYTES = 16 * 2**20  # a step output this big: memory handed back after writing it
COLUMNS = "columns"  # input metadata: read only these columns of the upstream table
LAZY = "lazy"  # input metadata: hand the step a `TableSource`, read when it asks


def input_columns(*columns: str) -> dg.AssetIn:
    """An asset's input that reads only `columns` of its table (those the stored table has)."""
    return dg.AssetIn(metadata={COLUMNS: list(columns)})


def lazy_input() -> dg.AssetIn:
    """An asset's input handed over as a `TableSource`: the step reads the table (or some
    of its columns) only if and when it needs it."""
    return dg.AssetIn(metadata={LAZY: True})


def op_input_columns(*columns: str) -> dg.In:
    """`input_columns` for an op's input (a step inside a graph asset)."""
    return dg.In(metadata={COLUMNS: list(columns)})


def op_lazy_input() -> dg.In:
    """`lazy_input` for an op's input."""
    return dg.In(metadata={LAZY: True})


def daily_dates(tags: Mapping[str, str]) -> list[str]:
    """The dates of a run of daily partitions (one, or a backfill's range); [] for any other
    run (a collect run's keys are `date|source`)."""
    one = tags.get("dagster/partition", "")
    if is_day(one):
        return [one]
    first, last = (tags.get(t, "") for t in _RANGE)
    if not (is_day(first) and is_day(last)):
        return []
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def partition_dims(partitions_def: dg.PartitionsDefinition | None, key: str) -> dict[str, str]:
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        mk = partitions_def.get_partition_key_from_str(key)
        return dict(mk.keys_by_dimension)
    return {"date": key}


def _per_slot(partitions_def: dg.PartitionsDefinition | None) -> bool:
    """A collect table's partitions: day x slot (`riverbed.defs.partitions`)."""
    return isinstance(partitions_def, dg.MultiPartitionsDefinition) and {
        d.name for d in partitions_def.partitions_defs
    } == {"date", "source"}


def _table_metadata(rows: int, schema: pa.Schema | None) -> dict[str, Any]:
    """The standard metadata of every asset materialisation: row count and the schema as
    stored (what the UI shows in its table and plots)."""
    meta: dict[str, Any] = {"dagster/row_count": dg.MetadataValue.int(rows)}
    if schema is not None:
        meta["dagster/column_schema"] = column_schema(schema)
    return meta


class LakeIOManager(dg.ConfigurableIOManager):
    uri: str

    @property
    def lake(self) -> Lake:
        return Lake(self.uri)

    # a lease that could not be taken (lake down, held too long): raised by the first load or
    # write, so it fails a step with its own message rather than the run's resource setup
    _lease_error: LakeError | None = PrivateAttr(default=None)

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Any]:
        """While the IO manager is alive: this process's part of the daily lease of the run's
        date(s), if any, whichever executor runs the step."""
        run = context.dagster_run
        dates = daily_dates(run.tags) if run is not None else []
        with contextlib.ExitStack() as held:
            try:
                names = [daily_lease(d) for d in dates]
                # steps of one run in other processes (multiprocess, Celery, k8s) share it:
                # each holds its part until its own teardown
                run_id = run.run_id if run else ""
                held.enter_context(leased(self.lake, names, run_id, share_run=True))
            except LakeError as exc:
                self._lease_error = exc
            yield self.create_resource(context)

    def _check_lease(self) -> None:
        if self._lease_error is not None:
            raise self._lease_error

    def _name(self, key: dg.AssetKey) -> str:
        return key.path[-1]

    def _step_path(self, context: dg.OutputContext) -> UPath:
        """Where a step output that is no asset (inside a graph asset) lives: under the run."""
        *parts, last = context.get_identifier()
        return self.lake.path("runs", *parts, f"{last}.parquet")

    def handle_output(
        self, context: dg.OutputContext, obj: pa.Table | Mapping[str, pa.Table]
    ) -> None:
        self._write_output(context, obj)
        tables = obj.values() if isinstance(obj, Mapping) else [obj]
        if sum(t.nbytes for t in tables) >= RELEASE_AFTER_BYTES:
            # the step is done: what it freed goes back to the system, not to the next step
            # of an in-process run (a day's step: ~0.2 GB less at the next steps' peaks)
            release_memory(collect=False)

    def _write_output(
        self, context: dg.OutputContext, obj: pa.Table | Mapping[str, pa.Table]
    ) -> None:
        self._check_lease()
        if not context.has_asset_key:  # a step's output handed to the next step
            assert isinstance(obj, pa.Table)
            self.lake.write_table(self._step_path(context), obj)
            return
        lake, name = self.lake, self._name(context.asset_key)
        if not context.has_asset_partitions:
            assert isinstance(obj, pa.Table)
            lake.write_table(lake.partition_path(name), obj)
            context.add_output_metadata(_table_metadata(obj.num_rows, obj.schema))
            return
        pdef = context.asset_partitions_def
        keys = list(context.asset_partition_keys)
        tables = obj if isinstance(obj, Mapping) else {keys[0]: obj}
        if not isinstance(obj, Mapping) and len(keys) != 1:
            raise dg.DagsterInvariantViolationError(
                f"{name}: {len(keys)} partitions need a mapping partition key -> table"
            )
        rows = 0
        schema = None
        for key in keys:
            table = tables.get(key)
            if table is None:
                continue
            lake.write_table(lake.partition_path(name, partition_dims(pdef, key)), table)
            rows += table.num_rows
            schema = schema or table.schema
        context.add_output_metadata(_table_metadata(rows, schema))

    def load_input(self, context: dg.InputContext) -> pa.Table | TableSource:
        self._check_lease()
        metadata = context.definition_metadata or {}
        if metadata.get(LAZY):
            return TableSource(
                lambda columns: self._load(context, columns),
                self._scanner(context),
            )
        return self._load(context, metadata.get(COLUMNS))

    def _scanner(
        self, context: dg.InputContext
    ) -> Callable[[Sequence[str] | None], Iterator[pa.RecordBatch]] | None:
        """How to read an input a batch at a time straight from its files: for an asset's own
        partitions (a daily table); None for any other input (it is read whole)."""
        upstream = context.upstream_output
        assert upstream is not None
        pdef = context.asset_partitions_def if context.has_asset_partitions else None
        if pdef is None or not upstream.has_asset_key or _per_slot(pdef):
            return None
        assert upstream.asset_key is not None
        name, lake = self._name(upstream.asset_key), self.lake
        paths = [
            lake.partition_path(name, partition_dims(pdef, k)) for k in context.asset_partition_keys
        ]

        def scan(columns: Sequence[str] | None) -> Iterator[pa.RecordBatch]:
            for path in paths:
                yield from lake.iter_table(path, columns)

        return scan

    def _load(self, context: dg.InputContext, columns: Sequence[str] | None) -> pa.Table:
        lake = self.lake
        upstream = context.upstream_output
        assert upstream is not None
        if not upstream.has_asset_key:
            table = lake.read_table(self._step_path(upstream))
            if table is None:
                raise FileNotFoundError(f"step output {upstream.get_identifier()} is missing")
            return table
        assert upstream.asset_key is not None
        name = self._name(upstream.asset_key)
        if not context.has_asset_partitions:
            table = lake.read_table(lake.partition_path(name), columns=columns)
            if table is None:
                raise FileNotFoundError(f"{name} has not been materialised in {lake.shown}")
            return table
        pdef = context.asset_partitions_def
        tables = []
        if _per_slot(pdef):
            # a collect table: the whole of each day asked for, whatever slots hold it (a kind
            # that crossed its bucket threshold today has rows in both layouts); the reader
            # keeps the catalogue's sources (`items_table`)
            dates = sorted({partition_dims(pdef, k)["date"] for k in context.asset_partition_keys})
            for day in dates:
                tables += [select_present(t, columns) for t in read_day(lake, name, day)]
        else:
            reader = PartitionReader(lake)
            for key in context.asset_partition_keys:
                t = reader.read(name, partition_dims(pdef, key), columns=columns)
                if t is not None:
                    tables.append(t)
        if not tables:  # nothing materialised: a lake table's columns with no rows
            known = TABLES.get(name)
            return select_present(known[0].empty_table(), columns) if known else pa.table({})
        return pa.concat_tables(tables, promote_options="default")
