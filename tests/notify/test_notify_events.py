"""Which events a run's outcome calls for, and the bodies each format gets (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from riverbed.core.notify import (
    Event,
    SourceObservation,
    condition_of,
    decide,
    render,
    run_failed,
    scrub,
)

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def obs(
    *, attempted: bool = True, failed: bool = False, stale: bool = False, **kw: str
) -> SourceObservation:
    return SourceObservation("blog", attempted=attempted, failed=failed, stale=stale, **kw)


@pytest.mark.parametrize(
    ("observation", "condition"),
    [
        (obs(attempted=False, stale=True), None),
        (obs(), "ok"),
        (obs(failed=True), "failed"),
        (obs(stale=True), "stale"),
        # never succeeded and failing: stale by the status rule, announced as failed
        (obs(failed=True, stale=True), "failed"),
    ],
)
def test_condition_of_a_source(observation, condition):
    assert condition_of(observation) == condition


@pytest.mark.parametrize(
    ("before", "observation", "event"),
    [
        (None, obs(), None),  # first sight, healthy: nothing to say
        (None, obs(failed=True), "source_failed"),  # first sight, failing
        ("ok", obs(failed=True), "source_failed"),
        ("failed", obs(failed=True), None),  # still failing: said already
        ("failed", obs(failed=True, stale=True), None),  # failing long enough to be stale
        ("failed", obs(), "source_recovered"),
        ("ok", obs(stale=True), "source_stale"),
        ("stale", obs(stale=True), None),
        ("stale", obs(), "source_recovered"),
        ("stale", obs(failed=True), "source_failed"),
        ("failed", obs(attempted=False), None),  # no attempt: no opinion
        ("ok", obs(), None),
    ],
)
def test_only_state_changes_make_events(before, observation, event):
    notified = {} if before is None else {"blog": before}
    decision = decide(notified, [observation], AT)
    assert [e.event for e in decision.events] == ([event] if event else [])
    assert ("blog" in decision.changed) == (event is not None)


def test_decide_fills_the_contract_fields_and_the_new_state():
    failing = obs(failed=True, run_id="r1", error_kind="http_status", message="HTTP 500 from x")
    decision = decide({"other": "failed"}, [failing, obs()], AT, run_id="r9")
    [event] = decision.events
    assert event == Event("source_failed", "blog", "r1", "http_status", "HTTP 500 from x", AT)
    assert decision.changed == {"blog": "failed"}


def test_a_recovery_or_staleness_seen_without_an_attempt_names_the_run_that_saw_it():
    decision = decide({"blog": "ok"}, [obs(stale=True)], AT, run_id="r9")
    [event] = decision.events
    assert (event.run_id, event.error_kind) == ("r9", None)
    assert "no successful fetch ever" in event.message


def test_a_second_decision_on_the_same_state_is_silent():
    first = decide({}, [obs(failed=True)], AT)
    second = decide(first.changed, [obs(failed=True)], AT)
    assert [e.event for e in first.events] == ["source_failed"]
    assert second.events == [] and second.changed == {}


EVENT = Event("source_failed", "blog", "r1", "http_status", "HTTP 500 from x", AT)


def test_json_body_is_exactly_the_contract_object():
    body, headers = render(EVENT, "json")
    assert json.loads(body) == {
        "event": "source_failed",
        "source_id": "blog",
        "run_id": "r1",
        "error_kind": "http_status",
        "message": "HTTP 500 from x",
        "at": "2026-11-26T12:00:00Z",
    }
    assert headers["Content-Type"] == "application/json"


def test_slack_body_is_one_text_field():
    body, headers = render(EVENT, "slack")
    payload = json.loads(body)
    assert set(payload) == {"text"}
    assert "source failed: blog" in payload["text"]
    assert "http_status: HTTP 500 from x" in payload["text"]
    assert headers["Content-Type"] == "application/json"


def test_ntfy_body_is_plain_text_with_a_title_header():
    body, headers = render(run_failed("r2", "collect_rss: ValueError: boom", AT), "ntfy")
    assert headers["Title"] == "riverbed: run failed: run r2"
    assert headers["Content-Type"].startswith("text/plain")
    assert body.decode() == "collect_rss: ValueError: boom (run r2)"
    assert headers["Title"].isascii()


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        (
            "GET https://h/T0/B0/xyzzy1234 failed",
            ["/T0/B0/xyzzy1234"],
            "GET https://hREDACTED failed",
        ),
        ("token abc", ["abc"], "token abc"),  # too short to be told from a word
        ("Bearer s3cr3t-value", ["s3cr3t-value", "s3cr3t"], "Bearer REDACTED"),
    ],
)
def test_scrub_removes_secret_values(text, secrets, expected):
    assert scrub(text, secrets) == expected
