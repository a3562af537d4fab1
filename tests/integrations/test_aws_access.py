"""Credentials, assumed roles and AWS-side failures turned into clear messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from bot.integrations.aws import AwsStep, ClientFactory, run_step

ROLE = "arn:aws:iam::123456789012:role/incident-bot-readonly"
ONE_ATTEMPT = Config(retries={"mode": "standard", "max_attempts": 1})
DESCRIBE = AwsStep("ecs", "describe_services", {"cluster": "prod", "services": ["api"]})


def _count_calls(session: boto3.session.Session, event: str) -> list[str]:
    seen: list[str] = []
    session.events.register(event, lambda **kwargs: seen.append(event))
    return seen


def test_assume_role_runs_the_step_as_that_role(aws_session: boto3.session.Session) -> None:
    aws_session.client("ecs").create_cluster(clusterName="prod")
    aws_session.client("ecs").register_task_definition(
        family="api", containerDefinitions=[{"name": "web", "image": "api", "memory": 256}]
    )
    aws_session.client("ecs").create_service(
        cluster="prod", serviceName="api", taskDefinition="api", desiredCount=1
    )
    assumed = _count_calls(aws_session, "before-call.sts.AssumeRole")
    clients = ClientFactory(aws_session, config=ONE_ATTEMPT)
    step = AwsStep("ecs", "describe_services", {"cluster": "prod", "services": ["api"]}, assume_role=ROLE)

    result = run_step(step, {}, clients)
    again = run_step(step, {}, clients)

    assert result.ok and again.ok
    assert result.headline == ":warning: api: 0/1 running, 1 pending"
    identity = clients.client("sts", assume_role=ROLE).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/incident-bot-readonly/incident-bot"
    assert len(assumed) == 1  # credentials are cached between steps


def test_assumed_credentials_are_refreshed_near_expiry(aws_session: boto3.session.Session) -> None:
    now = [datetime.now(UTC)]
    clients = ClientFactory(aws_session, clock=lambda: now[0])
    assumed = _count_calls(aws_session, "before-call.sts.AssumeRole")

    clients.client("ecs", assume_role=ROLE)
    now[0] += timedelta(minutes=30)
    clients.client("ecs", assume_role=ROLE)
    assert len(assumed) == 1
    now[0] += timedelta(minutes=26)  # moto credentials last one hour; refresh five minutes before
    clients.client("ecs", assume_role=ROLE)
    assert len(assumed) == 2
    clients.client("ecs", assume_role=ROLE, region="eu-west-1")
    assert len(assumed) == 3  # per region


def test_step_region_overrides_the_session_region(aws_session: boto3.session.Session) -> None:
    aws_session.client("ecs", region_name="eu-west-1").create_cluster(clusterName="prod")
    clients = ClientFactory(aws_session, config=ONE_ATTEMPT)
    step = AwsStep("ecs", "describe_services", {"cluster": "prod", "services": ["api"]}, region="eu-west-1")
    assert (
        run_step(step, {}, clients).error == "ECS service 'api' was not found in cluster 'prod' in eu-west-1."
    )
    assert run_step(DESCRIBE, {}, clients).error == (
        "ECS cluster 'prod' was not found in us-east-1. Check the cluster name and region."
    )


def _limited_identity(session: boto3.session.Session, actions: list[str]) -> boto3.session.Session:
    iam = session.client("iam")
    iam.create_user(UserName="incident-bot")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName="incident-bot", PolicyName="bot", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="incident-bot")["AccessKey"]
    return boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )


@pytest.mark.usefixtures("aws_env")
def test_access_denied_names_the_missing_permission() -> None:
    @mock_aws
    @set_initial_no_auth_action_count(3)  # the three IAM calls that set the scene run unchecked
    def scenario() -> None:
        admin = boto3.session.Session(
            aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1"
        )
        clients = ClientFactory(_limited_identity(admin, ["ecs:ListClusters"]), config=ONE_ATTEMPT)

        ecs = run_step(DESCRIBE, {}, clients)
        assert not ecs.ok
        assert ecs.error == "AWS denied access to ecs:DescribeServices. The bot's role needs that permission."

        rds = run_step(AwsStep("rds", "describe_db_instances"), {}, clients)
        assert (
            rds.error == "AWS denied access to rds:DescribeDBInstances. The bot's role needs that permission."
        )

        assumed = run_step(AwsStep("rds", "describe_db_instances", assume_role=ROLE), {}, clients)
        assert assumed.error == (
            f"AWS refused to let the bot assume role {ROLE}. The role's trust policy must allow the bot's "
            "identity, and the bot needs sts:AssumeRole on it."
        )

    scenario()


def _aws_error(code: str, message: str) -> Any:
    """A handler that answers a call the way AWS reports an error, before any request is sent."""

    def handler(model: Any, params: Any, request_signer: Any, context: Any, **kwargs: Any) -> Any:
        http = AWSResponse(params["url"], 400, {}, None)
        parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return http, parsed

    return handler


def test_throttling_is_a_clear_message(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    aws_session.events.register(
        "before-call.ecs.DescribeServices", _aws_error("ThrottlingException", "Rate exceeded")
    )
    result = run_step(DESCRIBE, {}, aws_clients)
    assert not result.ok
    assert (
        result.error
        == "AWS is throttling ecs:DescribeServices requests right now. Wait a minute and run the step again."
    )
    assert result.headline.startswith(":hourglass: ")


def test_unreachable_endpoint_is_a_clear_message(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    def unreachable(request: Any, **kwargs: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    aws_session.events.register("before-send.ecs.DescribeServices", unreachable)
    result = run_step(DESCRIBE, {}, aws_clients)
    assert not result.ok
    assert result.error == (
        "Could not reach the AWS endpoint https://ecs.us-east-1.amazonaws.com/. "
        "Check the region name and the bot's network access to AWS."
    )


def test_missing_credentials_are_a_clear_message(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run_step(DESCRIBE, {}, ClientFactory(boto3.session.Session(region_name="us-east-1")))
    assert not result.ok
    assert result.error is not None and result.error.startswith("The bot has no usable AWS credentials.")


def test_missing_region_is_a_clear_message(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = run_step(DESCRIBE, {}, ClientFactory(boto3.session.Session()))
    assert not result.ok
    assert result.error is not None and result.error.startswith("No AWS region is configured.")
