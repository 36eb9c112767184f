"""The alert sensors (runs the daemon sees) through Dagster's sensor testing API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from notify.webhook_receiver import WebhookReceiver
from riverbed.defs.alerts import WILL_RETRY_TAG, notify_run_failed, notify_source_changes_sensor
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.lake import Lake
from riverbed.orchestrate import PID_TAG
from riverbed.pipeline.collect import SourceState


@dg.op
def fetch_everything() -> None:
    raise ValueError("the feed server said no")


@dg.op
def fine() -> None:
    pass


@dg.job
def broken_job() -> None:
    fetch_everything()


@dg.job
def good_job() -> None:
    fine()


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def resources(tmp_path: Path, receiver: WebhookReceiver) -> dict[str, object]:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - {id: blog, kind: rss, url: 'http://blog.example.org/feed', every: 1h}\n"
        "settings:\n"
        f"  notify: [{{url: '{receiver.url()}'}}]\n"
    )
    return {
        "catalogue": CatalogueResource(path=str(sources)),
        "lake": LakeResource(uri=str(tmp_path / "lake")),
    }


def failure_context(
    instance: dg.DagsterInstance, resources: dict[str, object], tags: dict[str, str] | None = None
) -> dg.RunFailureSensorContext:
    result = broken_job.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    return dg.build_run_status_sensor_context(
        sensor_name="notify_run_failed",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
        resources=resources,
    ).for_run_failure()


def test_a_failed_run_is_announced_once_with_its_step_failure(instance, receiver, resources):
    context = failure_context(instance, resources)
    notify_run_failed(context)
    notify_run_failed(context)  # a second tick, or the CLI, sees the same run
    assert receiver.events() == [("run_failed", None)]
    payload = receiver.delivered[0].json()
    assert payload["run_id"] == context.dagster_run.run_id
    assert payload["message"] == ("fetch_everything: ValueError: the feed server said no")


def test_a_run_that_will_be_retried_waits_for_its_last_attempt(instance, receiver, resources):
    context = failure_context(instance, resources, tags={WILL_RETRY_TAG: "true"})
    skipped = notify_run_failed(context)
    assert isinstance(skipped, dg.SkipReason)
    assert receiver.received == []


def test_a_run_made_by_the_cli_is_left_to_the_cli(instance, receiver, resources):
    context = failure_context(instance, resources, tags={PID_TAG: "4242"})
    assert isinstance(notify_run_failed(context), dg.SkipReason)
    assert receiver.received == []


def test_a_collect_run_from_the_daemon_announces_source_changes(instance, receiver, resources):
    lake = resources["lake"]
    assert isinstance(lake, LakeResource)
    now = datetime.now(UTC).isoformat()
    SourceState(Lake(lake.uri)).save("blog", {"last_attempt_at": now, "last_status": "failed"})
    result = good_job.execute_in_process(instance=instance)
    context = dg.build_run_status_sensor_context(
        sensor_name="notify_source_changes",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
        resources=resources,
    )
    notify_source_changes_sensor(context)
    notify_source_changes_sensor(context)
    assert receiver.events() == [("source_failed", "blog")]
