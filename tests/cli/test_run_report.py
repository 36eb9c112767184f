"""The end-of-run report: the numbers it names and what it tells the user to do next."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

import pytest

from riverbed.run_report import (
    NEXT_STEP,
    SHOWN,
    next_steps,
    render_report,
    source_tally,
    summary_rows,
)


def _source(sid: str, status: str, items_new: int = 0, kind: str | None = None) -> dict[str, Any]:
    return {
        "source_id": sid,
        "status": status,
        "items_new": items_new,
        "error_kind": kind,
        "message": f"{kind}: details" if kind else None,
    }


@dataclass
class Summary:
    date: str = "2026-11-25"
    sources: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 12.34

    @property
    def failed_sources(self) -> list[dict[str, Any]]:
        return [s for s in self.sources if s["status"] == "failed"]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "0 ok, 0 failed (of 0)"),
        (["ok", "ok"], "2 ok, 0 failed (of 2)"),
        (["ok", "not_modified", "failed"], "1 ok, 1 not modified, 1 failed (of 3)"),
        (["skipped", "ok", "weird"], "1 ok, 1 skipped, 0 failed, 1 other (of 3)"),
    ],
)
def test_source_tally_names_every_outcome_met(statuses, expected):
    assert source_tally([_source(f"s{i}", st) for i, st in enumerate(statuses)]) == expected


def test_summary_rows_give_sources_items_stories_digest_lake_duration():
    summary = Summary(
        sources=[
            _source("a", "ok", 3),
            _source("b", "not_modified"),
            _source("c", "failed", kind="timeout"),
            {**_source("d", "ok"), "items_new": None},
        ]
    )
    rows = dict(summary_rows(summary, stories=7, digest="/l/digest.html", lake_uri="/l"))
    assert rows == {
        "sources": "2 ok, 1 not modified, 1 failed (of 4)",
        "items new": "3",
        "stories": "7",
        "digest": "/l/digest.html",
        "lake": "/l",
        "duration": "12.3s",
    }
    bare = dict(summary_rows(summary, stories=None, digest=None, lake_uri="/l"))
    assert "stories" not in bare and bare["digest"] == "(none written)"


def test_next_steps_advise_per_error_kind_and_give_a_runnable_query():
    failed = [
        _source("down", "failed", kind="not_a_feed"),
        _source("slow", "failed", kind="timeout"),
        _source("html", "failed", kind="not_a_feed"),
    ]
    steps = next_steps(failed, "/my lake", "/cat/sources.yaml")
    assert steps[0] == f"- not_a_feed (down, html): {NEXT_STEP['not_a_feed']}"
    assert steps[1] == f"- timeout (slow): {NEXT_STEP['timeout']}"
    query = steps[2].removeprefix("- the recorded errors: ")
    argv = shlex.split(query)  # pasteable into a shell as it is
    assert argv[:4] == ["riverbed", "query", "--lake", "/my lake"]
    assert "from errors where source_id in ('down', 'html', 'slow')" in argv[4]
    assert steps[3] == "- fix or remove a source in /cat/sources.yaml, then run again"
    assert next_steps([], "/l") == []


def test_every_contract_error_kind_has_advice():
    from riverbed.core.errors import ErrorKind

    assert {k.value for k in ErrorKind} <= set(NEXT_STEP)


def test_the_report_lists_failures_and_what_to_do_and_keeps_long_values_whole():
    long_path = "/a/very/long/lake/path/" + "x" * 80 + "/published/digest/index.html"
    failed = [_source("down", "failed", kind="not_a_feed")]
    text = render_report(
        "riverbed run 2026-11-25 — summary",
        [("sources", "0 ok, 1 failed (of 1)"), ("digest", long_path)],
        failed,
        ["- step one"],
        expected={"down"},
    )
    lines = text.splitlines()
    assert lines[0] == "riverbed run 2026-11-25 — summary"
    assert any(line.split() == ["digest", long_path] for line in lines)
    assert "failed sources:" in lines and "what to do next:" in lines
    row = next(line for line in lines if line.startswith("down"))
    assert row.split()[:3] == ["down", "not_a_feed", "yes"]  # the expected column
    assert lines[-1] == "- step one"


def test_thousands_of_failed_sources_make_short_next_steps():
    """A network down fails every source: the advice names a few per error kind and the
    query selects by error kind, not 5,000 ids on one line."""
    failed = [_source(f"load-{i:05d}", "failed", kind="connect_error") for i in range(5000)]
    failed.append(_source("slow", "failed", kind="timeout"))
    steps = next_steps(failed, "/l", "/cat/sources.yaml")
    assert steps[0].startswith("- connect_error (load-00000, load-00001, ")
    assert "… and 4,992 more): " in steps[0] and "load-00008" not in steps[0]
    assert steps[1] == f"- timeout (slow): {NEXT_STEP['timeout']}"
    query = shlex.split(steps[2].removeprefix("- the recorded errors: "))[4]
    assert "where error_kind in ('connect_error', 'timeout')" in query and "load-" not in query
    assert sum(len(s) for s in steps) < 1_000


def test_past_twenty_failed_sources_the_query_also_finds_failures_without_a_kind():
    failed = [_source(f"load-{i:05d}", "failed", kind="connect_error") for i in range(30)]
    failed.append(_source("odd", "failed", kind=None))
    steps = next_steps(failed, "/l")
    assert steps[1].startswith("- unknown (odd): ")
    query = shlex.split(steps[2].removeprefix("- the recorded errors: "))[4]
    assert "where (error_kind in ('connect_error') or error_kind is null) order by" in query
    only_odd = [_source(f"odd-{i}", "failed", kind=None) for i in range(30)]
    query = shlex.split(next_steps(only_odd, "/l")[1].removeprefix("- the recorded errors: "))[4]
    assert "where error_kind is null order by" in query


def test_thousands_of_failed_sources_list_the_first_twenty_and_count_the_rest():
    """5,000 failed sources are not 5,000 lines of report: the first `SHOWN` by name, one
    line for the rest (the next steps still group every one by kind)."""
    failed = [_source(f"load-{i:05d}", "failed", kind="connect_error") for i in range(5000)]
    text = render_report("t", [("sources", "0 ok")], failed, next_steps(failed, "/l"))
    lines = text.splitlines()
    listed = [line for line in lines if line.startswith("load-")]
    assert [line.split()[0] for line in listed] == [f"load-{i:05d}" for i in range(SHOWN)]
    assert any(line.startswith("… and 4,980 more failed sources") for line in lines)
    assert len(lines) < SHOWN + 15
    few = render_report("t", [], failed[:SHOWN], [])
    assert "more failed sources" not in few and f"load-{SHOWN - 1:05d}" in few


def test_quiet_names_the_first_twenty_failed_sources_then_counts_the_rest(capsys):
    from riverbed.cli import report_failures_quietly

    failed = [_source(f"load-{i:05d}", "failed", kind="connect_error") for i in range(500)]
    report_failures_quietly(failed, "/l", None)
    lines = capsys.readouterr().err.splitlines()
    named = [line for line in lines if line.startswith("error: source ")]
    assert len(named) == SHOWN and named[0].startswith("error: source load-00000 failed: ")
    assert "error: … and 480 more failed sources (" in lines[SHOWN]
    assert all(line.startswith(("error: ", "- ")) for line in lines)  # as --quiet promises
