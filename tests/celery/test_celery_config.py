"""The workers' configuration (deploy/celery.yaml) and the executor's (what runs submit with)
are one configuration: a worker acking early, or on another broker, would silently break the
guarantees the executor promises. Both also pass dagster-celery's own config schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster._config import process_config
from dagster_celery import celery_executor
from dagster_celery.cli import get_config_value_from_yaml
from ruamel.yaml import YAML

from riverbed.defs.executors import CELERY_EXECUTOR_CONFIG, build_executor, executor_name

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "celery.yaml"


def test_deploy_yaml_is_the_executor_config() -> None:
    assert get_config_value_from_yaml(str(DEPLOY)) == CELERY_EXECUTOR_CONFIG
    assert YAML(typ="safe").load(DEPLOY.read_text()) == {
        "execution": {"config": CELERY_EXECUTOR_CONFIG}
    }


def test_late_acks_and_reject_on_worker_loss_are_on() -> None:
    source = CELERY_EXECUTOR_CONFIG["config_source"]
    assert source["task_acks_late"] is True
    assert source["task_reject_on_worker_lost"] is True
    assert source["worker_prefetch_multiplier"] == 1


def test_the_config_passes_dagster_celerys_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERBED_CELERY_BROKER", "redis://redis:6379/0")
    monkeypatch.setenv("RIVERBED_CELERY_BACKEND", "redis://redis:6379/1")
    result = process_config(celery_executor.config_schema.config_type, CELERY_EXECUTOR_CONFIG)
    assert result.success, result.errors
    assert result.value["broker"] == "redis://redis:6379/0"
    broken = {**CELERY_EXECUTOR_CONFIG, "brokr": "redis://x"}
    assert not process_config(celery_executor.config_schema.config_type, broken).success


def test_executor_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RIVERBED_EXECUTOR", raising=False)
    assert build_executor("celery").name == "celery"
    assert build_executor("k8s").name == "k8s"
    assert build_executor("in-process").name == "in_process"
    assert build_executor(None).name == "multiprocess"
    with pytest.raises(ValueError, match="unknown executor 'ray'"):
        executor_name("ray")
