"""The AWS operations a runbook step may name, whether each changes anything, and its arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AwsService = Literal["ecs", "rds", "elasticache", "cloudwatch", "logs"]


@dataclass(frozen=True)
class AwsOperation:
    """One operation runbooks may call: ``service.name`` with ``required`` and ``optional`` args."""

    service: str
    name: str
    mutating: bool
    required: tuple[str, ...]
    optional: tuple[str, ...]
    summary: str

    @property
    def key(self) -> str:
        return f"{self.service}.{self.name}"

    @property
    def args(self) -> tuple[str, ...]:
        return self.required + self.optional


_ALL = (
    AwsOperation(
        "ecs", "describe_services", False, ("cluster", "service"), (),
        "Service status, running/desired counts, deployments and recent events",
    ),
    AwsOperation(
        "rds", "describe_db_instances", False, ("db_instance_identifier",), (),
        "Instance status, class, storage, Multi-AZ and endpoint",
    ),
    AwsOperation(
        "rds", "describe_events", False, ("source_identifier",), ("source_type",),
        "Recent events for an instance; the window is the step's `since` (default 1h)",
    ),
    AwsOperation(
        "elasticache", "describe_cache_clusters", False, (), ("cache_cluster_id",),
        "Cache cluster status, node type and nodes",
    ),
    AwsOperation(
        "cloudwatch", "describe_alarms", False, (), ("alarm_name_prefix", "state_value"),
        "Alarms in a state (default ALARM)",
    ),
    AwsOperation(
        "cloudwatch", "get_metric_statistics", False, ("namespace", "metric_name"),
        ("dimensions", "statistic", "period", "unit"),
        "A metric over the step's `since` window (default 1h), `dimensions` as a name: value mapping",
    ),
    AwsOperation(
        "logs", "filter_log_events", False, ("log_group_name",), ("filter_pattern", "limit"),
        "Matching log events over the step's `since` window (default 15m)",
    ),
    AwsOperation(
        "ecs", "force_new_deployment", True, ("cluster", "service"), (),
        "update_service with forceNewDeployment: replaces every task (a rolling restart)",
    ),
    AwsOperation(
        "ecs", "rollback", True, ("cluster", "service"), (),
        "update_service to the previous revision of the service's task definition family",
    ),
    AwsOperation(
        "ecs", "set_desired_count", True, ("cluster", "service", "desired_count"), (),
        "update_service with a new desiredCount",
    ),
)

OPERATIONS: dict[tuple[str, str], AwsOperation] = {(op.service, op.name): op for op in _ALL}
READ_ONLY: frozenset[str] = frozenset(op.key for op in _ALL if not op.mutating)
MUTATING: frozenset[str] = frozenset(op.key for op in _ALL if op.mutating)


def operation(service: str, name: str) -> AwsOperation | None:
    return OPERATIONS.get((service, name))


def names_for(service: str) -> list[str]:
    return [op.name for op in _ALL if op.service == service]
