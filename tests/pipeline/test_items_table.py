"""`items_table`: the day's items from every collect partition — the first row of an item
wins, rows sorted by item_id; with a catalogue, only its sources' items, each with the rule
that hides it (`hidden_by`)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from riverbed.core.catalogue import load_catalogue
from riverbed.lake.schemas import ITEMS
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.refine import items_table

CATALOGUE = """\
sources:
  - id: blog
    kind: rss
    url: http://blog.example/feed.xml
    tags: [databases]
    block: [{author: "(?i)bot"}]
  - id: news
    kind: rss
    url: http://news.example/feed.xml
settings:
  block: [{title: "(?i)sponsored"}]
  keep: [{tag: databases}, {title: "(?i)postgres"}]
"""


def _part(*rows: tuple[str, str, str, str | None]) -> pa.Table:
    return rows_to_table(
        [
            {"item_id": i, "source_id": s, "title": title, "author": author, "tags": []}
            for i, s, title, author in rows
        ],
        ITEMS,
    )


def test_first_row_of_an_item_wins_and_rows_sort_by_item() -> None:
    first = _part(("c", "blog", "C from the first part", None), ("a", "news", "A", None))
    second = _part(("c", "blog", "C again", None), ("b", "gone", "B", None))
    table = items_table([first, second])
    assert table.schema == ITEMS
    assert table.column("item_id").to_pylist() == ["a", "b", "c"]
    assert table.column("title").to_pylist() == ["A", "B", "C from the first part"]
    assert items_table([]).num_rows == 0


def test_the_catalogue_keeps_its_sources_and_names_the_rule_that_hides(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(CATALOGUE)
    table = items_table(
        [
            _part(
                ("1", "blog", "Vacuum in depth", None),  # kept: the source's tag
                ("2", "blog", "Sponsored: a tool", None),  # the global block rule
                ("3", "blog", "Release notes", "release-bot"),  # the source's block rule
                ("4", "news", "Postgres 19 is out", None),  # kept: a keep rule on the title
                ("5", "news", "Football results", None),  # no keep rule matches
                ("6", "gone", "Postgres elsewhere", None),  # not in the catalogue: left out
            )
        ],
        load_catalogue(path),
    )
    hidden = dict(zip(table.column("item_id").to_pylist(), table.column("hidden_by").to_pylist()))
    assert list(hidden) == ["1", "2", "3", "4", "5"]
    assert hidden["1"] is None and hidden["4"] is None
    assert hidden["2"].startswith("global.block[0]")
    assert hidden["3"].startswith("blog.block[0]")
    assert hidden["5"] == "(no keep match)"


def test_rules_see_every_batch_of_a_big_day(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(CATALOGUE)
    n = 20_000  # more than one batch of rows handed to the rules
    rows = [(f"{i:06d}", "news", "Sponsored" if i % 3 == 0 else "Postgres", None) for i in range(n)]
    table = items_table([_part(*rows[: n // 2]), _part(*rows[n // 2 :])], load_catalogue(path))
    hidden = table.column("hidden_by").to_pylist()
    assert len(hidden) == n
    assert [h is not None for h in hidden] == [i % 3 == 0 for i in range(n)]
