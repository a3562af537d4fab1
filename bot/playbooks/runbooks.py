"""Runbook models: symptoms, match keywords and ordered check / command / aws / link steps."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from bot.domain.roles import COMMANDER
from bot.playbooks.aws_ops import AwsOperation, AwsService, names_for, operation
from bot.playbooks.schema import Duration, Identifier, OptionalDuration, StrictModel, Text

# Incident fields every aws step may use as {placeholders}, besides the runbook's own variables.
INCIDENT_VARIABLES = frozenset({"incident_ref", "title", "severity", "channel", "status"})
SECTIONS = ("diagnosis", "mitigation", "rollback")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Scalar = str | int | float | bool


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
    args: dict[str, Any] = {}
    mutating: bool = Field(default=False, validate_default=True)
    allowed_roles: list[Identifier] = [COMMANDER]
    region: str | None = None
    assume_role: str | None = None
    since: OptionalDuration = None

    @field_validator("operation")
    @classmethod
    def _known_operation(cls, value: str, info: ValidationInfo) -> str:
        service = info.data.get("service")
        if service is not None and operation(service, value) is None:
            allowed = ", ".join(names_for(service))
            raise ValueError(f"unknown operation {service}.{value}; allowed for {service}: {allowed}")
        return value

    @field_validator("args")
    @classmethod
    def _known_args(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        op = _op(info)
        if op is None:
            return value
        missing = [a for a in op.required if a not in value]
        unknown = [a for a in value if a not in op.args]
        if missing:
            raise ValueError(f"{op.key} needs {', '.join(missing)}")
        if unknown:
            raise ValueError(f"{op.key} does not take {', '.join(unknown)} (it takes {', '.join(op.args)})")
        return value

    @field_validator("mutating")
    @classmethod
    def _mutating_matches(cls, value: bool, info: ValidationInfo) -> bool:
        op = _op(info)
        if op is None:
            return value
        if value and not op.mutating:
            raise ValueError(f"{op.key} is read-only; it must not be marked mutating")
        if op.mutating and not value:
            raise ValueError(f"{op.key} changes production; the step must say mutating: true")
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
    def spec(self) -> AwsOperation:
        op = operation(self.service, self.operation)
        assert op is not None  # guaranteed by validation
        return op

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"


def _op(info: ValidationInfo) -> AwsOperation | None:
    service, name = info.data.get("service"), info.data.get("operation")
    return None if service is None or name is None else operation(service, name)


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

    def resolve_args(self, step: AwsStep, incident_values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The step's args with ``{placeholders}`` filled: incident values override runbook variables."""
        result: dict[str, Any] = fill(step.args, self._values(incident_values))
        return result

    def resolve_command(self, step: CommandStep, incident_values: Mapping[str, Any] | None = None) -> str:
        """The command text with known ``{placeholders}`` filled (others, like shell braces, untouched)."""
        text: str = fill(step.command, self._values(incident_values))
        return text

    def _values(self, incident_values: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.variables, **(incident_values or {})}
