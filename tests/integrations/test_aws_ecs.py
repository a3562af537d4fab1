"""ECS steps against moto: health verdicts, events, and the guarded deploy, rollback and scale actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.ecs.models import ecs_backends

from bot.integrations.aws import AwsStep, ClientFactory, check_step, describe_call, run_step

ACCOUNT, REGION = "123456789012", "us-east-1"
VARS = {"cluster": "prod", "service": "api"}
IC = {"ic"}


def _ecs(session: boto3.session.Session) -> Any:
    return session.client("ecs")


def _setup(session: boto3.session.Session, *, revision_in_use: int = 3, revisions: int = 3) -> list[str]:
    ecs = _ecs(session)
    ecs.create_cluster(clusterName="prod")
    arns = []
    for number in range(1, revisions + 1):
        arns.append(
            ecs.register_task_definition(
                family="api",
                containerDefinitions=[{"name": "web", "image": f"api:{number}", "memory": 256}],
            )["taskDefinition"]["taskDefinitionArn"]
        )
    # Another family sharing the prefix must never be picked as a rollback target.
    ecs.register_task_definition(
        family="api-worker", containerDefinitions=[{"name": "w", "image": "w", "memory": 128}]
    )
    ecs.create_service(
        cluster="prod", serviceName="api", taskDefinition=f"api:{revision_in_use}", desiredCount=3
    )
    return arns


def _step(operation: str, **overrides: Any) -> AwsStep:
    args = overrides.pop("args", {"cluster": "{cluster}", "service": "{service}"})
    return AwsStep(service="ecs", operation=operation, args=args, **overrides)


def _current_revision(session: boto3.session.Session) -> str:
    svc = _ecs(session).describe_services(cluster="prod", services=["api"])["services"][0]
    return str(svc["taskDefinition"].rsplit("/", 1)[-1])


def test_describe_services_reports_pending_tasks_and_recent_events(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _setup(aws_session)
    events = ecs_backends[ACCOUNT][REGION].services["prod:api"].events
    base = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    for minute, message in enumerate(
        [
            "(service api) has started 3 tasks",
            "(service api) is unable to place a task",
            "(service api) failed",
        ]
    ):
        events.append({"id": str(minute), "createdAt": base + timedelta(minutes=minute), "message": message})
    step = _step("describe_services", args={"cluster": "{cluster}", "services": ["{service}"], "events": 2})

    result = run_step(step, VARS, aws_clients)

    assert result.ok and result.healthy is False
    assert result.headline == ":warning: api: 0/3 running, 3 pending"
    fields = dict(result.fields)
    assert fields["Tasks"] == "0/3 running, 3 pending"
    assert fields["Task definition"] == "api:3"
    assert "PRIMARY api:3 0/3 IN_PROGRESS" in fields["Deployments"]
    # Newest first, limited to the requested two.
    assert result.details.splitlines() == [
        "api — last 2 events:",
        "2024-05-01 12:02:00Z  (service api) failed",
        "2024-05-01 12:01:00Z  (service api) is unable to place a task",
    ]
    assert result.call == "ecs.describe_services(cluster='prod', services=['api'])"
    assert "{" not in result.details and "ResponseMetadata" not in result.details


def test_describe_services_steady_state(
    aws_session: boto3.session.Session, aws_clients: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "3")
    _setup(aws_session)
    result = run_step(
        _step("describe_services", args={"cluster": "prod", "services": "api"}), {}, aws_clients
    )
    assert result.ok and result.healthy is True
    assert result.headline == ":white_check_mark: api: 3/3 tasks running, steady state"
    assert result.details == "api: no recent service events."


def test_describe_services_names_a_missing_service_among_found_ones(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _setup(aws_session)
    step = _step("describe_services", args={"cluster": "prod", "services": ["api", "ghost"]})
    result = run_step(step, {}, aws_clients)
    assert result.ok and result.healthy is False
    assert "(ghost not found)" in result.headline
    assert ("Not found", "ghost") in result.fields


def test_unknown_cluster_is_a_clear_message(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    result = run_step(
        _step("describe_services", args={"cluster": "nope", "services": ["api"]}), {}, aws_clients
    )
    assert not result.ok
    assert result.error == "ECS cluster 'nope' was not found in us-east-1. Check the cluster name and region."
    assert result.headline.startswith(":x: ECS cluster 'nope'")


def test_unknown_service_is_a_clear_message(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _setup(aws_session)
    result = run_step(
        _step("describe_services", args={"cluster": "prod", "services": ["ghost"]}), {}, aws_clients
    )
    assert not result.ok
    assert result.error == "ECS service 'ghost' was not found in cluster 'prod' in us-east-1."
    scale = _step(
        "set_desired_count", mutating=True, args={"cluster": "prod", "service": "ghost", "desired_count": 1}
    )
    scaled = run_step(scale, {}, aws_clients, approver_roles=IC)
    assert scaled.error == "ECS service 'ghost' was not found in cluster 'prod' in us-east-1."


def test_rollback_picks_the_revision_before_the_one_in_use(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    arns = _setup(aws_session, revision_in_use=3)
    step = _step("rollback", mutating=True)

    assert describe_call(step, VARS) == (
        "ecs.update_service(cluster='prod', service='api', "
        "taskDefinition=<the revision before the one in use>)"
    )
    assert describe_call(step, VARS, aws_clients) == (
        f"ecs.update_service(cluster='prod', service='api', taskDefinition='{arns[1]}')"
    )
    result = run_step(step, VARS, aws_clients, approver_roles=IC)

    assert result.ok, result.error
    assert result.headline == ":rewind: api: rolling back from api:3 to api:2"
    assert ("From", "api:3") in result.fields and ("To", "api:2") in result.fields
    assert result.call == f"ecs.update_service(cluster='prod', service='api', taskDefinition='{arns[1]}')"
    assert _current_revision(aws_session) == "api:2"


def test_rollback_from_a_middle_revision_goes_back_not_forward(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _setup(aws_session, revision_in_use=2)
    result = run_step(_step("rollback", mutating=True), VARS, aws_clients, approver_roles=IC)
    assert result.ok and result.headline.endswith("from api:2 to api:1")
    assert _current_revision(aws_session) == "api:1"


def test_rollback_skips_deregistered_revisions(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    arns = _setup(aws_session, revision_in_use=3)
    _ecs(aws_session).deregister_task_definition(taskDefinition=arns[1])
    result = run_step(_step("rollback", mutating=True), VARS, aws_clients, approver_roles=IC)
    assert result.ok and result.headline.endswith("from api:3 to api:1")


def test_rollback_without_an_earlier_revision_changes_nothing(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _setup(aws_session, revision_in_use=1)
    result = run_step(_step("rollback", mutating=True), VARS, aws_clients, approver_roles=IC)
    assert not result.ok
    assert result.error == (
        "api runs api:1 and there is no earlier ACTIVE revision of that task definition to roll back to."
    )
    assert _current_revision(aws_session) == "api:1"


def test_force_new_deployment(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _setup(aws_session)
    before = _ecs(aws_session).describe_services(cluster="prod", services=["api"])["services"][0]
    step = _step("force_new_deployment", mutating=True)
    assert (
        describe_call(step, VARS)
        == "ecs.update_service(cluster='prod', service='api', forceNewDeployment=True)"
    )

    result = run_step(step, VARS, aws_clients, approver_roles={"ic"})

    assert result.ok
    assert result.headline == ":arrows_counterclockwise: api: new deployment started with api:3 (desired 3)"
    assert result.call == "ecs.update_service(cluster='prod', service='api', forceNewDeployment=True)"
    after = _ecs(aws_session).describe_services(cluster="prod", services=["api"])["services"][0]
    assert after["deployments"][0]["id"] != before["deployments"][0]["id"]


def test_set_desired_count(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _setup(aws_session)
    step = _step(
        "set_desired_count",
        mutating=True,
        allowed_roles=["ic", "tech_lead"],
        args={"cluster": "{cluster}", "service": "{service}", "desired_count": "{count}"},
    )
    variables = {**VARS, "count": "5"}
    assert (
        describe_call(step, variables) == "ecs.update_service(cluster='prod', service='api', desiredCount=5)"
    )

    result = run_step(step, variables, aws_clients, approver_roles={"tech_lead"})

    assert result.ok
    assert result.headline == ":arrow_up_down: api: desired count 3 → 5"
    assert (
        _ecs(aws_session).describe_services(cluster="prod", services=["api"])["services"][0]["desiredCount"]
        == 5
    )


@pytest.mark.parametrize(
    ("mutating", "roles", "message"),
    [
        (True, None, "Only someone holding ic in this incident can confirm ecs.set_desired_count."),
        (
            True,
            {"comms", "scribe"},
            "Only someone holding ic in this incident can confirm ecs.set_desired_count.",
        ),
        (
            False,
            {"ic"},
            "ecs.set_desired_count changes AWS resources but the step is not marked `mutating: true`.",
        ),
    ],
)
def test_mutations_are_refused_without_flag_or_approver(
    aws_session: boto3.session.Session,
    aws_clients: ClientFactory,
    mutating: bool,
    roles: set[str] | None,
    message: str,
) -> None:
    _setup(aws_session)
    step = _step("set_desired_count", mutating=mutating, args={**VARS, "desired_count": 0})
    result = run_step(step, {}, aws_clients, approver_roles=roles)
    assert not result.ok
    assert result.error == message
    assert (
        _ecs(aws_session).describe_services(cluster="prod", services=["api"])["services"][0]["desiredCount"]
        == 3
    )


def _desired(session: boto3.session.Session) -> int:
    return int(
        _ecs(session).describe_services(cluster="prod", services=["api"])["services"][0]["desiredCount"]
    )


def test_a_scale_out_step_never_lowers_the_desired_count(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _setup(aws_session)
    _ecs(aws_session).update_service(cluster="prod", service="api", desiredCount=6)
    step = _step("set_desired_count", mutating=True, args={**VARS, "desired_count": 4, "only_increase": True})

    # The confirmation says the count is never lowered; with AWS at hand it cannot promise a call.
    assert describe_call(step, VARS) == (
        "ecs.update_service(cluster='prod', service='api', "
        "desiredCount=<4, unless it already wants more: this step never lowers the count>)"
    )
    assert "desiredCount=<4, unless" in describe_call(step, VARS, aws_clients)
    result = run_step(step, VARS, aws_clients, approver_roles=IC)

    assert result.ok, result.error
    assert result.headline == (
        ":information_source: api already wants 6 tasks (this step scales out to 4 and never lowers the "
        "count): nothing was changed"
    )
    assert ("Desired", "6 (unchanged)") in result.fields
    assert _desired(aws_session) == 6

    # Below the target it scales out as usual, and the confirmation shows the exact call.
    _ecs(aws_session).update_service(cluster="prod", service="api", desiredCount=2)
    assert describe_call(step, VARS, aws_clients) == (
        "ecs.update_service(cluster='prod', service='api', desiredCount=4)"
    )
    scaled = run_step(step, VARS, aws_clients, approver_roles=IC)
    assert scaled.headline == ":arrow_up_down: api: desired count 2 → 4"
    assert _desired(aws_session) == 4


def test_only_increase_must_be_true_or_false() -> None:
    step = _step(
        "set_desired_count", mutating=True, args={**VARS, "desired_count": 4, "only_increase": "yes"}
    )
    assert check_step(step) == ["ecs.set_desired_count: argument 'only_increase' must be true or false"]
