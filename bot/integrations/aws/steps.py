"""Run an AWS runbook step: render its variables, guard mutations, call AWS, and describe the call."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Set
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bot.domain.durations import InvalidDuration, parse_duration
from bot.integrations.aws import databases, ecs, monitoring
from bot.integrations.aws.arguments import coerce, problems
from bot.integrations.aws.clients import ClientFactory
from bot.integrations.aws.errors import aws_error_result
from bot.integrations.aws.formatting import window_words
from bot.integrations.aws.model import (
    ALL_OPERATIONS,
    AwsStep,
    StepError,
    StepResult,
    UnknownOperation,
    may_confirm,
)
from bot.integrations.aws.operation import Context, Operation, format_call
from bot.integrations.aws.variables import placeholders, render_args

OPERATIONS: Mapping[tuple[str, str], Operation] = {
    op.key: op for op in (*ecs.OPERATIONS, *databases.OPERATIONS, *monitoring.OPERATIONS)
}
assert set(OPERATIONS) == ALL_OPERATIONS, "every declared operation needs a handler"


def operation_for(service: str, operation: str) -> Operation:
    """The registered operation; raises ``UnknownOperation`` for pairs the bot does not support."""
    try:
        return OPERATIONS[(service, operation)]
    except KeyError:
        known = ", ".join(sorted(f"{s}.{o}" for s, o in OPERATIONS))
        raise UnknownOperation(f"unknown AWS operation {service}.{operation} (known: {known})") from None


def check_step(step: AwsStep) -> list[str]:
    """Problems with a step as written in a playbook (before variables are known); empty when valid."""
    if step.key not in OPERATIONS:
        known = ", ".join(sorted(f"{s}.{o}" for s, o in OPERATIONS))
        return [f"unknown AWS operation {step.name} (known: {known})"]
    op = OPERATIONS[step.key]
    found = problems(step.name, op.args, step.args, rendered=False)
    if op.mutating and not step.mutating:
        found.append(f"{step.name} changes AWS resources; the step must say `mutating: true`")
    if not op.mutating and step.mutating:
        found.append(f"{step.name} is read-only; remove `mutating: true`")
    if step.since is not None:
        try:
            parse_duration(step.since)
        except InvalidDuration as exc:
            found.append(f"{step.name}: since: {exc}")
    return found


def variables_needed(step: AwsStep) -> set[str]:
    """The incident variables a step's arguments refer to."""
    return placeholders(dict(step.args))


def _prepared(step: AwsStep, variables: Mapping[str, str]) -> tuple[Operation, dict[str, Any]]:
    op = operation_for(step.service, step.operation)
    return op, coerce(step.name, op.args, render_args(step.args, variables))


def describe_call(step: AwsStep, variables: Mapping[str, str], clients: ClientFactory | None = None) -> str:
    """The exact boto3 call a step makes, as shown in a confirmation.

    Raises ``StepError`` when variables or arguments are missing. With ``clients``, calls that need a lookup
    (a rollback's target revision) are resolved against AWS; without, or if the lookup fails, the unknown
    value is shown as ``<…>``.
    """
    op, args = _prepared(step, variables)
    api, kwargs = op.display(args)
    if op.plan is not None and clients is not None:
        try:
            client = clients.client(step.service, region=step.region, assume_role=step.assume_role)
            kwargs = op.plan(client, args)
        except (StepError, ClientError, BotoCoreError):
            pass  # the symbolic form is still a truthful description
    text = format_call(step.service, api, kwargs)
    if op.default_since is not None:
        text += f" over {window_words(_window(step.since or op.default_since))}"
    return text


def run_step(
    step: AwsStep,
    variables: Mapping[str, str],
    clients: ClientFactory | boto3.session.Session,
    *,
    approver_roles: Set[str] | None = None,
    now: Callable[[], datetime] | None = None,
) -> StepResult:
    """Run ``step`` and describe the outcome for people.

    AWS-side failures and steps that cannot run as written come back as ``ok=False`` results with a clear
    message; an unknown operation raises ``UnknownOperation``. A mutating operation runs only when the
    step says ``mutating: true`` and ``approver_roles`` (the confirming person's roles) pass ``may_confirm``.
    """
    op = operation_for(step.service, step.operation)
    if isinstance(clients, boto3.session.Session):
        clients = ClientFactory(clients)
    try:
        _, args = _prepared(step, variables)
        call = describe_call(step, variables)
        _guard(op, step, approver_roles)
        since = _window(step.since or op.default_since or "1h")
        region = clients.region_for(step.region)
    except StepError as exc:
        return StepResult.failure(str(exc), emoji=":no_entry:")
    except Exception as exc:
        result = aws_error_result(exc, service=step.service, args={}, region=step.region)
        if result is None:
            raise
        return result
    ctx = Context(now=(now or _utcnow)(), since=since, region=region)
    try:
        client = clients.client(step.service, region=step.region, assume_role=step.assume_role)
        result = op.run(client, args, ctx)
    except StepError as exc:
        return StepResult.failure(str(exc), call=call, emoji=":no_entry:")
    except Exception as exc:
        failed = aws_error_result(
            exc, service=step.service, args=args, region=region, assume_role=step.assume_role, call=call
        )
        if failed is None:
            raise
        return failed
    return result if result.call else dataclasses.replace(result, call=call)


def _guard(op: Operation, step: AwsStep, approver_roles: Set[str] | None) -> None:
    if not op.mutating:
        return
    if not step.mutating:
        raise StepError(f"{step.name} changes AWS resources but the step is not marked `mutating: true`.")
    if approver_roles is None or not may_confirm(step, approver_roles):
        roles = " or ".join(step.allowed_roles)
        raise StepError(f"Only someone holding {roles} in this incident can confirm {step.name}.")


def _window(since: str) -> str:
    try:
        parse_duration(since)
    except InvalidDuration as exc:
        raise StepError(f"since: {exc}") from exc
    return since


def _utcnow() -> datetime:
    return datetime.now(UTC)
