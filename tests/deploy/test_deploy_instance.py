"""deploy/dagster.yaml: valid for Dagster's own instance schema, and a working instance.

The schema tests are offline. `test_instance_on_real_postgres` opens the instance for real on
a Postgres from `pgserver` (its Unix socket, no TCP) with the variables the file reads pointing
at it: the schema migrations run, a run is stored and read back through a fresh instance.
`test_step_logs_reach_s3` (slow: SeaweedFS) executes a run on that instance and finds the
step's stdout in the compute-log bucket.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
INSTANCE_YAML = REPO / "deploy" / "dagster.yaml"


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def dump(data: Any, path: Path) -> None:
    with path.open("w") as f:
        YAML(typ="safe").dump(data, f)


def env_refs(node: Any) -> set[str]:
    """Every `{env: NAME}` in a Dagster config tree."""
    if isinstance(node, dict):
        if set(node) == {"env"} and isinstance(node["env"], str):
            return {node["env"]}
        return set().union(*(env_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(env_refs(v) for v in node)) if node else set()
    return set()


def validated(home: Path) -> dict[str, Any]:
    value, custom_class = dagster_instance_config(str(home))
    assert custom_class is None
    return dict(value)


def test_valid_for_dagster_instance_schema(tmp_path: Path) -> None:
    shutil.copy(INSTANCE_YAML, tmp_path / "dagster.yaml")
    cfg = validated(tmp_path)
    assert set(cfg["storage"]) == {"postgres"}
    assert cfg["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert cfg["concurrency"]["pools"]["default_limit"] == 1
    assert cfg["run_monitoring"]["enabled"] is True
    assert cfg["run_retries"]["enabled"] is True
    assert cfg["telemetry"]["enabled"] is False


def test_postgres_settings_all_from_environment() -> None:
    db = load(INSTANCE_YAML)["storage"]["postgres"]["postgres_db"]
    for field in ("hostname", "port", "username", "password", "db_name"):
        assert set(db[field]) == {"env"}, f"postgres_db.{field} must come from the environment"
    # the driver named: dagster-postgres needs psycopg2, whatever SQLAlchemy defaults to
    assert db["scheme"] == "postgresql+psycopg2"
    import importlib.util

    assert importlib.util.find_spec("psycopg2") is not None


def test_env_vars_documented_in_env_example_or_compose() -> None:
    documented = (REPO / "deploy" / "dagster.yaml").read_text().split("storage:")[0]
    for name in env_refs(load(INSTANCE_YAML)):
        assert name in documented, f"{name} is read by deploy/dagster.yaml but not documented"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["run_monitoring", "enabld"], True, "enabld"),  # a typo in a key
        (["concurrency", "runs", "max_concurrent_runs"], "many", "max_concurrent_runs"),
        (
            ["run_retries", "retry_on_asset_or_op_failure"],
            "sometimes",
            "retry_on_asset_or_op_failure",
        ),
        # both places for run limits: Dagster refuses the mix
        (["run_coordinator", "config", "max_concurrent_runs"], 4, "max_concurrent_runs"),
    ],
)
def test_schema_rejects_a_broken_copy(
    tmp_path: Path, path: list[str], value: object, message: str
) -> None:
    data = load(INSTANCE_YAML)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    dump(data, tmp_path / "dagster.yaml")
    with pytest.raises(DagsterInvalidConfigError, match=re.escape(message)):
        validated(tmp_path)


def _point_instance_at(
    monkeypatch: pytest.MonkeyPatch, home: Path, pg: Any, log_bucket: str
) -> dict[str, str]:
    """Set every variable deploy/dagster.yaml reads; returns them."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
    env = {
        "DAGSTER_HOME": str(home),
        # An empty host makes libpq use PGHOST: the socket folder (pgserver has no TCP port).
        "DAGSTER_PG_HOST": "",
        "PGHOST": pg.socket_dir,
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_USERNAME": "postgres",
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": pg.database,
        "DAGSTER_COMPUTE_LOG_BUCKET": log_bucket,
        "DAGSTER_COMPUTE_LOG_PREFIX": "compute-logs",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # boto3's default session caches the keys it first resolved: start from this environment
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    missing = env_refs(load(INSTANCE_YAML)) - set(env)
    assert not missing, f"deploy/dagster.yaml reads {missing}: set them here too"
    return env


@dg.asset(pool="riverbed_deploytest")
def hello() -> int:
    print("hello from a step")
    return 1


def test_instance_on_real_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy as sa
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    from services import running_postgres

    # The compute-log S3 is never contacted here (no step runs), but boto3 resolves keys and
    # region when the manager is built: without them it would ask the EC2 metadata address.
    for key, value in {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "deploy-test",
        "AWS_SECRET_ACCESS_KEY": "deploy-test",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    with running_postgres(tmp_path) as pg:
        _point_instance_at(monkeypatch, tmp_path / "home", pg, "riverbed-logs")

        with dg.DagsterInstance.get() as instance:
            assert isinstance(instance.run_storage, PostgresRunStorage)
            assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
            assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
            assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
            assert isinstance(instance.compute_log_manager, S3ComputeLogManager)

            concurrency = instance.get_concurrency_config()
            assert concurrency.pool_config.default_pool_limit == 1
            queue = concurrency.run_queue_config
            assert queue is not None
            assert queue.max_concurrent_runs == 16
            limits = {
                (t["key"], repr(t.get("value"))): t["limit"] for t in queue.tag_concurrency_limits
            }
            per_value = repr({"applyLimitPerUniqueValue": True})
            assert limits[("dagster/asset_partition_range_start", per_value)] == 1
            assert limits[("dagster/partition", per_value)] == 1
            assert limits[("dagster/sensor_name", repr("catalogue_sensor"))] == 12
            assert limits[("dagster/sensor_name", repr("publish_after_collect"))] == 2
            assert limits[("dagster/backfill", repr(None))] == 8

            assert instance.run_monitoring_enabled
            assert instance.run_monitoring_start_timeout_seconds == 300
            assert instance.run_monitoring_cancel_timeout_seconds == 300
            assert instance.run_retries_enabled
            assert instance.run_retries_max_retries == 0  # each job's tag says how many
            assert not instance.run_retries_retry_on_asset_or_op_failure
            assert not instance.telemetry_enabled

            # a run, stored the way the daemon stores a queued one
            job = dg.define_asset_job("deploy_check", selection=[hello]).resolve(
                asset_graph=dg.Definitions(assets=[hello]).resolve_asset_graph()
            )
            run = instance.create_run_for_job(job, tags={"riverbed/test": "deploy"})
            instance.report_run_failed(run, "not executed: a storage test")
            instance.report_runless_asset_event(dg.AssetMaterialization("deploy_check_asset"))
            # the pool of a platform kind gets the default limit of one slot
            instance.event_log_storage.initialize_concurrency_limit_to_default("riverbed_reddit")
            run_id = run.run_id

        # a fresh instance (new connections) reads it all back
        with dg.DagsterInstance.get() as instance:
            stored = instance.get_run_by_id(run_id)
            assert stored is not None
            assert stored.job_name == "deploy_check"
            assert stored.tags["riverbed/test"] == "deploy"
            assert stored.status == dg.DagsterRunStatus.FAILURE
            assert instance.get_latest_materialization_event(dg.AssetKey("deploy_check_asset"))
            assert (
                instance.event_log_storage.get_concurrency_info("riverbed_reddit").slot_count == 1
            )

        # the schema migrations ran against the real Postgres
        engine = sa.create_engine(f"postgresql+psycopg2://postgres@/{pg.database}")
        try:
            with engine.connect() as conn:
                tables = set(sa.inspect(conn).get_table_names())
                stamped = conn.execute(sa.text("select version_num from alembic_version")).all()
        finally:
            engine.dispose()
        assert {"runs", "event_logs", "jobs", "concurrency_slots", "alembic_version"} <= tables
        assert stamped, "alembic did not stamp the schema"


@pytest.mark.slow
def test_step_logs_reach_s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from seaweed import running_seaweedfs
    from services import running_postgres

    with running_postgres(tmp_path) as pg, running_seaweedfs(tmp_path, bucket="logs") as s3:
        _point_instance_at(monkeypatch, tmp_path / "home", pg, s3.bucket)
        with dg.DagsterInstance.get() as instance:
            result = dg.materialize([hello], instance=instance)
            assert result.success
            stored = instance.get_run_by_id(result.run_id)
            assert stored is not None and stored.status == dg.DagsterRunStatus.SUCCESS

        client = boto3.client("s3")
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])]
        assert keys and all(k.startswith("compute-logs/") for k in keys), keys
        body = b"".join(
            client.get_object(Bucket=s3.bucket, Key=k)["Body"].read()
            for k in keys
            if k.endswith(".out")
        )
        assert b"hello from a step" in body
