"""Alert sensors: `settings.notify` for runs the daemon sees (launched from the UI, a
schedule or a sensor). Runs made by `riverbed run` / `demo` (tagged with their process) are
left to the CLI, which announces them when it ends (a run whose process died is marked
failed and announced by the next CLI run). Both sides also de-duplicate through the lake
(`riverbed.pipeline.notify`): a failed run is announced once, a source state change once.
"""

import re
from datetime import UTC, datetime

import dagster as dg

from riverbed.defs.automation import RANGE_START, collect_jobs
from riverbed.defs.resources import CatalogueResource, LakeResource
from riverbed.orchestrate import PID_TAG
from riverbed.pipeline.notify import notify_run_failure, notify_source_changes

# set by Dagster on a failed run that its run-retry policy will launch again
WILL_RETRY_TAG = "dagster/will_retry"
CLI_RUN = "made by riverbed run/demo, which announces its own runs when it ends"


def failure_cause(context: dg.RunFailureSensorContext) -> str:
    """The first step failure as `step: ExceptionType: message`, else Dagster's message."""
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        if data is not None and data.error is not None:
            cause = data.error.cause or data.error
            text = re.sub(
                rf"^([\w.]+\.)?{re.escape(cause.cls_name or '')}: ", "", cause.message.strip()
            )
            return f"{event.step_key}: {cause.cls_name}: {text}"
    return context.failure_event.message or "the run failed (see the Dagster UI)"


@dg.run_failure_sensor(
    name="notify_run_failed",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="POSTs `run_failed` to the catalogue's notify targets (settings.notify) once "
    "per failed run; a run its retry policy will launch again waits for its last attempt.",
)
def notify_run_failed(
    context: dg.RunFailureSensorContext, catalogue: CatalogueResource, lake: LakeResource
) -> dg.SkipReason | None:
    run = context.instance.get_run_by_id(context.dagster_run.run_id) or context.dagster_run
    if PID_TAG in run.tags:
        return dg.SkipReason(CLI_RUN)
    if run.tags.get(WILL_RETRY_TAG) == "true":
        return dg.SkipReason(f"run {run.run_id} will be retried: its last attempt is announced")
    loaded = catalogue.load()
    if not loaded.settings.notify:
        return dg.SkipReason("no notify targets in the catalogue")
    notify_run_failure(loaded, lake.lake, run.run_id, failure_cause(context), datetime.now(UTC))
    return None


@dg.run_status_sensor(
    name="notify_source_changes",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=list(collect_jobs.values()),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a collect run, POSTs source_failed / source_stale / source_recovered "
    "to the notify targets for every source whose state changed since the last notification.",
)
def notify_source_changes_sensor(
    context: dg.RunStatusSensorContext, catalogue: CatalogueResource, lake: LakeResource
) -> dg.SkipReason | None:
    run = context.dagster_run
    if PID_TAG in run.tags:
        return dg.SkipReason(CLI_RUN)
    loaded = catalogue.load()
    if not loaded.settings.notify:
        return dg.SkipReason("no notify targets in the catalogue")
    start = run.tags.get(RANGE_START) or ""
    date = start.split("|")[0] or datetime.now(UTC).date().isoformat()
    notify_source_changes(loaded, lake.lake, run.run_id, date, datetime.now(UTC))
    return None


alert_sensors = [notify_run_failed, notify_source_changes_sensor]
