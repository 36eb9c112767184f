"""The numeric environment settings: read in one place, refused with their name when they are
not numbers in range (by every command before anything starts), and all documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from riverbed.settings import SETTINGS, SettingError, count, number, problems

ROOT = Path(__file__).resolve().parents[2]


def test_unset_or_empty_means_the_default(monkeypatch):
    monkeypatch.setenv("RIVERBED_LEASE_WAIT_S", "")
    monkeypatch.delenv("RIVERBED_COLLECT_BATCH", raising=False)
    assert number("RIVERBED_LEASE_WAIT_S") == 600
    assert count("RIVERBED_COLLECT_BATCH") == 200 and isinstance(
        count("RIVERBED_COLLECT_BATCH"), int
    )


def test_a_value_in_range_is_read(monkeypatch):
    monkeypatch.setenv("RIVERBED_COLLECT_RETRY_DELAY_S", " 0.5 ")
    monkeypatch.setenv("RIVERBED_ARTICLE_BUCKETS", "7")
    assert number("RIVERBED_COLLECT_RETRY_DELAY_S") == 0.5
    assert count("RIVERBED_ARTICLE_BUCKETS") == 7


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("RIVERBED_COLLECT_BATCH", "abc", "is not a whole number >= 1"),
        ("RIVERBED_COLLECT_BATCH", "2.5", "is not a whole number >= 1"),
        ("RIVERBED_ARTICLE_BUCKETS", "0", "out of range"),
        ("RIVERBED_LEASE_WAIT_S", "-1", "out of range"),
        ("RIVERBED_LEASE_TTL_S", "nan", "out of range"),
        ("RIVERBED_S3_TIMEOUT_S", "inf", "out of range"),
        ("RIVERBED_COLLECT_RETRY_DELAY_S", "5s", "is not a number >= 0"),
    ],
)
def test_a_bad_value_is_named_with_what_it_should_be(monkeypatch, name, raw, says):
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingError) as caught:
        number(name)
    assert str(caught.value).startswith(f"{name}={raw!r}") and says in str(caught.value)
    assert problems() == [str(caught.value)]


def test_every_command_refuses_a_bad_setting_before_it_starts(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from riverbed.cli import app

    monkeypatch.setenv("RIVERBED_LEASE_WAIT_S", "ten minutes")
    lake = tmp_path / "lake"
    for args in (["status", "--lake", str(lake)], ["compact", "--lake", str(lake)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "RIVERBED_LEASE_WAIT_S='ten minutes' is not a number >= 0" in result.output
    assert not lake.exists()  # refused before it touched anything


def test_the_deployment_guide_lists_every_variable_the_code_reads():
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "riverbed").rglob("*.py"))
    read = set(re.findall(r"RIVERBED_[A-Z0-9_]+", source))
    guide = (ROOT / "docs" / "deployment.md").read_text()
    table = guide[guide.index("## Environment variables") :]
    listed = set(re.findall(r"`(RIVERBED_[A-Z0-9_]+)`", table))
    assert read and set(SETTINGS) <= read
    assert read <= listed, f"not in docs/deployment.md: {sorted(read - listed)}"
