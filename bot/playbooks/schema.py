"""Pydantic models for each playbook file; unknown keys are errors, durations are parsed on the way in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from bot.domain.durations import parse_duration
from bot.domain.severity import DEFAULT_ARCHIVE_AFTER
from bot.playbooks.oncall import parse_handoff, parse_person, parse_rotation, parse_target, parse_timezone

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


def duration_text(delta: timedelta) -> str:
    """The exact playbook spelling of a whole-second duration: ``900s`` -> ``15m``, ``86400s`` -> ``1d``."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _optional_duration(value: Any) -> timedelta | None:
    return None if value is None else _duration(value)


def _archive_after(value: Any) -> timedelta | None:
    """A duration, or ``never`` (or null) for a channel that is never archived."""
    if value is None or (isinstance(value, str) and value.strip().casefold() == "never"):
        return None
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected a duration like 12h or 7d, or never, got {value!r}")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a valid id (letters, digits, - and _; at most 64 characters)")
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
OptionalDuration = Annotated[timedelta | None, BeforeValidator(_optional_duration)]
ArchiveAfter = Annotated[timedelta | None, BeforeValidator(_archive_after)]
Identifier = Annotated[str, AfterValidator(_identifier)]
Text = Annotated[str, AfterValidator(_text)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class StrictModel(BaseModel):
    """Base for every playbook model: unknown keys are errors and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# severities.yaml ---------------------------------------------------------------------------------


class SeveritySpec(StrictModel):
    name: Text
    aliases: list[Text] = []
    description: str = ""
    respond_within: OptionalDuration = None
    update_every: OptionalDuration = None
    escalation: Identifier | None = None
    postmortem_within: OptionalDuration = None
    private: bool = False
    broadcast_post: bool | None = None  # absent: true for the first two severities
    emoji: str = ""
    archive_after: ArchiveAfter = DEFAULT_ARCHIVE_AFTER
    status_page: Literal["suggest", "optional", "never"] | None = None  # absent: see default_status_page
    notify_stakeholders: Flag = False


class SeveritiesFile(StrictModel):
    severities: dict[Identifier, SeveritySpec]

    @field_validator("severities")
    @classmethod
    def _not_empty(cls, value: dict[str, SeveritySpec]) -> dict[str, SeveritySpec]:
        if not value:
            raise ValueError("must define at least one severity")
        return value


# roles.yaml --------------------------------------------------------------------------------------


class RoleSpec(StrictModel):
    name: Text
    aliases: list[Text] = []
    description: str = ""
    checklist: list[Text] = []


class RolesFile(StrictModel):
    roles: dict[Identifier, RoleSpec]

    @field_validator("roles")
    @classmethod
    def _not_empty(cls, value: dict[str, RoleSpec]) -> dict[str, RoleSpec]:
        if not value:
            raise ValueError("must define at least one role")
        return value


# checklists.yaml ---------------------------------------------------------------------------------


class ChecklistsFile(StrictModel):
    incident_commander: list[Text] = []
    resolution: list[Text] = []
    post_incident: list[Text] = []


# oncall.yaml -------------------------------------------------------------------------------------


class ScheduleSpec(StrictModel):
    timezone: str = "UTC"
    rotation: Any
    handoff: Any = Field(default=None, validate_default=True)
    people: list[str]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        parse_timezone(value)
        return value

    @field_validator("rotation")
    @classmethod
    def _rotation(cls, value: Any) -> Any:
        parse_rotation(value)
        return value

    @field_validator("handoff")
    @classmethod
    def _handoff(cls, value: Any, info: ValidationInfo) -> Any:
        if "rotation" in info.data:
            parse_handoff(value, parse_rotation(info.data["rotation"]))
        return value

    @field_validator("people")
    @classmethod
    def _people(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one person")
        for person in value:
            parse_person(person)
        return value


def _targets(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("must name at least one target")
    for target in value:
        parse_target(target)
    return value


class LevelSpec(StrictModel):
    notify: Annotated[list[str], AfterValidator(_targets)]
    escalate_after: Duration


class LongRunningSpec(StrictModel):
    after: Duration
    notify: Annotated[list[str], AfterValidator(_targets)]
    severities: list[Identifier] = []


class PolicySpec(StrictModel):
    repeat: int = Field(default=0, ge=0)
    levels: list[LevelSpec]
    long_running: list[LongRunningSpec] = []

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[LevelSpec]) -> list[LevelSpec]:
        if not value:
            raise ValueError("must have at least one level")
        return value


class OnCallFile(StrictModel):
    schedules: dict[Identifier, ScheduleSpec] = {}
    escalation_policies: dict[Identifier, PolicySpec] = {}


# permissions.yaml --------------------------------------------------------------------------------

_ADMIN = re.compile(r"^[UWS][A-Z0-9]{2,}$")


def _admin(value: str) -> str:
    if not _ADMIN.match(value):
        raise ValueError(
            f"{value!r} is not a Slack user id (U…, W…) or user group id (S…); "
            "copy it from the person's or group's profile"
        )
    return value


class RuleSpec(StrictModel):
    allowed: list[Identifier]
    before_ic: list[Identifier] | None = None


class ActionsSpec(StrictModel):
    resolve: RuleSpec | None = None
    reopen: RuleSpec | None = None
    severity: RuleSpec | None = None
    role: RuleSpec | None = None
    publish: RuleSpec | None = None
    run_mutating_step: RuleSpec | None = None
    declare_private: RuleSpec | None = None
    postmortem: RuleSpec | None = None


class PermissionsFile(StrictModel):
    admins: list[Annotated[str, AfterValidator(_admin)]] = []
    actions: ActionsSpec = ActionsSpec()


# statuspage.yaml ---------------------------------------------------------------------------------


class ComponentSpec(StrictModel):
    id: Identifier
    name: Text
    group: str = ""
    statuspage_id: Annotated[str, AfterValidator(_text)] | None = None


class StatusPageFile(StrictModel):
    components: list[ComponentSpec] = []
