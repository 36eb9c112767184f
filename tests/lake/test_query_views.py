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


def test_a_query_gets_the_views_it_names_and_every_view_when_it_names_none(
    tmp_path: Path,
) -> None:
    from riverbed.lake.query import tables_named

    lake = Lake(tmp_path / "lake")
    assert tables_named(lake, "select count(*) from items where date = '2026-11-26'") == ["items"]
    named = tables_named(lake, 'SELECT * FROM "Stories" s JOIN digest d USING (story_id)')
    assert named is not None and sorted(named) == ["digest", "stories"]
    # a table's name inside another word or a column name is no mention of it
    assert tables_named(lake, "select my_items_count, itemsx from t") is None
    assert tables_named(lake, "show tables") is None

    con = connect(lake, only=["items"])
    views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
    assert "items" in views and "stories" not in views
    everything = connect(lake, only=None)
    views = {r[0] for r in everything.execute("select view_name from duckdb_views()").fetchall()}
    assert {"items", "stories", "digest"} <= views
