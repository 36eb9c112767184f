"""What the multiprocess executor's forkserver imports once, before it forks a process per
step (`executors.build_executor`): the definitions, and the Dagster modules each step
process would otherwise import for itself — the instance's SQLite storage with SQLAlchemy
and Alembic, the code-loading path (~465 modules: 1.5 s a step on a busy machine, 0.3 s
with them preloaded). Imports only: nothing is opened here, since every step process
inherits what this process holds. A module a later Dagster no longer has is skipped."""

from __future__ import annotations

import contextlib
import importlib

import riverbed.definitions  # noqa: F401  (the code location itself)

STEP_MODULES = (
    "dagster._utils.test",  # loading a code location from its pointer imports it
    "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.event_log",
    "dagster._core.storage.runs",
    "dagster._core.storage.schedules",
    "dagster._core.secrets",
    "dagster._core.workspace.context",
    "dagster._daemon.controller",
    "dagster._grpc.impl",
    "dagster._scheduler.scheduler",
)

for _name in STEP_MODULES:
    with contextlib.suppress(ImportError):
        importlib.import_module(_name)
