"""AWS runbook steps: read-only diagnostics and guarded ECS actions, run through injected boto3 clients."""

from bot.integrations.aws.clients import ClientFactory
from bot.integrations.aws.model import (
    ALL_OPERATIONS,
    DEFAULT_ALLOWED_ROLES,
    MUTATING_OPERATIONS,
    READ_ONLY_OPERATIONS,
    SERVICES,
    AwsStep,
    StepError,
    StepResult,
    UnknownOperation,
    is_mutating_operation,
    may_confirm,
)
from bot.integrations.aws.steps import check_step, describe_call, run_step, variables_needed
from bot.integrations.aws.variables import render_args

__all__ = [
    "ALL_OPERATIONS",
    "DEFAULT_ALLOWED_ROLES",
    "MUTATING_OPERATIONS",
    "READ_ONLY_OPERATIONS",
    "SERVICES",
    "AwsStep",
    "ClientFactory",
    "StepError",
    "StepResult",
    "UnknownOperation",
    "check_step",
    "describe_call",
    "is_mutating_operation",
    "may_confirm",
    "render_args",
    "run_step",
    "variables_needed",
]
