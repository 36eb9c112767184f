"""deploy/helm: the Helm values and the k8s_job_executor run config, against Dagster's own schemas.

No cluster and no `helm` binary here, so the chart's templates are read the way the official
chart (1.13) renders them: `runLauncher.config.k8sRunLauncher` becomes the K8sRunLauncher's
config (helm/dagster/templates/helpers/instance/_run-launcher.tpl), validated against
`dagster_k8s.K8sRunLauncher.config_type()`; the instance the values render (storage, run
coordinator, concurrency, monitoring, retries, compute logs) is validated against Dagster's
instance schema; deploy/helm/k8s-executor.yaml against `k8s_job_executor`'s config schema.
A broken copy of each (a wrong key, a wrong type) must be rejected.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster_k8s import K8sRunLauncher, k8s_job_executor
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
VALUES = REPO / "deploy" / "helm" / "values.yaml"
EXECUTOR = REPO / "deploy" / "helm" / "k8s-executor.yaml"
RELEASE, NAMESPACE = "riverbed", "riverbed"
FULLNAME = f"{RELEASE}-dagster"  # the chart's "dagster.fullname" for release "riverbed"


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


# --- the chart's templates, read in Python ---------------------------------------------------

# helm/dagster/schema: K8sRunLauncherConfig (extra = forbid)
HELM_K8S_LAUNCHER_KEYS = {
    "image",
    "imagePullPolicy",
    "jobNamespace",
    "loadInclusterConfig",
    "kubeconfigFile",
    "envConfigMaps",
    "envSecrets",
    "envVars",
    "volumeMounts",
    "volumes",
    "labels",
    "failPodOnRunFailure",
    "resources",
    "schedulerName",
    "securityContext",
    "runK8sConfig",
}
RUN_K8S_CONFIG_KEYS = {
    "containerConfig": "container_config",
    "podSpecConfig": "pod_spec_config",
    "podTemplateSpecMetadata": "pod_template_spec_metadata",
    "jobSpecConfig": "job_spec_config",
    "jobMetadata": "job_metadata",
}


class ChartError(ValueError):
    """The values would not render (the chart's JSON schema forbids unknown keys)."""


def launcher_config(values: dict[str, Any]) -> dict[str, Any]:
    """`dagsterYaml.runLauncher.k8s`: Helm values -> the K8sRunLauncher's config keys."""
    if values["runLauncher"]["type"] != "K8sRunLauncher":
        raise ChartError(f"runLauncher.type is {values['runLauncher']['type']!r}")
    v = values["runLauncher"]["config"]["k8sRunLauncher"]
    unknown = set(v) - HELM_K8S_LAUNCHER_KEYS
    if unknown:
        raise ChartError(f"runLauncher.config.k8sRunLauncher: unknown keys {sorted(unknown)}")
    cfg: dict[str, Any] = {
        "load_incluster_config": v["loadInclusterConfig"],
        "job_namespace": v.get("jobNamespace") or NAMESPACE,
        "image_pull_policy": v["imagePullPolicy"],
        "service_account_name": FULLNAME,
        "dagster_home": values["global"]["dagsterHome"],
        "instance_config_map": f"{FULLNAME}-instance",
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
    }
    if v.get("kubeconfigFile"):
        cfg["kubeconfig_file"] = v["kubeconfigFile"]
    if values.get("imagePullSecrets"):
        cfg["image_pull_secrets"] = values["imagePullSecrets"]
    if "image" in v:
        image = v["image"]
        cfg["job_image"] = f"{image['repository']}:{image['tag']}"
    if v.get("envConfigMaps"):
        cfg["env_config_maps"] = [c["name"] for c in v["envConfigMaps"] if "name" in c]
    if v.get("envSecrets"):
        cfg["env_secrets"] = [s["name"] for s in v["envSecrets"] if "name" in s]
    for helm_key, key in [
        ("envVars", "env_vars"),
        ("volumeMounts", "volume_mounts"),
        ("volumes", "volumes"),
        ("labels", "labels"),
        ("resources", "resources"),
        ("schedulerName", "scheduler_name"),
        ("securityContext", "security_context"),
    ]:
        if v.get(helm_key):
            cfg[key] = v[helm_key]
    if v.get("failPodOnRunFailure"):
        cfg["fail_pod_on_run_failure"] = True
    if v.get("runK8sConfig"):
        unknown = set(v["runK8sConfig"]) - set(RUN_K8S_CONFIG_KEYS)
        if unknown:
            raise ChartError(f"runK8sConfig: unknown keys {sorted(unknown)}")
        cfg["run_k8s_config"] = {
            RUN_K8S_CONFIG_KEYS[k]: part for k, part in v["runK8sConfig"].items() if part
        }
    return cfg


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


def instance_config(values: dict[str, Any]) -> dict[str, Any]:
    """configmap-instance.yaml: the dagster.yaml the chart writes (the parts riverbed sets)."""
    pg = values["postgresql"]
    pg_config = {
        "postgres_db": {
            "username": pg["postgresqlUsername"],
            "password": {"env": "DAGSTER_PG_PASSWORD"},
            "hostname": pg["postgresqlHost"],
            "db_name": pg["postgresqlDatabase"],
            "port": pg["service"]["port"],
            "params": pg.get("postgresqlParams") or {},
            **({"scheme": pg["postgresqlScheme"]} if pg.get("postgresqlScheme") else {}),
        }
    }
    out: dict[str, Any] = {
        "scheduler": {"module": "dagster.core.scheduler", "class": "DagsterDaemonScheduler"},
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": launcher_config(values),
        },
    }
    for key, module, cls in [
        ("schedule_storage", "dagster_postgres.schedule_storage", "PostgresScheduleStorage"),
        ("run_storage", "dagster_postgres.run_storage", "PostgresRunStorage"),
        ("event_log_storage", "dagster_postgres.event_log", "PostgresEventLogStorage"),
    ]:
        out[key] = {"module": module, "class": cls, "config": pg_config}

    daemon = values["dagsterDaemon"]
    coordinator = daemon["runCoordinator"]
    if daemon["enabled"] and coordinator["enabled"]:
        assert coordinator["type"] == "QueuedRunCoordinator"
        qrc = coordinator["config"].get("queuedRunCoordinator") or {}
        rc: dict[str, Any] = {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
        }
        if _compact(qrc):
            # the chart writes -1 when maxConcurrentRuns is unset but anything else is set
            rc["config"] = {
                "max_concurrent_runs": qrc.get("maxConcurrentRuns", -1),
                **_compact(
                    {
                        "tag_concurrency_limits": qrc.get("tagConcurrencyLimits"),
                        "dequeue_interval_seconds": qrc.get("dequeueIntervalSeconds"),
                        "dequeue_use_threads": qrc.get("dequeueUseThreads"),
                        "dequeue_num_workers": qrc.get("dequeueNumWorkers"),
                    }
                ),
            }
        out["run_coordinator"] = rc

    clm = values["computeLogManager"]
    assert clm["type"] == "S3ComputeLogManager"
    s3 = clm["config"]["s3ComputeLogManager"]
    names = {
        "bucket": "bucket",
        "localDir": "local_dir",
        "prefix": "prefix",
        "useSsl": "use_ssl",
        "verify": "verify",
        "verifyCertPath": "verify_cert_path",
        "endpointUrl": "endpoint_url",
        "skipEmptyFiles": "skip_empty_files",
        "uploadInterval": "upload_interval",
        "uploadExtraArgs": "upload_extra_args",
        "showUrlOnly": "show_url_only",
        "region": "region",
    }
    unknown = set(s3) - set(names)
    if unknown:
        raise ChartError(f"s3ComputeLogManager: unknown keys {sorted(unknown)}")
    out["compute_logs"] = {
        "module": "dagster_aws.s3.compute_log_manager",
        "class": "S3ComputeLogManager",
        "config": {names[k]: v for k, v in s3.items()},
    }

    if daemon["enabled"] and daemon["runMonitoring"]["enabled"]:
        m = daemon["runMonitoring"]
        out["run_monitoring"] = _compact(
            {
                "enabled": m["enabled"],
                "start_timeout_seconds": m["startTimeoutSeconds"],
                "cancel_timeout_seconds": m.get("cancelTimeoutSeconds"),
                "max_resume_run_attempts": m.get("maxResumeRunAttempts"),
                "poll_interval_seconds": m["pollIntervalSeconds"],
                "free_slots_after_run_end_seconds": m["freeSlotsAfterRunEndSeconds"],
            }
        )
    if daemon["enabled"] and daemon["runRetries"]["enabled"]:
        r = daemon["runRetries"]
        out["run_retries"] = _compact({"enabled": True, "max_retries": r.get("maxRetries")})

    conc = values.get("concurrency") or {}
    if conc.get("enabled"):
        pools, runs = conc.get("pools") or {}, conc.get("runs") or {}
        block: dict[str, Any] = {}
        pools_cfg = _compact(
            {
                "default_limit": pools.get("defaultLimit"),
                "granularity": pools.get("granularity"),
                "op_granularity_run_buffer": pools.get("opGranularityRunBuffer"),
            }
        )
        if pools_cfg:
            block["pools"] = pools_cfg
        runs_cfg = _compact(
            {
                "max_concurrent_runs": runs.get("maxConcurrentRuns"),
                "tag_concurrency_limits": runs.get("tagConcurrencyLimits") or None,
            }
        )
        if runs_cfg:
            block["runs"] = runs_cfg
        out["concurrency"] = block

    out["telemetry"] = {"enabled": values["telemetry"]["enabled"]}
    retention = values.get("retention") or {}
    if retention.get("enabled"):
        out["retention"] = {
            key: {"purge_after_days": retention[helm_key]["purgeAfterDays"]}
            for key, helm_key in [
                ("sensor", "sensor"),
                ("schedule", "schedule"),
                ("auto_materialize", "autoMaterialize"),
            ]
            if retention.get(helm_key)
        }
    for key, value in (values.get("additionalInstanceConfig") or {}).items():
        if key in out:  # the chart appends this block: a second key is a duplicate in YAML
            raise ChartError(f"additionalInstanceConfig.{key} duplicates a key the chart writes")
        out[key] = value
    return out


