"""The hostile corpus, end to end: every case gets its contract `error_kind`, the runs finish
with the contract's exit codes, good sources land next to hostile ones, nothing reaches the
canary or leaves loopback, and memory stays bounded.

The two `riverbed run` invocations happen once, in `conftest.py`; these are the assertions.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from hostile.conftest import Hostile, Run
from hostile.corpus import GOOD_SOURCE, GOOD_TITLES, Case, build

CASES = build(0, 1).cases  # names and expectations only (nothing is served from these)
MAX_RSS_MB = 600  # a riverbed run with Dagster imported is ~210-250 MB before any input


def _case(hostile: Hostile, name: str) -> Case:
    (case,) = [c for c in hostile.corpus.cases if c.name == name]
    return case


def _status(run: Run) -> dict[str, dict[str, Any]]:
    return {row["source_id"]: row for row in run.summary}


def _article_errors(run: Run, case: Case) -> list[tuple[Any, ...]]:
    assert case.url is not None
    path = urlsplit(case.url).path  # unique per case; the host may be canonicalised
    return run.rows(
        "select error_kind, message, url from errors where stage = 'articles' and url like ?",
        f"%{path}",
    )


@pytest.mark.parametrize(("run_name", "expected"), [("sources", 1), ("items", 0)])
def test_the_run_finishes_with_the_contract_exit_code(
    hostile: Hostile, run_name: str, expected: int
) -> None:
    """1: the run finished and at least one source failed entirely; 0: only item-level
    problems (invalid items, refused or thin articles), which are reported, not failures."""
    run = hostile.runs[run_name]
    failed = {s["source_id"]: s["error_kind"] for s in run.summary if s["status"] == "failed"}
    assert run.exit_code == expected, (failed, run.stderr[-3000:])
    assert run.summary, f"no JSON summary on stdout: {run.stdout[:500]!r}"


@pytest.mark.parametrize("run_name", ["sources", "items"])
def test_the_run_logs_no_traceback(hostile: Hostile, run_name: str) -> None:
    stderr = hostile.runs[run_name].stderr
    assert "Traceback" not in stderr, stderr[-5000:]


@pytest.mark.parametrize("case_name", [c.name for c in CASES])
def test_case_gets_its_error_kind(hostile: Hostile, case_name: str) -> None:
    case = _case(hostile, case_name)
    run = hostile.runs[case.run]
    if case.stage == "articles":
        found = _article_errors(run, case)
        if case.error_kind is None:
            assert found == []
        else:
            assert [k for k, _m, _u in found] == [case.error_kind], found
        return
    status = _status(run)[case.source_id or ""]
    kinds = run.rows(
        "select error_kind from errors where stage = 'collect' and source_id = ?",
        case.source_id,
    )
    health = run.rows("select status from source_health where source_id = ?", case.source_id)
    if case.source_failed:
        assert (status["status"], status["error_kind"]) == ("failed", case.error_kind)
        assert kinds == [(case.error_kind,)]
        assert health == [("failed",)]
    else:
        assert status["status"] == "ok", status
        assert kinds == ([] if case.error_kind is None else [(case.error_kind,)])
        assert health == [("ok",)]


def test_error_kinds_are_from_the_contract_vocabulary(hostile: Hostile) -> None:
    vocabulary = {
        "timeout",
        "connect_error",
        "http_status",
        "too_large",
        "too_many_redirects",
        "blocked_address",
        "scheme_rejected",
        "content_type",
        "robots_disallowed",
        "rate_limited",
        "parse_error",
        "not_a_feed",
        "invalid_item",
        "thin_extraction",
        "budget_exhausted",
    }
    for run in hostile.runs.values():
        kinds = {k for (k,) in run.rows("select distinct error_kind from errors")}
        assert kinds <= vocabulary, kinds - vocabulary  # no `internal`: no crash anywhere


@pytest.mark.parametrize("run_name", ["sources", "items"])
def test_good_sources_land_in_the_same_run(hostile: Hostile, run_name: str) -> None:
    run = hostile.runs[run_name]
    assert _status(run)[GOOD_SOURCE]["status"] == "ok"
    titles = {t for (t,) in run.rows("select title from items where source_id = ?", GOOD_SOURCE)}
    assert titles == set(GOOD_TITLES[run_name])
    stories = {t for (t,) in run.rows("select title from stories")}
    assert set(GOOD_TITLES[run_name]) <= stories
    digest = {t for (t,) in run.rows("select title from digest")}
    assert set(GOOD_TITLES[run_name]) <= digest


def test_every_source_not_meant_to_fail_is_ok(hostile: Hostile) -> None:
    failing = {c.source_id for c in hostile.corpus.cases if c.source_failed}
    for run in hostile.runs.values():
        for source_id, row in _status(run).items():
            if source_id not in failing:
                assert row["status"] == "ok", row


def test_nothing_reached_the_canary_or_left_loopback(hostile: Hostile) -> None:
    assert hostile.canary.connections == 0
    assert hostile.canary.requests == []
    for run in hostile.runs.values():
        # DNS lookups of outside names or connects to outside addresses, refused by the guard
        assert run.violations == [], run.violations


@pytest.mark.parametrize("run_name", ["sources", "items"])
def test_peak_memory_of_the_run_stays_bounded(hostile: Hostile, run_name: str) -> None:
    run = hostile.runs[run_name]
    print(
        f"\n`riverbed run` ({run_name} catalogue): peak RSS {run.peak_rss_mb:.0f} MB "
        f"(largest helper process {run.helpers_peak_mb:.0f} MB, whole tree at most "
        f"{run.tree_peak_mb:.0f} MB), {run.wall_s:.1f} s"
    )
    assert 0 < run.peak_rss_mb < MAX_RSS_MB
    # extraction pool workers (when there are enough pages) parse hostile pages too
    assert run.helpers_peak_mb < MAX_RSS_MB
