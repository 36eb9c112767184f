"""`connect`: one view per table; a known table not written yet is empty with its schema, and a
leftover folder without files (a deleted table, an object store's stale listing) is skipped."""

from __future__ import annotations

from pathlib import Path

from riverbed.lake import Lake
from riverbed.lake.query import connect


def test_empty_folders_of_unknown_tables_are_skipped_and_known_tables_keep_their_schema(
    tmp_path: Path,
) -> None:
    lake = Lake(tmp_path / "lake")
    (tmp_path / "lake/tables/rss_items/date=2026-11-26").mkdir(parents=True)
    con = connect(lake)
    views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
    assert "rss_items" not in views
    assert "items" in views
    assert con.execute("select count(*) from items").fetchone() == (0,)
    assert "item_id" in [r[0] for r in con.execute("describe items").fetchall()]
