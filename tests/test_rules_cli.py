"""`riverbed rules test`: per rule, the stored items it matches and hides; a bad regex exits 2
naming file and line; the lake is read without Dagster."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cli_runner import run_cli
from riverbed.cli import app
from riverbed.lake import Lake
from riverbed.lake.schemas import ITEMS

CATALOGUE = """\
sources:
  - id: news
    kind: rss
    url: http://news.example/feed
    block: [{title: "(?i)^ask "}]
  - id: papers
    kind: rss
    url: http://papers.example/feed
    tags: [ml]
    keep: [{tag: "^ml$", title: "(?i)attention"}]
settings:
  block: [{title: "(?i)sponsored"}]
"""

AT = datetime(2026, 11, 25, 8, tzinfo=UTC)
# (date partition, item_id, source_id, title, last seen hour)
STORED = [
    ("2026-11-24", "n1", "news", "Ask HN: anything?", 8),
    ("2026-11-24", "n2", "news", "Sponsored: buy", 8),
    # seen on two days: the `items` view keeps its latest row, so it counts once, as "Ask …"
    ("2026-11-24", "n3", "news", "Show HN: a thing", 8),
    ("2026-11-25", "n3", "news", "Ask HN: a thing", 9),
    ("2026-11-25", "p1", "papers", "Attention is all you need", 8),
    ("2026-11-25", "p2", "papers", "Graph databases", 8),
    ("2026-11-25", "p3", "papers", "Sponsored: GPUs", 8),
]

EXPECTED = [
    {
        "scope": "global",
        "list": "block",
        "index": 0,
        "fields": "title~(?i)sponsored",
        "matched": 2,
        "hidden": 2,
    },
    {
        "scope": "news",
        "list": "block",
        "index": 0,
        "fields": "title~(?i)^ask ",
        "matched": 2,
        "hidden": 2,
    },
    {
        "scope": "papers",
        "list": "keep",
        "index": 0,
        "fields": "title~(?i)attention, tag~^ml$",  # the source's tag counts
        "matched": 1,
        "hidden": 0,
    },
    {
        "scope": "(no keep match)",
        "list": "keep",
        "index": None,
        "fields": None,
        "matched": 2,
        "hidden": 1,
    },
]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A catalogue and a lake holding STORED (items of two day partitions)."""
    lake = Lake(tmp_path / "lake")
    for day in sorted({d for d, *_ in STORED}):
        rows = [
            {
                "item_id": item_id,
                "source_id": source_id,
                "title": title,
                "url": f"http://{source_id}.example/{item_id}",
                "tags": [],
                "first_seen_at": AT,
                "last_seen_at": AT.replace(hour=hour),
                "run_id": "r1",
            }
            for d, item_id, source_id, title, hour in STORED
            if d == day
        ]
        table = pa.Table.from_pylist(rows, schema=ITEMS)
        lake.write_table(lake.partition_path("items", {"date": day}), table)
    sources = tmp_path / "sources.yaml"
    sources.write_text(CATALOGUE)
    return sources, tmp_path / "lake"


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_rules_test_lists_per_rule_what_it_matches_and_hides(project):
    sources, lake = project
    out = _invoke(
        "rules", "test", "--sources", str(sources), "--lake", str(lake), "--format", "json"
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == EXPECTED


def test_rules_test_prints_a_table_by_default(project):
    sources, lake = project
    out = _invoke("rules", "test", "--sources", str(sources), "--lake", str(lake))
    assert out.exit_code == 0, out.output
    header, _rule, *body, count = out.output.strip().splitlines()
    assert header.split() == ["scope", "list", "index", "fields", "matched", "hidden"]
    assert body[-1].split() == ["(no", "keep", "match)", "keep", "2", "1"]
    assert body[1].split() == ["news", "block", "0", "title~(?i)^ask", "2", "2"]
    assert count == "(4 rows)"


def test_rules_test_on_an_empty_lake_counts_nothing(project, tmp_path):
    sources, _lake = project
    out = _invoke(
        "rules",
        "test",
        "--sources",
        str(sources),
        "--lake",
        str(tmp_path / "new"),
        "--format",
        "json",
    )
    assert out.exit_code == 0, out.output
    assert [(r["matched"], r["hidden"]) for r in json.loads(out.output)] == [(0, 0)] * 4


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            CATALOGUE.replace('"(?i)^ask "', '"(?i)^ask ("'),
            ":5: sources[0].block[0].title",
            "missing )",
        ),
        (
            CATALOGUE.replace('"^ml$"', '"[z-a]"'),
            ":10: sources[1].keep[0].tag",
            "bad character range",
        ),
        (
            CATALOGUE.replace('{title: "(?i)sponsored"}', "{titel: x}"),
            ":12: settings.block[0]",
            "titel",
        ),
    ],
)
def test_a_bad_rule_exits_2_naming_file_and_line(tmp_path, text, where, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = _invoke("rules", "test", "--sources", str(bad), "--lake", str(tmp_path / "lake"))
    assert out.exit_code == 2
    line = next(x for x in out.output.splitlines() if where in x)
    assert line.startswith(f"{bad}{where}") and message in line


def test_an_unknown_format_exits_2(project):
    sources, lake = project
    out = _invoke(
        "rules", "test", "--sources", str(sources), "--lake", str(lake), "--format", "csv"
    )
    assert out.exit_code == 2


# `import dagster` raises in this process: `rules test` must not need it
NO_DAGSTER = """
import sys
sys.modules["dagster"] = None
from riverbed.cli import main
sys.argv = ["riverbed", *sys.argv[1:]]
main()
"""


def test_rules_test_reads_the_lake_without_dagster(project, tmp_path):
    sources, lake = project
    args = ("rules", "test", "--sources", str(sources), "--lake", str(lake), "--format", "json")
    out = run_cli(tmp_path, *args, bootstrap=NO_DAGSTER)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == EXPECTED
    broken = run_cli(
        tmp_path, "run", "--sources", str(sources), "--lake", str(lake), bootstrap=NO_DAGSTER
    )
    assert broken.returncode != 0  # the guard works: a command that needs Dagster fails
