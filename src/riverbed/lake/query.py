"""DuckDB over the lake: every table is a view of its name.

Current-state tables that are partitioned by day are folded across days: `items` keeps each
item's latest row (and its earliest `first_seen_at`), `stories` each story's latest row (and
its earliest sighting). History tables are plain unions of their days.
"""

from __future__ import annotations

import duckdb

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


def connect(lake: Lake) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per lake table.

    An object-store lake (s3://…) is read through the lake's own fsspec filesystem
    registered in DuckDB: nothing is downloaded first and no DuckDB extension is fetched
    (extension auto-install/auto-load is off: it would reach out to the internet)."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    if not lake.local:
        con.register_filesystem(lake.root.fs)
    for name in table_names(lake):
        files = lake.list_files(lake.table_dir(name))
        if files:
            paths = [f.path if lake.local else str(f) for f in files]
            src = f"read_parquet({paths!r}, union_by_name = true)"
        elif name in TABLES:  # known but not written yet: an empty table of its schema
            con.register(f"__empty_{name}", TABLES[name][0].empty_table())
            src = f"__empty_{name}"
        else:  # a folder without files and a schema nobody knows: nothing to show
            continue
        body = _FOLDED.get(name, "SELECT * FROM {src}").format(src=src)
        con.execute(f'CREATE VIEW "{name}" AS {body}')
    return con
