"""deploy/docker-compose.yaml and deploy/workspace.yaml, checked by structure (no container
engine here).

The environment check is computed from the code: every variable riverbed's source reads
(`os.environ.get("X")`, `os.environ["X"]`, `os.getenv("X")`, `{"env": "X"}` config, `riverbed.settings`) and every
`{env: X}` in deploy/dagster.yaml and deploy/celery.yaml must reach each service that runs
riverbed code or opens the Dagster instance.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "docker-compose.yaml"

# services that run riverbed code or open the Dagster instance
CODE_SERVICES = ("code-server", "daemon", "webserver", "worker")
# read by the code but optional for a deployment, with the reason
NOT_NEEDED = {
    "AWS_ENDPOINT_URL_S3": "an S3-only alternative to AWS_ENDPOINT_URL, which is set",
    "RIVERBED_COLLECT_RETRY_DELAY_S": "a tuning knob (tests shorten it); the default suits",
    "RIVERBED_LEASE_TTL_S": "a tuning knob: 60 s suits hosts that renew every 15 s",
    "RIVERBED_LEASE_WAIT_S": "a tuning knob: a run waits 10 min for another's lease",
    "RIVERBED_S3_TIMEOUT_S": "a tuning knob (the fault tests shorten it); botocore's own suit",
}
# what a deployment must carry whatever the code looks like today
ALWAYS = {
    "RIVERBED_LAKE",
    "RIVERBED_SOURCES",
    "RIVERBED_EXECUTOR",
    "RIVERBED_CELERY_BROKER",
    "RIVERBED_CELERY_BACKEND",
    "DAGSTER_HOME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
    "AWS_REQUEST_CHECKSUM_CALCULATION",
    "AWS_RESPONSE_CHECKSUM_VALIDATION",
}
READ_PATTERNS = [
    re.compile(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
    re.compile(r"""os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""["']env["']\s*:\s*["']([A-Z][A-Z0-9_]*)["']"""),  # Dagster {"env": X} in code
    re.compile(r"""Setting\(\s*["']([A-Z][A-Z0-9_]*)["']"""),  # riverbed.settings' knobs
]
YAML_ENV = re.compile(r"""\benv:\s*["']?([A-Z][A-Z0-9_]*)""")
REFERENCE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*(:?[-?][^}]*)?\}$")
SECRET_KEY = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_AUTH$")


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def env_read_by_code() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "src" / "riverbed").rglob("*.py"):
        text = path.read_text()
        for pattern in READ_PATTERNS:
            names.update(pattern.findall(text))
    for path in (DEPLOY / "dagster.yaml", DEPLOY / "celery.yaml"):
        if path.exists():
            names.update(YAML_ENV.findall(path.read_text()))
    return names


def services() -> dict[str, dict[str, Any]]:
    return dict(load(COMPOSE)["services"])


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def healthy(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck") or {}
    return bool(check.get("test")) and not check.get("disable", False)


def one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def test_code_reads_what_the_scan_finds() -> None:
    found = env_read_by_code()
    # the scan must see the variables we know the code reads, or it proves nothing
    assert {"RIVERBED_LAKE", "RIVERBED_SOURCES", "RIVERBED_COLLECT_BATCH"} <= found
    assert {"DAGSTER_PG_PASSWORD", "DAGSTER_COMPUTE_LOG_BUCKET"} <= found  # from dagster.yaml


def test_every_service_has_an_image_and_a_health_check() -> None:
    for name, service in services().items():
        assert service.get("image") or service.get("build"), f"{name}: no image or build"
        if one_shot(service):
            # an init job: it runs to completion; services wait for its success instead
            assert "healthcheck" not in service or healthy(service), name
            continue
        assert healthy(service), f"{name}: no health check"
        assert service.get("restart") in ("unless-stopped", "always"), f"{name}: restart policy"


def test_dependencies_exist_and_wait_for_health() -> None:
    all_services = services()
    for name, service in all_services.items():
        depends = service.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for dep, spec in depends.items():
            assert dep in all_services, f"{name} depends on unknown service {dep}"
            target = all_services[dep]
            if one_shot(target):
                assert spec["condition"] == "service_completed_successfully", (name, dep)
            else:
                assert spec["condition"] == "service_healthy", (name, dep)
                assert healthy(target), f"{name} waits for {dep}, which has no health check"


def test_code_services_carry_the_environment_the_code_reads() -> None:
    required = (env_read_by_code() | ALWAYS) - set(NOT_NEEDED)
    all_services = services()
    for name in CODE_SERVICES:
        env = environment(all_services[name])
        missing = required - set(env)
        assert not missing, f"{name}: missing {sorted(missing)}"
        assert env["RIVERBED_EXECUTOR"] == "celery"
        assert env["RIVERBED_LAKE"].startswith("s3://")
        assert env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
        assert env["AWS_RESPONSE_CHECKSUM_VALIDATION"] == "when_required"
        assert env["DAGSTER_HOME"] == "/opt/dagster/dagster_home"


def test_no_secret_values_inline() -> None:
    for name, service in services().items():
        for key, value in environment(service).items():
            if SECRET_KEY.search(key):
                assert REFERENCE.match(value), f"{name}: {key} must be a ${{VAR}} reference"
            # credentials inside URLs (redis://:pw@host) must be references too
            for userinfo in re.findall(r"://([^@/\s]*)@", value):
                assert ":" not in userinfo or "${" in userinfo, f"{name}: {key} has a password"
        command = " ".join(str(part) for part in service.get("command") or [])
        assert "requirepass" not in command or "${" in command, f"{name}: inline password"


def test_env_example_defines_every_required_secret() -> None:
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", text))
    assert required, "no required variables?"
    example = (DEPLOY / ".env.example").read_text()
    defined = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.M))
    assert required <= defined, f"not in deploy/.env.example: {sorted(required - defined)}"
    gitignore = (REPO / ".gitignore").read_text().split()
    assert "deploy/.env" in gitignore


def test_workers_and_servers_run_the_right_commands() -> None:
    all_services = services()
    worker = " ".join(all_services["worker"]["command"])
    assert "dagster-celery worker start" in worker
    assert "-A dagster_celery.app" in worker
    assert "-y /opt/riverbed/deploy/celery.yaml" in worker
    code = " ".join(all_services["code-server"]["command"])
    assert "-m riverbed.definitions" in code and "-p 4000" in code
    for name in ("webserver", "daemon"):
        assert "/opt/dagster/dagster_home/workspace.yaml" in all_services[name]["command"]


def test_workspace_points_at_the_code_server() -> None:
    from dagster._core.workspace.config_schema import ensure_workspace_config

    workspace = load(DEPLOY / "workspace.yaml")
    ensure_workspace_config(workspace, str(DEPLOY / "workspace.yaml"))  # raises when invalid
    (location,) = workspace["load_from"]
    grpc = location["grpc_server"]
    assert grpc["location_name"] == "riverbed"
    code_server = services()[grpc["host"]]
    assert f"-p {grpc['port']}" in " ".join(code_server["command"])


def test_bucket_init_reads_the_lake_and_log_buckets() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("create_buckets", DEPLOY / "create_buckets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env = {"RIVERBED_LAKE": "s3://lake-bucket/lake", "DAGSTER_COMPUTE_LOG_BUCKET": "logs"}
    assert module.wanted_buckets(env) == ["lake-bucket", "logs"]
    assert module.wanted_buckets({"RIVERBED_LAKE": "/data/lake"}) == []
