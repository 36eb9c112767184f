"""DuckDB over the lake: every table is a view of its name.

Current-state tables that are partitioned by day are folded across days: `items` keeps each
item's latest row (and its earliest `first_seen_at`), `stories` each story's latest row (and
its earliest sighting). History tables are plain unions of their days.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import duckdb

from riverbed.lake.compact import Piece, day_pieces, list_table
from riverbed.lake.schemas import TABLES
from riverbed.lake.store import Lake

_FOLDED = {
    "items": """
        SELECT * REPLACE (
            min(first_seen_at) OVER (PARTITION BY item_id) AS first_seen_at)
        FROM {src}
        QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY last_seen_at DESC, run_id DESC) = 1
    """,
    "stories": """
        SELECT * REPLACE (
            min(first_seen_at) OVER (PARTITION BY story_id) AS first_seen_at,
            arg_min(first_source_id, first_seen_at) OVER (PARTITION BY story_id) AS first_source_id)
        FROM {src}
        QUALIFY row_number() OVER (PARTITION BY story_id ORDER BY date DESC) = 1
    """,
    # a page linked on several days: its latest row
    "articles": """
        SELECT * FROM {src}
        QUALIFY row_number() OVER (PARTITION BY canonical_url ORDER BY date DESC) = 1
    """,
}


def table_names(lake: Lake) -> list[str]:
    """Tables present in the lake (folders under `tables/`) plus every known table."""
    return sorted(set(TABLES) | set(lake.list_dirs(lake.path("tables"))))


def tables_named(lake: Lake, sql: str) -> list[str] | None:
    """The lake tables `sql` names (as whole words), or None when it names none (`SHOW
    TABLES`, `SELECT 1`): then every view is wanted."""
    named = [
        n for n in table_names(lake) if re.search(rf"(?<![\w$]){re.escape(n)}(?![\w$])", sql, re.I)
    ]
    return named or None


def connect(lake: Lake, only: Collection[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per lake table (`only`: just those; creating a view
    reads the footer of every object it spans, so a query naming one table need not pay for
    the others).

    An object-store lake (s3://…) is read through the lake's own fsspec filesystem
    registered in DuckDB: nothing is downloaded first and no DuckDB extension is fetched
    (extension auto-install/auto-load is off: it would reach out to the internet)."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    # the footers a view reads when it is created (union_by_name reads every file's) are
    # kept for the query, not read a second time
    con.execute("SET parquet_metadata_cache = true")
    if not lake.local:
        con.register_filesystem(lake.root.fs)
    for name in table_names(lake):
        if only is not None and name not in only:
            continue
        src = None if name in TABLES else _per_source_src(lake, name)
        files = [] if src is not None else lake.list_files(lake.table_dir(name))
        if files:
            paths = [f.path if lake.local else str(f) for f in files]
            src = f"read_parquet({paths!r}, union_by_name = true)"
        elif src is not None:  # a per-source table (collect kinds)
            pass
        elif name in TABLES:  # known but not written yet: an empty table of its schema
            con.register(f"__empty_{name}", TABLES[name][0].empty_table())
            src = f"__empty_{name}"
        else:  # a folder without files and a schema nobody knows: nothing to show
            continue
        body = _FOLDED.get(name, "SELECT * FROM {src}").format(src=src)
        con.execute(f'CREATE VIEW "{name}" AS {body}')
    return con


def _per_source_src(lake: Lake, name: str) -> str | None:
    """The rows of a per-source table (`date=D/source=S/` folders) as one SQL relation, each
    day's compacted object in place of its parts (`riverbed.lake.compact`); None: no such
    folders (not a per-source table, or nothing written).
    Parts carry `date` and `source` in their path (hive partitioning), compacted objects as
    columns."""
    pieces: list[Piece] = []
    for date, listing in list_table(lake, name).items():
        pieces += day_pieces(lake, lake.table_dir(name).joinpath(f"date={date}"), listing)

    def shown(piece: Piece) -> str:
        return piece.path.path if lake.local else str(piece.path)

    parts = [shown(p) for p in pieces if not p.compacted]
    whole = [shown(p) for p in pieces if p.compacted and not p.exclude]
    relations = []
    if parts:
        relations.append(
            f"SELECT * FROM read_parquet({parts!r}, hive_partitioning = true, union_by_name = true)"
        )
    if whole:
        relations.append(
            f"SELECT * FROM read_parquet({whole!r}, hive_partitioning = false,"
            " union_by_name = true)"
        )
    for piece in pieces:
        if piece.compacted and piece.exclude:  # sources re-collected after compaction
            kept = " AND ".join(
                f"NOT (file_row_number >= {a} AND file_row_number < {b})" for a, b in piece.exclude
            )
            relations.append(
                f"SELECT * EXCLUDE (file_row_number) FROM read_parquet({shown(piece)!r},"
                f" hive_partitioning = false, file_row_number = true) WHERE {kept}"
            )
    if not relations:
        return None
    return "(" + " UNION ALL BY NAME ".join(relations) + ")"
