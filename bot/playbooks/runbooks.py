"""Runbook models: symptoms, match keywords and ordered check / command / aws / link steps."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from bot.domain.roles import COMMANDER
from bot.integrations.aws.arguments import problems as argument_problems
from bot.integrations.aws.model import MUTATING_OPERATIONS, READ_ONLY_OPERATIONS
from bot.integrations.aws.model import AwsStep as IntegrationStep
from bot.integrations.aws.operation import Operation
from bot.integrations.aws.steps import OPERATIONS as AWS_OPERATIONS
from bot.integrations.aws.variables import placeholders as arg_placeholders
from bot.playbooks.schema import Duration, Identifier, OptionalDuration, StrictModel, Text, duration_text

# Incident fields every aws step may use as {placeholders}, besides the runbook's own variables.
INCIDENT_VARIABLES = frozenset({"incident_ref", "title", "severity", "channel", "status"})
SECTIONS = ("diagnosis", "mitigation", "rollback")
# ``{name}``, but not shell ``${NAME}`` nor curl's ``%{name}``: those are left as written.
PLACEHOLDER = re.compile(r"(?<![$%])\{([A-Za-z_][A-Za-z0-9_]*)\}")

Scalar = str | int | float | bool
AwsService = Literal["ecs", "rds", "elasticache", "cloudwatch", "logs"]
READ_ONLY = frozenset(f"{s}.{o}" for s, o in READ_ONLY_OPERATIONS)
MUTATING = frozenset(f"{s}.{o}" for s, o in MUTATING_OPERATIONS)


def placeholders(text: str) -> set[str]:
    """Names used as ``{name}`` in ``text``; other braces (JSON, shell) are left alone."""
    return set(PLACEHOLDER.findall(text))


def fill(value: Any, values: Mapping[str, Any]) -> Any:
    """Substitute ``{name}`` in every string inside ``value`` (mappings and lists included).

    A placeholder with no value is left as it is.
    """
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, Mapping):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


class StepBase(StrictModel):
    id: Identifier
    title: Text
    instructions: str = ""


class CheckStep(StepBase):
    """A manual item: someone checks something and ticks it."""

    kind: Literal["check"]


class CommandStep(StepBase):
    """A shell or SQL snippet shown as code for a person to run; the bot never executes it."""

    kind: Literal["command"]
    command: Text
    language: Literal["bash", "sql", "python", "text"] = "bash"


class LinkStep(StepBase):
    """A link to a dashboard, console or status page."""

    kind: Literal["link"]
    url: Annotated[str, AfterValidator(_url)]


class AwsStep(StepBase):
    """A boto3 call the bot runs; ``mutating`` calls need a confirmation by one of ``allowed_roles``."""

    kind: Literal["aws"]
    service: AwsService
    operation: str
    args: dict[str, Any] = Field(default_factory=dict, validate_default=True)
    mutating: bool = Field(default=False, validate_default=True)
    allowed_roles: list[Identifier] = [COMMANDER]
    region: str | None = None
    assume_role: str | None = None
    since: OptionalDuration = None

    @field_validator("operation")
    @classmethod
    def _known_operation(cls, value: str, info: ValidationInfo) -> str:
        service = info.data.get("service")
        if service is not None and (service, value) not in AWS_OPERATIONS:
            allowed = ", ".join(sorted(o for s, o in AWS_OPERATIONS if s == service))
            raise ValueError(f"unknown operation {service}.{value}; allowed for {service}: {allowed}")
        return value

    @field_validator("args")
    @classmethod
    def _known_args(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        op = _op(info)
        if op is None:
            return value
        found = argument_problems(_name(op), op.args, value, rendered=False)
        if found:
            raise ValueError("; ".join(found))
        return value

    @field_validator("mutating")
    @classmethod
    def _mutating_matches(cls, value: bool, info: ValidationInfo) -> bool:
        op = _op(info)
        if op is None:
            return value
        if value and not op.mutating:
            raise ValueError(f"{_name(op)} is read-only; it must not be marked mutating")
        if op.mutating and not value:
            raise ValueError(f"{_name(op)} changes AWS resources; the step must say mutating: true")
        return value

    @field_validator("assume_role")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("arn:aws"):
            example = "arn:aws:iam::123456789012:role/name"
            raise ValueError(f"expected an IAM role ARN such as {example}, got {value!r}")
        return value

    @field_validator("allowed_roles")
    @classmethod
    def _some_role(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one role")
        return value

    @property
    def name(self) -> str:
        """``service.operation`` as written in the playbook."""
        return f"{self.service}.{self.operation}"

    @property
    def since_text(self) -> str | None:
        """``since`` back in playbook form (``15m``), as ``bot.integrations.aws.AwsStep`` takes it."""
        return None if self.since is None else duration_text(self.since)

    def to_integration_step(self) -> IntegrationStep:
        """The same step as ``bot.integrations.aws`` runs it (``run_step``, ``describe_call``)."""
        return IntegrationStep(
            service=self.service,
            operation=self.operation,
            args=dict(self.args),
            mutating=self.mutating,
            allowed_roles=tuple(self.allowed_roles),
            region=self.region,
            assume_role=self.assume_role,
            since=self.since_text,
            id=self.id,
            title=self.title,
        )

    def variables_used(self) -> set[str]:
        """Variable names the args refer to as ``{name}``."""
        return arg_placeholders(self.args)


def _op(info: ValidationInfo) -> Operation | None:
    service, name = info.data.get("service"), info.data.get("operation")
    return None if service is None or name is None else AWS_OPERATIONS.get((service, name))


def _name(op: Operation) -> str:
    return f"{op.service}.{op.name}"


Step = Annotated[CheckStep | CommandStep | AwsStep | LinkStep, Field(discriminator="kind")]


def _keywords(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("must list at least one keyword")
    return [v.strip().lower() for v in value]


class Runbook(StrictModel):
    """One runbook file: what it is for, how to recognise it, and its steps in order."""

    id: Identifier
    title: Text
    description: str = ""
    match: Annotated[list[Text], AfterValidator(_keywords)]
    symptoms: list[Text] = []
    expected_recovery: Duration
    variables: dict[Identifier, Scalar] = {}
    diagnosis: list[Step] = []
    mitigation: list[Step] = []
    rollback: list[Step] = []

    def steps(self) -> Iterator[tuple[str, Step]]:
        """Every step with its section name, in display order."""
        for section in SECTIONS:
            for step in getattr(self, section):
                yield section, step

    def step(self, step_id: str) -> Step | None:
        return next((s for _section, s in self.steps() if s.id == step_id), None)

    def variables_for(self, incident_values: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Values for ``{placeholders}``: the runbook's defaults overridden by the incident's values."""
        return {k: str(v) for k, v in {**self.variables, **(incident_values or {})}.items()}

    def resolve_command(self, step: CommandStep, incident_values: Mapping[str, Any] | None = None) -> str:
        """The command text with known ``{placeholders}`` filled (others, like shell braces, untouched)."""
        text: str = fill(step.command, self.variables_for(incident_values))
        return text
