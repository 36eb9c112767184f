"""The CLI's contract: exit codes, messages naming file/line/field, output formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from riverbed.cli import app
from riverbed.lake import Lake
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import STORIES
from riverbed.pipeline.collect import SourceState

FIXTURES = Path(__file__).parent / "fixtures" / "catalogues"
EXAMPLES = Path(__file__).parent.parent / "examples" / "sources.yaml"


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_validate_example_catalogue_ok(cli):
    result = cli("sources", "validate", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_validate_reports_every_problem_with_file_line_and_field(cli):
    result = cli("sources", "validate", str(FIXTURES / "many_problems.yaml"))
    assert result.exit_code == 2
    lines = [
        line
        for line in result.output.splitlines()
        if line.startswith("many_problems.yaml:") or "many_problems.yaml:" in line
    ]
    assert len(lines) >= 8
    assert any(":5: sources[0].every:" in line for line in lines)
    assert any("sources[1].url" in line for line in lines)


def test_validate_never_echoes_credentials_of_an_invalid_url(cli, tmp_path):
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        "settings:\n"
        "  notify:\n"
        "    - {url: 'ftp://alice:n0tify-pw@hooks.example/x?access_token=n0tify-tok'}\n"
        "sources:\n"
        "  - {id: a, kind: rss, url: 'ftp://bob:hunter2-pw@feeds.example/x?token=abc-tok'}\n"
        "  - {id: b, kind: rss, url: 'https://bob:hunter2-pw@feeds.example:99999/?api_key=k-tok'}\n"
        "  - {id: c, kind: rss, url: 'http://feeds.example/a b?token=space-tok'}\n"
        "  - {id: d, kind: reddit, subreddit: python,\n"
        "     url: 'https://reddit.example/?sig=base-tok'}\n"
    )
    result = cli("sources", "validate", str(catalogue))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if "sources.yaml:" in line]
    assert [line.split(": ")[1] for line in lines] == [
        "settings.notify[0].url",
        "sources[0].url",
        "sources[1].url",
        "sources[2].url",
        "sources[3].url",
    ]
    for secret in ("n0tify", "hunter2", "-tok", "alice:", "bob:"):
        assert secret not in result.output, result.output
    assert "'ftp://REDACTED@feeds.example/x?token=REDACTED'" in result.output


def test_validate_missing_file_exits_2(cli, tmp_path):
    result = cli("sources", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "nope.yaml" in result.output


def test_import_opml_writes_a_valid_catalogue(cli, tmp_path):
    out = tmp_path / "sources.yaml"
    result = cli("sources", "import-opml", str(FIXTURES / "subscriptions.opml"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert cli("sources", "validate", str(out)).exit_code == 0


def test_import_hostile_opml_exits_2(cli):
    assert cli("sources", "import-opml", str(FIXTURES / "billion_laughs.opml")).exit_code == 2


def _lake_with_stories(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    rows = [
        {
            "story_id": "s1",
            "date": "2026-11-25",
            "title": "A",
            "n_sources": 2,
            "first_seen_at": now,
            "source_ids": ["a", "b"],
            "item_ids": ["i1", "i2"],
            "discussions": [],
        },
        {
            "story_id": "s2",
            "date": "2026-11-25",
            "title": "B",
            "n_sources": 1,
            "first_seen_at": now,
            "source_ids": ["a"],
            "item_ids": ["i3"],
            "discussions": [],
        },
    ]
    lake.write_table(
        lake.partition_path("stories", {"date": "2026-11-25"}),
        pa.Table.from_pylist(rows, schema=STORIES),
    )
    return lake


def test_query_formats(cli, tmp_path):
    lake = _lake_with_stories(tmp_path)
    out = cli(
        "query",
        "--lake",
        lake.uri,
        "--format",
        "json",
        "select story_id, n_sources, first_seen_at, source_ids from stories order by 1",
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [
        {
            "story_id": "s1",
            "n_sources": 2,
            "first_seen_at": "2026-11-25T08:00:00Z",
            "source_ids": ["a", "b"],
        },
        {
            "story_id": "s2",
            "n_sources": 1,
            "first_seen_at": "2026-11-25T08:00:00Z",
            "source_ids": ["a"],
        },
    ]
    csv_out = cli(
        "query",
        "--lake",
        lake.uri,
        "--format",
        "csv",
        "select story_id, title from stories order by 1",
    )
    assert csv_out.output.splitlines() == ["story_id,title", "s1,A", "s2,B"]
    table = cli("query", "--lake", lake.uri, "select count(*) as n from stories")
    assert "(1 rows)" in table.output


def test_query_empty_result_is_an_empty_json_array(cli, tmp_path):
    lake = _lake_with_stories(tmp_path)
    out = cli("query", "--lake", lake.uri, "--format", "json", "select * from stories where false")
    assert out.output.strip() == "[]"


def test_every_contract_table_is_queryable_on_an_empty_lake(cli, tmp_path):
    for table in (
        "items",
        "stories",
        "digest",
        "fetches",
        "errors",
        "source_health",
        "item_metrics",
    ):
        out = cli(
            "query",
            "--lake",
            str(tmp_path / "empty"),
            "--format",
            "json",
            f"select count(*) as n from {table}",
        )
        assert out.exit_code == 0, out.output
        assert json.loads(out.output) == [{"n": 0}]


def test_bad_sql_exits_2_with_the_sql_error(cli, tmp_path):
    out = cli("query", "--lake", str(tmp_path), "selec nonsense")
    assert out.exit_code == 2
    assert "SQL error" in out.output


def test_bad_format_and_date_exit_2(cli, tmp_path):
    assert cli("query", "--format", "xml", "select 1").exit_code == 2
    assert cli("run", "--sources", str(EXAMPLES), "--date", "2026-13-45").exit_code == 2
    demo = cli("demo", "--lake", str(tmp_path / "lake"), "--date", "tomorrow")
    assert demo.exit_code == 2 and "--date must be YYYY-MM-DD" in demo.output
    assert not (tmp_path / "lake").exists()  # refused before anything starts


def test_run_with_a_broken_catalogue_exits_2(cli):
    out = cli("run", "--sources", str(FIXTURES / "many_problems.yaml"))
    assert out.exit_code == 2
    assert "many_problems.yaml:" in out.output


def test_status_reads_the_lake_only(cli, tmp_path):
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        "sources:\n"
        "  - {id: fresh, kind: rss, url: 'http://a.example/feed', every: 1h}\n"
        "  - {id: old, kind: rss, url: 'http://b.example/feed', every: 1h}\n"
        "  - {id: idle, kind: rss, url: 'http://d.example/feed', every: 1h}\n"
        "  - {id: never, kind: rss, url: 'http://c.example/feed'}\n"
    )
    lake = Lake(tmp_path / "lake")
    now = datetime.now(UTC)
    state = SourceState(lake)
    state.save(
        "fresh",
        {
            "last_attempt_at": now.isoformat(),
            "last_success_at": now.isoformat(),
            "last_status": "ok",
        },
    )
    state.save(
        "old",
        {
            "last_attempt_at": now.isoformat(),
            "last_success_at": "2020-01-01T00:00:00+00:00",
            "last_status": "failed",
        },
    )
    long_ago = "2020-01-01T00:00:00+00:00"
    state.save(
        "idle", {"last_attempt_at": long_ago, "last_success_at": long_ago, "last_status": "ok"}
    )
    day = now.date().isoformat()
    Journal(lake).append(
        "source_health",
        day,
        [
            {
                "health_key": "h1",
                "run_id": "r1",
                "source_id": "fresh",
                "status": "ok",
                "items_new": 4,
                "at": now,
            },
            {
                "health_key": "h2",
                "run_id": "r1",
                "source_id": "old",
                "status": "failed",
                "items_new": 0,
                "at": now,
            },
        ],
        "r1",
    )
    out = cli("status", "--sources", str(catalogue), "--lake", lake.uri, "--format", "json")
    assert out.exit_code == 0, out.output
    rows = {r["source_id"]: r for r in json.loads(out.output)}
    assert (
        rows["fresh"]["status"] == "ok"
        and rows["fresh"]["items_new"] == 4
        and rows["fresh"]["stale"] is False
    )
    # failing for long: failed (as the alerts report it), and the `stale` column says how long
    assert (
        rows["old"]["status"] == "failed"
        and rows["old"]["error_rate"] == 1.0
        and rows["old"]["stale"] is True
    )
    assert (rows["idle"]["status"], rows["idle"]["stale"]) == ("stale", True)  # not collected
    assert rows["never"]["status"] == "never_run"


def test_status_of_a_source_whose_only_attempt_failed_is_failed_not_stale(cli, tmp_path):
    # stale means "its last success is old"; one that never succeeded has failed (and is
    # still counted as stale by the `stale` column and the stale-sources check)
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text("sources:\n  - {id: broken, kind: rss, url: 'http://a.example/feed'}\n")
    lake = Lake(tmp_path / "lake")
    now = datetime.now(UTC)
    SourceState(lake).save("broken", {"last_attempt_at": now.isoformat(), "last_status": "failed"})
    out = cli("status", "--sources", str(catalogue), "--lake", lake.uri, "--format", "json")
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    assert (row["status"], row["stale"], row["last_success_at"]) == ("failed", True, None)