def launcher_schema_errors(cfg: dict[str, Any]) -> list[str]:
    result = process_config(dg.Shape(K8sRunLauncher.config_type()), cfg)
    return [] if result.success else [e.message for e in result.errors or []]


def executor_schema_errors(run_config: dict[str, Any]) -> list[str]:
    result = process_config(
        k8s_job_executor.config_schema.config_type, run_config["execution"]["config"]
    )
    return [] if result.success else [e.message for e in result.errors or []]


def validate_instance(cfg: dict[str, Any], home: Path) -> dict[str, Any]:
    home.mkdir(parents=True, exist_ok=True)
    with (home / "dagster.yaml").open("w") as f:
        YAML(typ="safe").dump(cfg, f)
    value, _ = dagster_instance_config(str(home))
    return dict(value)


# --- the tests ------------------------------------------------------------------------------


def test_run_launcher_config_valid_for_k8s_run_launcher() -> None:
    values = load(VALUES)
    cfg = launcher_config(values)
    assert launcher_schema_errors(cfg) == []
    assert cfg["env_secrets"] == ["riverbed-s3"]
    assert cfg["load_incluster_config"] is True


def test_run_launcher_accepts_the_config(tmp_path: Path) -> None:
    """The launcher itself takes the processed config (out of cluster: a local kubeconfig,
    which the kubernetes client only reads; nothing is contacted)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        "clusters: [{name: test, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
        "contexts: [{name: test, context: {cluster: test, user: test}}]\n"
        "users: [{name: test, user: {token: test}}]\n"
    )
    cfg = launcher_config(load(VALUES))
    cfg.update(load_incluster_config=False, kubeconfig_file=str(kubeconfig))
    result = process_config(dg.Shape(K8sRunLauncher.config_type()), cfg)
    assert result.success and result.value is not None, result.errors
    launcher = K8sRunLauncher(**result.value)
    assert launcher.job_namespace == NAMESPACE
    assert launcher.env_secrets == ["riverbed-s3"]
    assert launcher.fail_pod_on_run_failure


def _set(tree: dict[str, Any], path: list[str], value: object) -> dict[str, Any]:
    broken = copy.deepcopy(tree)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return broken


LAUNCHER = ["runLauncher", "config", "k8sRunLauncher"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ([*LAUNCHER, "envSecret"], [{"name": "riverbed-s3"}]),  # a wrong key
        ([*LAUNCHER, "runK8sConfig", "containerConfg"], {}),  # a wrong key, deeper
        (["runLauncher", "type"], "K8sRunLaunchr"),
    ],
)
def test_broken_helm_keys_rejected(path: list[str], value: object) -> None:
    with pytest.raises(ChartError):
        launcher_config(_set(load(VALUES), path, value))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("load_incluster_config", "yes"),  # a wrong type
        ("env_secrets", "riverbed-s3"),  # a string for a list
        ("fail_pod_on_run_failure", 1),
        ("job_namspace", "riverbed"),  # a wrong key
    ],
)
def test_broken_launcher_config_rejected(key: str, value: object) -> None:
    cfg = launcher_config(load(VALUES))
    cfg[key] = value
    assert launcher_schema_errors(cfg)


def test_values_render_a_valid_instance(tmp_path: Path) -> None:
    cfg = validate_instance(instance_config(load(VALUES)), tmp_path)
    assert cfg["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert cfg["concurrency"]["pools"]["default_limit"] == 1
    assert cfg["run_monitoring"]["enabled"] is True
    assert cfg["run_monitoring"]["max_resume_run_attempts"] >= 1  # the K8s launcher can resume
    assert cfg["run_retries"] == {
        "enabled": True,
        "max_retries": 0,
        "retry_on_asset_or_op_failure": False,
    }
    assert cfg["telemetry"]["enabled"] is False
    db = cfg["run_storage"]["config"]["postgres_db"]
    assert db["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    assert db["scheme"] == "postgresql+psycopg2"


def test_same_run_limits_as_deploy_dagster_yaml() -> None:
    helm = instance_config(load(VALUES))["concurrency"]
    compose = load(REPO / "deploy" / "dagster.yaml")["concurrency"]
    assert helm == compose


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        # a queued-coordinator key next to concurrency.runs: the chart writes
        # max_concurrent_runs: -1 into run_coordinator, and Dagster refuses the mix
        (
            ["dagsterDaemon", "runCoordinator", "config", "queuedRunCoordinator"],
            {"dequeueIntervalSeconds": 5},
            DagsterInvalidConfigError,
        ),
        # run_retries both from the chart and from additionalInstanceConfig
        (["dagsterDaemon", "runRetries"], {"enabled": True}, ChartError),
        (
            ["dagsterDaemon", "runMonitoring", "maxResumeRunAttempts"],
            "twice",
            DagsterInvalidConfigError,
        ),
        (["computeLogManager", "config", "s3ComputeLogManager", "bucketName"], "x", ChartError),
    ],
)
def test_broken_instance_values_rejected(
    tmp_path: Path, path: list[str], value: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        validate_instance(instance_config(_set(load(VALUES), path, value)), tmp_path)


def test_user_code_deployment_runs_riverbed() -> None:
    values = load(VALUES)
    ud = values["dagster-user-deployments"]
    assert ud["enabled"] and ud["enableSubchart"]
    (deployment,) = ud["deployments"]
    assert deployment["name"] == "riverbed"  # the code location's name
    assert deployment["codeServerArgs"] == ["-m", "riverbed.definitions"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    env = deployment["env"]
    assert env["RIVERBED_EXECUTOR"] == "k8s"
    assert env["RIVERBED_LAKE"].startswith("s3://")
    assert env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
    assert env["AWS_RESPONSE_CHECKSUM_VALIDATION"] == "when_required"
    assert "AWS_ENDPOINT_URL" in env
    # S3 keys only from a Kubernetes secret, never in the values
    assert {"name": "riverbed-s3"} in deployment["envSecrets"]
    for part in (
        deployment["env"],
        values["dagsterWebserver"]["env"],
        values["dagsterDaemon"]["env"],
    ):
        assert not {k for k in part if "SECRET" in k or "PASSWORD" in k or "KEY_ID" in k}
    assert values["generatePostgresqlPasswordSecret"] is False
    assert "postgresqlPassword" not in values["postgresql"]


def test_k8s_executor_config_valid() -> None:
    run_config = load(EXECUTOR)
    assert executor_schema_errors(run_config) == []
    cfg = run_config["execution"]["config"]
    assert "riverbed-s3" in cfg["env_secrets"]
    limits = cfg["step_k8s_config"]["container_config"]["resources"]
    assert limits["requests"] and limits["limits"]


def test_k8s_executor_per_step_keys_are_riverbed_steps() -> None:
    from riverbed.definitions import defs

    def op_names(graph: dg.GraphDefinition) -> set[str]:
        # the k8s executor keys per-step config by the op's own name, also inside a graph asset
        names: set[str] = set()
        for node in graph.nodes:
            if isinstance(node.definition, dg.GraphDefinition):
                names |= op_names(node.definition)
            else:
                names.add(node.name)
        return names

    ops = {n for job in defs.get_repository_def().get_all_jobs() for n in op_names(job.graph)}
    per_step = load(EXECUTOR)["execution"]["config"]["per_step_k8s_config"]
    assert per_step, "no per-step resources"
    assert set(per_step) <= ops, f"not riverbed steps: {sorted(set(per_step) - ops)}"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["max_concurent"], 8),  # a wrong key
        (["max_concurrent"], "eight"),  # a wrong type
        (["step_k8s_config", "container_cfg"], {}),
        (["env_secrets"], "riverbed-s3"),
    ],
)
def test_broken_k8s_executor_config_rejected(path: list[str], value: object) -> None:
    run_config = load(EXECUTOR)
    broken = _set(run_config, ["execution", "config", *path], value)
    assert executor_schema_errors(broken)
