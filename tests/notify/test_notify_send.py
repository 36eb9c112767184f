"""Alerts through the one HTTP client to a webhook receiver on 127.0.0.1: formats, `on`,
retries, undelivered events recorded (never raised), ${ENV} expansion with no secret leaked,
and de-duplication through the lake."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from riverbed.core.catalogue import Catalogue, parse_catalogue
from riverbed.fetch.types import FetchSettings
from riverbed.lake import Lake
from riverbed.lake.journal import Journal
from riverbed.orchestrate import RunSummary
from riverbed.pipeline.collect import SourceState
from riverbed.pipeline.notify import catalogue_secrets, notify_run_end, notify_run_failure

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DATE = NOW.date().isoformat()
FAST = FetchSettings(
    timeout_s=5.0, connect_timeout_s=2.0, backoff_base_s=0.01, proxy_from_env=False
)


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def catalogue(notify_yaml: str, env: dict[str, str] | None = None) -> Catalogue:
    text = (
        "sources:\n"
        "  - {id: blog, kind: rss, url: 'http://blog.example.org/feed', every: 1h}\n"
        "  - {id: news, kind: rss, url: 'http://news.example.org/feed', every: 1h}\n"
        "settings:\n"
        "  notify:\n" + notify_yaml
    )
    return parse_catalogue(text, file="sources.yaml", env=env or {})


def collected(
    lake: Lake, run_id: str, *, failed: set[str] = frozenset(), message: str = "HTTP 500 from x"
) -> RunSummary:
    """What collect leaves in the lake after `run_id` attempted both sources."""
    rows = []
    for sid in ("blog", "news"):
        state = SourceState(lake).load(sid)
        state["last_attempt_at"] = NOW.isoformat()
        state["last_status"] = "failed" if sid in failed else "ok"
        if sid not in failed:
            state["last_success_at"] = NOW.isoformat()
        SourceState(lake).save(sid, state)
        rows.append(
            {
                "health_key": f"{sid}-{run_id}",
                "run_id": run_id,
                "source_id": sid,
                "status": "failed" if sid in failed else "ok",
                "error_kind": "http_status" if sid in failed else None,
                "message": message if sid in failed else None,
                "at": NOW,
            }
        )
    Journal(lake).append("source_health", DATE, rows, run_id)
    return RunSummary(date=DATE, run_ids=[run_id])


def end(cat: Catalogue, lake: Lake, summary: RunSummary):
    return notify_run_end(cat, lake, summary, NOW, FAST)


def test_each_format_gets_its_body_and_on_filters_events(receiver, lake):
    cat = catalogue(
        f"    - {{url: '{receiver.url('/json')}', format: json}}\n"
        f"    - {{url: '{receiver.url('/slack')}', format: slack, on: [source_failed]}}\n"
        f"    - {{url: '{receiver.url('/ntfy')}', format: ntfy}}\n"
        f"    - {{url: '{receiver.url('/quiet')}', on: [source_recovered]}}\n"
    )
    deliveries = end(cat, lake, collected(lake, "run1", failed={"blog"}))
    assert [d.ok for d in deliveries] == [True, True, True]
    by_path = {r.path: r for r in receiver.received}
    assert set(by_path) == {"/json", "/slack", "/ntfy"}
    assert by_path["/json"].json() == {
        "event": "source_failed",
        "source_id": "blog",
        "run_id": "run1",
        "error_kind": "http_status",
        "message": "HTTP 500 from x",
        "at": "2026-11-26T12:00:00Z",
    }
    assert by_path["/slack"].json()["text"].startswith("riverbed: source failed: blog")
    ntfy = by_path["/ntfy"]
    assert ntfy.headers["Title"] == "riverbed: source failed: blog"
    assert ntfy.body.decode() == "http_status: HTTP 500 from x (run run1)"


def test_same_state_twice_sends_once_and_healing_sends_recovered(receiver, lake):
    cat = catalogue(f"    - {{url: '{receiver.url()}'}}\n")
    end(cat, lake, collected(lake, "run1", failed={"blog"}))
    end(cat, lake, collected(lake, "run2", failed={"blog"}))
    assert receiver.events() == [("source_failed", "blog")]
    end(cat, lake, collected(lake, "run3"))
    end(cat, lake, collected(lake, "run4"))
    assert receiver.events() == [("source_failed", "blog"), ("source_recovered", "blog")]
    assert receiver.delivered[-1].json()["run_id"] == "run3"


def test_a_source_with_no_success_for_three_times_every_is_announced_stale(receiver, lake):
    cat = catalogue(f"    - {{url: '{receiver.url()}'}}\n")
    end(cat, lake, collected(lake, "run1"))
    later = NOW + timedelta(hours=3, minutes=1)  # every: 1h
    notify_run_end(cat, lake, RunSummary(date=DATE, run_ids=["run2"]), later, FAST)
    assert receiver.events() == [("source_stale", "blog"), ("source_stale", "news")]
    assert receiver.delivered[0].json()["run_id"] == "run2"


def test_a_5xx_is_retried_with_the_same_body(receiver, lake):
    receiver.queue(500, 503)
    cat = catalogue(f"    - {{url: '{receiver.url()}'}}\n")
    [delivery] = end(cat, lake, collected(lake, "run1", failed={"blog"}))
    assert delivery.ok
    assert [r.answered for r in receiver.received] == [500, 503, 200]
    assert len({r.body for r in receiver.received}) == 1


def test_a_webhook_that_stays_down_is_recorded_and_never_raises(receiver, lake, caplog):
    receiver.default = 500
    cat = catalogue(f"    - {{url: '{receiver.url()}'}}\n")
    with caplog.at_level(logging.WARNING):
        deliveries = end(cat, lake, collected(lake, "run1", failed={"blog", "news"}))
    assert [d.ok for d in deliveries] == [False, False]
    assert len(receiver.received) == 4  # 1 + 3 retries; the second event is not tried
    errors = Journal(lake).read("errors", DATE).to_pylist()
    assert [(e["stage"], e["source_id"], e["error_kind"]) for e in errors] == [
        ("notify", "blog", "http_status"),
        ("notify", "news", "http_status"),
    ]
    assert "HTTP 500 after 4 attempts" in errors[0]["message"]
    assert "settings.notify[0]: source_failed not delivered" in caplog.text
    # the state moved on: the next run in the same state does not try again
    receiver.default = 200
    end(cat, lake, collected(lake, "run2", failed={"blog", "news"}))
    assert receiver.delivered == []


def test_an_unreachable_webhook_is_a_connect_error_not_a_failure(lake):
    cat = catalogue("    - {url: 'http://127.0.0.1:9/hook'}\n")  # discard port: refused
    [delivery] = end(cat, lake, collected(lake, "run1", failed={"blog"}))
    assert (delivery.ok, delivery.error_kind) == (False, "connect_error")


def test_env_is_expanded_and_no_secret_reaches_payload_log_or_errors(receiver, lake, caplog):
    token, key = "T0KEN-abc123def456", "k3y-0123456789"
    env = {"HOOK_URL": receiver.url(f"/hooks/{token}"), "HOOK_KEY": key}
    cat = catalogue(
        "    - {url: '${HOOK_URL}', format: slack, headers: {X-Key: 'Bearer ${HOOK_KEY}'}}\n"
        "    - {url: '${HOOK_URL}', headers: {X-Key: 'Bearer ${HOOK_KEY}'}}\n",
        env,
    )
    receiver.queue(200, 500, 500, 500, 500)  # slack gets through, json does not
    with caplog.at_level(logging.DEBUG):
        # a source error quoting the secret (say, a proxy echoing the URL) is scrubbed too
        end(cat, lake, collected(lake, "run1", failed={"blog"}, message=f"bad {env['HOOK_URL']}"))
    first = receiver.received[0]
    assert first.path == f"/hooks/{token}"
    assert first.headers["X-Key"] == f"Bearer {key}"
    recorded = [caplog.text, *(str(e) for e in Journal(lake).read("errors", DATE).to_pylist())]
    recorded += [r.body.decode() for r in receiver.received]
    assert any("REDACTED" in r for r in recorded)
    for text in recorded:
        assert token not in text and key not in text


def test_a_failed_run_is_announced_once_by_whoever_sees_it_first(receiver, lake):
    cat = catalogue(f"    - {{url: '{receiver.url()}', on: [run_failed]}}\n")
    summary = collected(lake, "run1")
    summary.failed_runs["run1"] = "collect_rss: ValueError: boom"
    end(cat, lake, summary)
    end(cat, lake, summary)
    assert notify_run_failure(cat, lake, "run1", "again", NOW, FAST) == []
    assert receiver.events() == [("run_failed", None)]
    payload = receiver.delivered[0].json()
    assert (payload["run_id"], payload["message"]) == ("run1", "collect_rss: ValueError: boom")


def test_no_targets_means_no_requests_and_no_state(lake):
    cat = parse_catalogue(
        "sources:\n  - {id: blog, kind: rss, url: 'http://blog.example.org/feed'}\n", env={}
    )
    assert end(cat, lake, collected(lake, "run1", failed={"blog"})) == []
    assert not lake.exists(lake.path("state", "notify", "sources.json"))


def test_secrets_are_the_webhook_token_parts_not_its_words():
    env = {"SLACK": "https://hooks.slack.example/services/T0123ABCD/B0123ABCD/xOxO1234abcd"}
    cat = catalogue(
        "    - {url: '${SLACK}', headers: {Authorization: 'Bearer abcdef123456'}}\n", env
    )
    secrets = set(catalogue_secrets(cat))
    assert {env["SLACK"], "T0123ABCD", "xOxO1234abcd", "Bearer abcdef123456"} <= secrets
    assert "services" not in secrets and "hooks.slack.example" not in secrets
