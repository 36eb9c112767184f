"""Error messages say what to do next."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from riverbed.cli import app, guarded, lake_hint


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("RIVERBED_SOURCES", "RIVERBED_LAKE"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [["run"], ["status"], ["replay"]])
def test_a_missing_catalogue_says_how_to_get_one(cli, command):
    out = cli(*command)
    assert out.exit_code == 2
    assert "sources.yaml: no such file" in out.stderr
    assert "examples/sources.yaml" in out.stderr and "--sources FILE" in out.stderr


def test_bad_sql_says_how_to_list_tables_and_columns(cli, tmp_path):
    out = cli("query", "--lake", str(tmp_path / "lake"), "select * from nope")
    assert out.exit_code == 2
    assert out.stderr.startswith("SQL error: Catalog Error")
    assert 'riverbed query "show tables"' in out.stderr


@pytest.mark.parametrize(
    ("lake", "needles"),
    [
        ("s3://bucket/prefix", ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "bucket exists"]),
        ("/srv/lake", ["/srv/lake is a folder you can write to", "--lake"]),
    ],
)
def test_the_lake_hint_names_what_to_check(lake, needles):
    hint = lake_hint(lake)
    assert all(n in hint for n in needles), hint


def test_storage_trouble_during_a_run_exits_3_with_the_lake_hint(monkeypatch, capsys):
    def run_pipeline() -> None:
        raise NotADirectoryError(20, "Not a directory", "/srv/file/lake/tables")

    monkeypatch.setenv("RIVERBED_LAKE", "s3://bucket/lake")  # what run_pipeline sets
    with pytest.raises(typer.Exit) as exit_:
        guarded(run_pipeline)
    assert exit_.value.exit_code == 3
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("error: the lake or Dagster home is not usable: NotADirectoryError")
    assert "AWS_ENDPOINT_URL" in lines[1]


def test_status_on_a_lake_without_runs_says_to_run_first(cli, tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: a, kind: rss, url: 'http://a.example/feed'}\n"
    )
    out = cli("status", "--lake", str(tmp_path / "lake"))
    assert out.exit_code == 0
    assert "never_run" in out.stdout
    assert out.stderr.startswith("no run of these sources is recorded in ")
    assert "riverbed run --sources " in out.stderr
    quiet_json = cli("status", "--lake", str(tmp_path / "lake"), "--format", "json")
    assert quiet_json.stderr == ""
