"""Every read-only aws step of every shipped runbook runs against moto, with the resources its defaults name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from bot.integrations.aws import ClientFactory, run_step
from bot.integrations.aws.variables import render_args
from bot.playbooks import load_playbooks
from bot.playbooks.runbooks import AwsStep, Runbook
from tests.harness import SHIPPED_PLAYBOOKS

PLAYBOOKS = load_playbooks(SHIPPED_PLAYBOOKS)
READ_ONLY = [
    (runbook, step)
    for runbook in PLAYBOOKS.runbooks.values()
    for _section, step in runbook.steps()
    if isinstance(step, AwsStep) and not step.mutating
]


def _names(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _create_resources(session: boto3.session.Session, step: AwsStep, args: dict[str, Any]) -> None:
    """What the step's default variables name, as it would exist in the account."""
    if step.name == "ecs.describe_services":
        ecs = session.client("ecs")
        ecs.create_cluster(clusterName=args["cluster"])
        for name in _names(args["services"]):
            ecs.register_task_definition(
                family=name, containerDefinitions=[{"name": "web", "image": name, "memory": 256}]
            )
            ecs.create_service(cluster=args["cluster"], serviceName=name, taskDefinition=name, desiredCount=2)
    elif step.service == "rds" and "db_instance_identifier" in args:
        session.client("rds").create_db_instance(
            DBInstanceIdentifier=args["db_instance_identifier"],
            DBInstanceClass="db.r5.large",
            Engine="postgres",
            AllocatedStorage=100,
            MasterUsername="app",
            MasterUserPassword="correct-horse-battery",
        )
    elif step.name == "elasticache.describe_cache_clusters" and "cache_cluster_id" in args:
        session.client("elasticache").create_cache_cluster(
            CacheClusterId=args["cache_cluster_id"],
            Engine="redis",
            CacheNodeType="cache.t3.medium",
            NumCacheNodes=1,
        )
    elif step.name == "logs.filter_log_events":
        session.client("logs").create_log_group(logGroupName=args["log_group"])
    elif step.name == "cloudwatch.get_metric_statistics":
        dims = args.get("dimensions") or {}
        session.client("cloudwatch").put_metric_data(
            Namespace=args["namespace"],
            MetricData=[
                {
                    "MetricName": args["metric"],
                    "Dimensions": [{"Name": k, "Value": str(v)} for k, v in dims.items()],
                    "Timestamp": datetime.now(UTC) - timedelta(minutes=2),
                    "Value": 1.0,
                }
            ],
        )


def test_the_loop_covers_every_read_only_operation() -> None:
    assert {step.name for _rb, step in READ_ONLY} == {
        "ecs.describe_services",
        "rds.describe_db_instances",
        "rds.describe_events",
        "elasticache.describe_cache_clusters",
        "cloudwatch.describe_alarms",
        "cloudwatch.get_metric_statistics",
        "logs.filter_log_events",
    }


@pytest.mark.parametrize(("runbook", "step"), READ_ONLY, ids=[f"{rb.id}:{step.id}" for rb, step in READ_ONLY])
def test_every_shipped_read_only_step_runs(
    aws_session: boto3.session.Session, aws_clients: ClientFactory, runbook: Runbook, step: AwsStep
) -> None:
    variables = runbook.variables_for({})
    _create_resources(aws_session, step, render_args(step.args, variables))

    result = run_step(step.to_integration_step(), variables, aws_clients)

    assert result.ok, result.error
    assert result.call.startswith(f"{step.service}.")
    assert "not found" not in result.headline and "ResponseMetadata" not in result.details
