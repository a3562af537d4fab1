"""Step definition helpers: variables, call descriptions, playbook checks, and who may confirm."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.integrations.aws import (
    MUTATING_OPERATIONS,
    READ_ONLY_OPERATIONS,
    AwsStep,
    ClientFactory,
    StepError,
    UnknownOperation,
    check_step,
    describe_call,
    is_mutating_operation,
    may_confirm,
    render_args,
    run_step,
    variables_needed,
)


def test_render_args_substitutes_recursively_and_leaves_other_values() -> None:
    args = {
        "cluster": "{env}-cluster",
        "services": ["{service}", "{service}-worker"],
        "dimensions": {"ServiceName": "{service}", "ClusterName": "{env}-cluster"},
        "events": 5,
        "filter_pattern": '{{ $.level = "error" }}',
    }
    rendered = render_args(args, {"env": "prod", "service": "api"})
    assert rendered == {
        "cluster": "prod-cluster",
        "services": ["api", "api-worker"],
        "dimensions": {"ServiceName": "api", "ClusterName": "prod-cluster"},
        "events": 5,
        "filter_pattern": '{ $.level = "error" }',
    }
    assert args["cluster"] == "{env}-cluster"  # the step itself is untouched


def test_render_args_leaves_json_filter_patterns_alone() -> None:
    pattern = "{ $.status >= 500 }"
    assert render_args({"filter_pattern": pattern}, {}) == {"filter_pattern": pattern}


def test_missing_variable_is_a_clear_step_error() -> None:
    with pytest.raises(StepError) as caught:
        render_args({"cluster": "{cluster}", "services": ["{service}"]}, {"service": "api"})
    assert str(caught.value) == (
        "this step needs the incident variable(s) {cluster}, which are not set (known: service)"
    )


def test_missing_variable_comes_back_as_a_failed_result_without_calling_aws() -> None:
    # No fake AWS and no credentials: the step must stop before any client is made.
    step = AwsStep("ecs", "describe_services", {"cluster": "{cluster}", "services": ["api"]})
    result = run_step(step, {}, ClientFactory(region="us-east-1"))
    assert not result.ok
    assert result.error is not None and "{cluster}" in result.error
    assert result.headline.startswith(":no_entry: this step needs the incident variable(s) {cluster}")


@given(
    st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), st.text(max_size=20), max_size=5)
)
def test_rendering_fills_every_placeholder(variables: dict[str, str]) -> None:
    args = {"value": " ".join("{" + name + "}" for name in variables)}
    assert render_args(args, variables)["value"] == " ".join(variables.values())
    assert variables_needed(AwsStep("logs", "filter_log_events", args)) == set(variables)


def test_describe_call_shows_the_exact_boto3_call() -> None:
    step = AwsStep(
        "ecs", "force_new_deployment", {"cluster": "{cluster}", "service": "{service}"}, mutating=True
    )
    assert describe_call(step, {"cluster": "prod", "service": "api"}) == (
        "ecs.update_service(cluster='prod', service='api', forceNewDeployment=True)"
    )


def test_describe_call_needs_its_variables() -> None:
    step = AwsStep("ecs", "force_new_deployment", {"cluster": "{cluster}", "service": "api"}, mutating=True)
    with pytest.raises(StepError, match=r"\{cluster\}"):
        describe_call(step, {})


def test_operation_sets() -> None:
    assert ("ecs", "rollback") in MUTATING_OPERATIONS
    assert ("logs", "filter_log_events") in READ_ONLY_OPERATIONS
    assert not READ_ONLY_OPERATIONS & MUTATING_OPERATIONS
    assert is_mutating_operation("ecs", "set_desired_count")
    assert not is_mutating_operation("ecs", "describe_services")
    with pytest.raises(UnknownOperation):
        is_mutating_operation("ecs", "delete_service")


def test_unknown_operation_raises() -> None:
    with pytest.raises(UnknownOperation, match=r"ec2\.terminate_instances"):
        run_step(AwsStep("ec2", "terminate_instances", {}), {}, ClientFactory(region="us-east-1"))


@pytest.mark.parametrize(
    ("step", "problems"),
    [
        (AwsStep("ecs", "describe_services", {"cluster": "{cluster}", "services": ["{service}"]}), []),
        (
            AwsStep("ecs", "describe_services", {"services": "api", "colour": "red"}),
            [
                "ecs.describe_services: unknown argument 'colour' (expected: cluster, services, events)",
                "ecs.describe_services: missing argument 'cluster'",
            ],
        ),
        (
            AwsStep("ecs", "rollback", {"cluster": "prod", "service": "api"}),
            ["ecs.rollback changes AWS resources; the step must say `mutating: true`"],
        ),
        (
            AwsStep("rds", "describe_db_instances", {}, mutating=True),
            ["rds.describe_db_instances is read-only; remove `mutating: true`"],
        ),
        (
            AwsStep(
                "ecs",
                "set_desired_count",
                {"cluster": "p", "service": "a", "desired_count": "many"},
                mutating=True,
            ),
            ["ecs.set_desired_count: argument 'desired_count' must be a whole number"],
        ),
        (
            AwsStep(
                "ecs",
                "set_desired_count",
                {"cluster": "p", "service": "a", "desired_count": "{n}"},
                mutating=True,
            ),
            [],
        ),
        (
            AwsStep("logs", "filter_log_events", {"log_group": "/ecs/api"}, since="yesterday"),
            ["logs.filter_log_events: since: expected a duration like 30s, 15m, 2h or 1d, got 'yesterday'"],
        ),
        (AwsStep("s3", "list_buckets", {}), ["unknown AWS operation s3.list_buckets (known: "]),
    ],
)
def test_check_step(step: AwsStep, problems: list[str]) -> None:
    found = check_step(step)
    assert len(found) == len(problems)
    for message, expected in zip(found, problems, strict=True):
        assert message.startswith(expected)


def test_may_confirm_defaults_to_the_incident_commander() -> None:
    step = AwsStep("ecs", "rollback", {}, mutating=True)
    assert step.allowed_roles == ("ic",)
    assert may_confirm(step, {"ic", "scribe"})
    assert not may_confirm(step, {"comms", "scribe"})
    assert not may_confirm(step, set())


def test_may_confirm_with_listed_roles() -> None:
    step = AwsStep("ecs", "rollback", {}, mutating=True, allowed_roles=["tech_lead", "ic"])
    assert may_confirm(step, {"tech_lead"})
    assert not may_confirm(step, {"comms"})


def test_step_from_a_playbook_mapping() -> None:
    data = {
        "id": "ecs-api-health",
        "kind": "aws",
        "title": "ECS service health",
        "service": "ecs",
        "operation": "describe_services",
        "args": {"cluster": "{cluster}", "services": ["{service}"]},
        "mutating": False,
        "region": "us-east-1",
        "assume_role": "arn:aws:iam::123456789012:role/incident-bot-readonly",
        "since": "1h",
    }
    step = AwsStep.from_mapping(data)
    assert step.name == "ecs.describe_services"
    assert step.allowed_roles == ("ic",)
    assert step.assume_role == "arn:aws:iam::123456789012:role/incident-bot-readonly"
    assert check_step(step) == []
    assert describe_call(step, {"cluster": "prod", "service": "api"}) == (
        "ecs.describe_services(cluster='prod', services=['api'])"
    )


def test_a_bad_window_is_refused_before_calling_aws() -> None:
    step = AwsStep("logs", "filter_log_events", {"log_group": "/ecs/api"}, since="a while")
    result = run_step(step, {}, ClientFactory(region="us-east-1"))
    assert not result.ok
    assert result.error == "since: expected a duration like 30s, 15m, 2h or 1d, got 'a while'"
