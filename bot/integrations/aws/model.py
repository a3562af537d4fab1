"""What an AWS runbook step is, what running it yields, and which operations exist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from bot.domain.roles import COMMANDER

SERVICES: frozenset[str] = frozenset({"ecs", "rds", "elasticache", "cloudwatch", "logs"})

READ_ONLY_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("ecs", "describe_services"),
        ("rds", "describe_db_instances"),
        ("rds", "describe_events"),
        ("elasticache", "describe_cache_clusters"),
        ("cloudwatch", "describe_alarms"),
        ("cloudwatch", "get_metric_statistics"),
        ("logs", "filter_log_events"),
    }
)

MUTATING_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("ecs", "force_new_deployment"),
        ("ecs", "rollback"),
        ("ecs", "set_desired_count"),
    }
)

ALL_OPERATIONS: frozenset[tuple[str, str]] = READ_ONLY_OPERATIONS | MUTATING_OPERATIONS

# The IAM actions each operation calls (deploy/iam-policy.json grants exactly these). A rollback reads the
# service and its task definition family before it updates the service.
IAM_ACTIONS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("ecs", "describe_services"): ("ecs:DescribeServices",),
    ("rds", "describe_db_instances"): ("rds:DescribeDBInstances",),
    ("rds", "describe_events"): ("rds:DescribeEvents",),
    ("elasticache", "describe_cache_clusters"): ("elasticache:DescribeCacheClusters",),
    ("cloudwatch", "describe_alarms"): ("cloudwatch:DescribeAlarms",),
    ("cloudwatch", "get_metric_statistics"): ("cloudwatch:GetMetricStatistics",),
    ("logs", "filter_log_events"): ("logs:FilterLogEvents",),
    ("ecs", "force_new_deployment"): ("ecs:DescribeServices", "ecs:UpdateService"),
    ("ecs", "rollback"): ("ecs:DescribeServices", "ecs:ListTaskDefinitions", "ecs:UpdateService"),
    ("ecs", "set_desired_count"): ("ecs:DescribeServices", "ecs:UpdateService"),
}

DEFAULT_ALLOWED_ROLES: tuple[str, ...] = (COMMANDER,)


class StepError(ValueError):
    """A step cannot run as written: a missing variable, a bad argument, a refused mutation."""


class UnknownOperation(ValueError):
    """The service/operation pair is not one the bot knows how to run (a programming error)."""


@dataclass(frozen=True)
class AwsStep:
    """One ``kind: aws`` runbook step, independent of how the playbook was parsed."""

    service: str
    operation: str
    args: Mapping[str, Any] = field(default_factory=dict)
    mutating: bool = False
    allowed_roles: Sequence[str] = DEFAULT_ALLOWED_ROLES
    region: str | None = None
    assume_role: str | None = None
    since: str | None = None
    id: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        # Accept any sequence (a YAML list) for the roles but store an immutable tuple.
        roles: Sequence[str] = self.allowed_roles or DEFAULT_ALLOWED_ROLES
        object.__setattr__(self, "allowed_roles", tuple(roles))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AwsStep:
        """Build from a playbook step mapping (``kind`` and unknown keys are ignored)."""
        return cls(
            service=str(data["service"]),
            operation=str(data["operation"]),
            args=dict(data.get("args") or {}),
            mutating=bool(data.get("mutating", False)),
            allowed_roles=tuple(data.get("allowed_roles") or DEFAULT_ALLOWED_ROLES),
            region=data.get("region"),
            assume_role=data.get("assume_role"),
            since=data.get("since"),
            id=str(data.get("id", "")),
            title=str(data.get("title", "")),
        )

    @property
    def key(self) -> tuple[str, str]:
        return (self.service, self.operation)

    @property
    def name(self) -> str:
        """``service.operation`` as written in playbooks."""
        return f"{self.service}.{self.operation}"


@dataclass(frozen=True)
class StepResult:
    """The human-readable outcome of running a step; never a raw API response."""

    ok: bool
    headline: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    details: str = ""
    error: str | None = None
    call: str = ""
    healthy: bool | None = None

    @classmethod
    def failure(cls, message: str, *, call: str = "", emoji: str = ":x:") -> StepResult:
        return cls(ok=False, headline=f"{emoji} {message}", error=message, call=call, healthy=None)


def is_mutating_operation(service: str, operation: str) -> bool:
    """True for operations that change AWS; raises ``UnknownOperation`` for pairs the bot does not know."""
    key = (service, operation)
    if key not in ALL_OPERATIONS:
        raise UnknownOperation(f"unknown AWS operation {service}.{operation}")
    return key in MUTATING_OPERATIONS


def may_confirm(step: AwsStep, user_roles: Set[str]) -> bool:
    """Whether someone holding ``user_roles`` in the incident may confirm this step."""
    allowed = set(step.allowed_roles or DEFAULT_ALLOWED_ROLES)
    return bool(allowed & set(user_roles))
