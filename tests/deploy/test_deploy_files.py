"""Every deploy file parses and agrees with the code: settings' variable names, the port, the health paths,
the commands the CLI accepts, and the secrets they mount.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.config import FILE_SUFFIX, environment_names, file_settings
from bot.web import HEALTH_PATH, METRICS_PATH, READY_PATH, ROUTES

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())
K8S = {
    doc["kind"]: doc
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
    for doc in yaml.safe_load_all(path.read_text())
    if doc
}
ECS = json.loads((DEPLOY / "ecs" / "task-definition.json").read_text())
[ECS_CONTAINER] = ECS["containerDefinitions"]
SERVE_PORT = _parser().parse_args(["serve"]).port
ROUTE_PATHS = {r.path for r in ROUTES}
METRICS_PORT_DEFAULT = 9100
STATUS_PAGE_PORT = 8080
SETTINGS = environment_names()
_URL_PATH = re.compile(r"http://127\.0\.0\.1:(\d+)(/[a-z.]+)")


def deployment() -> dict[str, Any]:
    return K8S["Deployment"]


def bot_container() -> dict[str, Any]:
    [container] = deployment()["spec"]["template"]["spec"]["containers"]
    return container


def check_command(command: list[str]) -> Any:
    """The command parses with the real CLI, and names the port the code expects."""
    assert command[0] == "incident-bot"
    args = _parser().parse_args(command[1:])
    assert args.handler is not None
    return args


def probed(command: list[str]) -> tuple[int, str]:
    match = _URL_PATH.search(" ".join(command))
    assert match, command
    return int(match.group(1)), match.group(2)


def test_every_deploy_file_parses() -> None:
    files = sorted(p for p in DEPLOY.rglob("*") if p.is_file())
    assert files
    for path in files:
        if path.suffix in (".yaml", ".yml"):
            assert list(yaml.safe_load_all(path.read_text())), path
        elif path.suffix == ".json":
            json.loads(path.read_text())
        else:
            pytest.fail(f"unexpected deploy file {path}")


def test_the_health_paths_are_routes() -> None:
    assert {HEALTH_PATH, METRICS_PATH} <= ROUTE_PATHS


def test_the_readiness_path_is_a_route() -> None:
    assert READY_PATH in ROUTE_PATHS


# -- docker compose ------------------------------------------------------------------------------
def test_compose_runs_two_readiness_gated_replicas_on_postgres_and_redis() -> None:
    services = COMPOSE["services"]
    bot = services["bot"]
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["postgres"]["healthcheck"] and services["redis"]["healthcheck"]
    port, path = probed(bot["healthcheck"]["test"])
    assert (port, path) == (SERVE_PORT, READY_PATH)
    args = check_command(bot["command"])
    assert args.port == SERVE_PORT
    assert [p for p in bot["ports"] if not p.endswith(f":{STATUS_PAGE_PORT}")]
    assert all(p.endswith((f":{SERVE_PORT}", f":{STATUS_PAGE_PORT}")) for p in bot["ports"])


def test_compose_environment_and_secret_files_match_the_settings() -> None:
    bot = COMPOSE["services"]["bot"]
    env = bot["environment"]
    assert set(env) <= SETTINGS, set(env) - SETTINGS
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    for name, value in env.items():
        if name.endswith(FILE_SUFFIX):
            secret = value.removeprefix("/run/secrets/")
            assert secret in bot["secrets"] and secret in COMPOSE["secrets"], name
    assert int(env["METRICS_PORT"]) == METRICS_PORT_DEFAULT
    # Slack cannot work without these two.
    assert {"SLACK_BOT_TOKEN_FILE", "SLACK_SIGNING_SECRET_FILE"} <= set(env)


# -- kubernetes ----------------------------------------------------------------------------------
def test_kubernetes_has_the_objects_and_kustomize_lists_them() -> None:
    assert {"Deployment", "Service", "PodDisruptionBudget", "Kustomization", "Secret"} <= set(K8S)
    listed = set(K8S["Kustomization"]["resources"])
    assert listed == {"deployment.yaml", "service.yaml", "pdb.yaml", "ingress.yaml"}
    assert all((DEPLOY / "kubernetes" / name).is_file() for name in listed)


def test_kubernetes_deployment_replicas_probes_resources_and_command() -> None:
    spec = deployment()["spec"]
    assert spec["replicas"] >= 2
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    container = bot_container()
    args = check_command(container["command"])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": args.port, "metrics": METRICS_PORT_DEFAULT, "status": STATUS_PAGE_PORT}
    assert args.port == SERVE_PORT
    assert container["livenessProbe"]["httpGet"] == {"path": HEALTH_PATH, "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": READY_PATH, "port": "http"}
    assert container["startupProbe"]["httpGet"]["path"] == HEALTH_PATH
    for each in (container, *spec["template"]["spec"]["initContainers"]):
        assert each["resources"]["requests"] and each["resources"]["limits"], each["name"]
    annotations = spec["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == METRICS_PATH
    assert int(annotations["prometheus.io/port"]) == METRICS_PORT_DEFAULT


def test_kubernetes_migrates_before_start() -> None:
    [init] = deployment()["spec"]["template"]["spec"]["initContainers"]
    args = check_command(init["command"])
    assert init["command"][1:3] == ["db", "upgrade"] and args.revision == "head"
    assert {e["name"] for e in init["env"]} & {"DATABASE_URL", "DATABASE_URL_FILE"}


def test_kubernetes_secrets_are_files_from_the_secret_and_names_are_settings() -> None:
    pod = deployment()["spec"]["template"]["spec"]
    [volume] = [v for v in pod["volumes"] if "secret" in v]
    secret = K8S["Secret"]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]
    keys = set(secret["stringData"])
    for container in (*pod["containers"], *pod["initContainers"]):
        names = {e["name"] for e in container["env"]}
        assert names <= SETTINGS, names - SETTINGS
        [mount] = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
        for env in container["env"]:
            if env["name"].endswith(FILE_SUFFIX):
                folder, _, key = env["value"].rpartition("/")
                assert folder == mount["mountPath"] and key in keys, env
    env = {e["name"] for e in bot_container()["env"]}
    assert {name.upper() + FILE_SUFFIX for name in file_settings()} - env == {"SLACK_APP_TOKEN_FILE"}


def test_kubernetes_service_and_budget_select_the_pods() -> None:
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert deployment()["spec"]["selector"]["matchLabels"] == labels
    service = K8S["Service"]["spec"]
    assert service["selector"] == labels
    container_ports = {p["name"] for p in bot_container()["ports"]}
    assert {p["targetPort"] for p in service["ports"]} == container_ports
    budget = K8S["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"] == labels
    assert 0 < budget["minAvailable"] < deployment()["spec"]["replicas"]


# -- ECS -----------------------------------------------------------------------------------------
def test_ecs_task_secrets_from_secrets_manager_health_check_and_logs() -> None:
    container = ECS_CONTAINER
    args = check_command(container["command"])
    assert args.port == SERVE_PORT
    assert {m["containerPort"] for m in container["portMappings"]} == {SERVE_PORT, METRICS_PORT_DEFAULT, STATUS_PAGE_PORT}
    names = {e["name"] for e in container["environment"]} | {s["name"] for s in container["secrets"]}
    assert names <= SETTINGS, names - SETTINGS
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"} <= set(secrets)
    assert all(v.startswith("arn:aws:secretsmanager:") for v in secrets.values())
    assert not {e["name"] for e in container["environment"]} & set(secrets)  # no secret in plain text
    port, path = probed(container["healthCheck"]["command"])
    assert (port, path) == (SERVE_PORT, HEALTH_PATH)  # liveness; the load balancer checks READY_PATH
    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs" and logs["options"]["awslogs-group"]
    assert ECS["executionRoleArn"].startswith("arn:aws:iam::")
    assert container["stopTimeout"] >= 20


# -- Dockerfile ----------------------------------------------------------------------------------
def test_dockerfile_exposes_the_port_and_checks_liveness_and_runs_serve() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert f"EXPOSE {SERVE_PORT}" in text
    [health] = [line for line in text.splitlines() if line.startswith("HEALTHCHECK")]
    assert probed(shlex.split(health)) == (SERVE_PORT, HEALTH_PATH)
    [cmd] = [line for line in text.splitlines() if line.startswith("CMD ")]
    check_command(json.loads(cmd.removeprefix("CMD ")))
    assert "COPY playbooks" in text and "setup.py" in text  # the defaults are built into the package


def test_only_the_status_port_is_exposed_publicly() -> None:
    """The status page's own listener serves the status routes alone; compose, Kubernetes and ECS set it."""
    assert int(COMPOSE["services"]["bot"]["environment"]["STATUS_PAGE_PORT"]) == STATUS_PAGE_PORT
    env = {e["name"]: e.get("value") for e in bot_container()["env"]}
    assert int(env["STATUS_PAGE_PORT"]) == STATUS_PAGE_PORT
    assert {e["name"]: e["value"] for e in ECS_CONTAINER["environment"]}["STATUS_PAGE_PORT"] == str(STATUS_PAGE_PORT)
    assert {"/status", "/status.json", "/status/feed.atom"} <= ROUTE_PATHS
    ingress = K8S["Ingress"]["spec"]
    backends = [p["backend"]["service"] for r in ingress["rules"] for p in r["http"]["paths"]]
    assert backends == [{"name": K8S["Service"]["metadata"]["name"], "port": {"name": "status"}}]
    service_ports = {p["name"]: p["targetPort"] for p in K8S["Service"]["spec"]["ports"]}
    assert service_ports["status"] == "status"
