"""Which Dagster executor runs the steps: one switch, `RIVERBED_EXECUTOR`.

- `multiprocess` (default for runs launched from the UI, a schedule or a sensor): steps in
  forkserver child processes on the machine running the run (`import dagster` costs ~2 s;
  forkserver pays it once, spawn would pay it per step; `riverbed.defs.preload` is what the
  forkserver imports).
- `celery`: steps become Celery tasks that any number of `dagster-celery` workers pick up
  (broker and result backend from `RIVERBED_CELERY_BROKER` / `RIVERBED_CELERY_BACKEND`;
  `deploy/celery.yaml` is the same configuration for the workers). Tasks are acknowledged
  only once done and given back to the queue when the process running them dies, so a lost
  worker costs a re-run of its step, never the run: every step is idempotent (it rebuilds
  its partitions from the lake and its own inputs).
- `k8s`: every step in its own Kubernetes Job (`dagster-k8s`); per-step resources come from
  the `dagster-k8s/config` tag or the run config (see deploy/helm/k8s-executor.yaml).

`riverbed run` runs in process (`in_process`) unless `--executor` / `RIVERBED_EXECUTOR`
says otherwise; the distributed executors need a persistent instance (Postgres) and a
lake every worker reaches (S3), since steps hand their data over through the IO manager.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

EXECUTORS = ("in_process", "multiprocess", "celery", "k8s")

# Steps that hold a whole day's table (items, stories, vectors …): under the multiprocess
# executor, whose step processes share one machine, one of them at a time in a run, beside
# any number of small steps (each other step of a day partition, collect). Two at once
# (stories beside item_metrics) was the peak of a day's run: ~1.8 GB at 210 k items.
DAY_SIZED = {"riverbed/size": "day"}
DAY_SIZED_AT_ONCE = 1

# The Celery app settings shared by the executor (the run's side) and the workers
# (deploy/celery.yaml; a test keeps the two equal). `broker_transport_options` replaces
# dagster-celery's default dict as a whole, so its connection retries are restated.
CELERY_SETTINGS: dict[str, Any] = {
    # ack after the step, not before: a worker killed mid-step leaves its task in the queue
    "task_acks_late": True,
    # ... and a pool process that dies mid-task gives the task back at once
    "task_reject_on_worker_lost": True,
    # a worker reserves one task at a time, so an idle worker is never starved by a busy one
    "worker_prefetch_multiplier": 1,
    "broker_transport_options": {
        "max_retries": 3,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        # Redis redelivers an unacknowledged task after this long (a whole worker host lost).
        # Longer than any step may take, or a slow step would run twice at once.
        "visibility_timeout": 3 * 3600,
    },
    "result_expires": 7 * 24 * 3600,
}

CELERY_EXECUTOR_CONFIG: dict[str, Any] = {
    "broker": {"env": "RIVERBED_CELERY_BROKER"},
    "backend": {"env": "RIVERBED_CELERY_BACKEND"},
    "config_source": CELERY_SETTINGS,
}


def executor_name(value: str | None = None) -> str:
    name = (value or os.environ.get("RIVERBED_EXECUTOR") or "multiprocess").strip().lower()
    name = name.replace("-", "_")
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}: choose one of {', '.join(EXECUTORS)}")
    return name


def build_executor(name: str | None = None) -> dg.ExecutorDefinition:
    """The code location's executor (what runs launched by the UI/daemon use)."""
    chosen = executor_name(name)
    if chosen == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(CELERY_EXECUTOR_CONFIG)
    if chosen == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    if chosen == "in_process":
        return dg.in_process_executor
    return dg.multiprocess_executor.configured(
        {
            # the forkserver imports the definitions and what a step process needs once
            "start_method": {"forkserver": {"preload_modules": ["riverbed.defs.preload"]}},
            "max_concurrent": 2,
            "tag_concurrency_limits": [
                {"key": k, "value": v, "limit": DAY_SIZED_AT_ONCE} for k, v in DAY_SIZED.items()
            ],
        }
    )
