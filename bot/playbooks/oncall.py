"""On-call schedules and escalation policies as typed objects, with the parsers that build them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RotationKind = Literal["daily", "weekly", "hours"]
TargetKind = Literal["schedule", "user", "usergroup", "email"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HANDOFF = {"daily": "09:00", "weekly": "monday 09:00", "hours": "00:00"}

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s:]+\.[^@\s:]+$")
_SCHEDULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Rotation:
    """How often a schedule hands over: every day, every week or every ``hours`` hours."""

    kind: RotationKind
    hours: int | None = None

    @property
    def period(self) -> timedelta:
        if self.kind == "daily":
            return timedelta(days=1)
        if self.kind == "weekly":
            return timedelta(weeks=1)
        return timedelta(hours=self.hours or 1)


@dataclass(frozen=True)
class Handoff:
    """When shifts change, in the schedule's timezone.

    ``weekday`` (0 = Monday) is set for weekly rotations; ``start`` (timezone-aware) is set when an
    hours-rotation gives an ISO start datetime; otherwise shifts change at ``at`` each day.
    """

    at: time
    weekday: int | None = None
    start: datetime | None = None


@dataclass(frozen=True)
class Schedule:
    """One on-call rotation: people take turns in list order, handing over at ``handoff``."""

    id: str
    timezone: ZoneInfo
    rotation: Rotation
    handoff: Handoff
    people: tuple[str, ...]


@dataclass(frozen=True)
class NotifyTarget:
    """Who a level pages: ``schedule:primary``, ``user:U0ALICE``, ``usergroup:S0LEADS``, ``email:a@b.c``."""

    kind: TargetKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class EscalationLevel:
    notify: tuple[NotifyTarget, ...]
    escalate_after: timedelta


@dataclass(frozen=True)
class LongRunningRule:
    """Extra people paged once an incident under this policy has been open for ``after``.

    ``severities`` limits the rule to those severity ids (empty = every severity using the policy).
    """

    after: timedelta
    notify: tuple[NotifyTarget, ...]
    severities: tuple[str, ...] = ()

    def applies_to(self, severity_id: str) -> bool:
        return not self.severities or severity_id in self.severities


@dataclass(frozen=True)
class EscalationPolicy:
    """Levels paged in order; after the last level the whole chain repeats ``repeat`` times."""

    id: str
    repeat: int
    levels: tuple[EscalationLevel, ...]
    long_running: tuple[LongRunningRule, ...] = ()


@dataclass(frozen=True)
class OnCall:
    """Every schedule and escalation policy of ``oncall.yaml`` (both empty when the file is absent)."""

    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    policies: Mapping[str, EscalationPolicy] = field(default_factory=dict)


def parse_timezone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"expected an IANA timezone such as UTC or Europe/Paris, got {name!r}")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}; use an IANA name such as UTC or Europe/Paris") from None


def parse_rotation(value: Any) -> Rotation:
    if value in ("daily", "weekly"):
        return Rotation(value)
    if isinstance(value, Mapping) and set(value) == {"hours"}:
        hours = value["hours"]
        if isinstance(hours, int) and not isinstance(hours, bool) and hours >= 1:
            return Rotation("hours", hours)
        raise ValueError(f"hours must be a whole number of at least 1, got {hours!r}")
    raise ValueError(f"expected daily, weekly or {{hours: N}}, got {value!r}")


def parse_handoff(value: Any, rotation: Rotation, zone: ZoneInfo | None = None) -> Handoff:
    """``"monday 09:00"`` (weekly), ``"09:00"`` (daily), ``"09:00"`` or an ISO datetime (hours)."""
    if value is None:
        value = DEFAULT_HANDOFF[rotation.kind]
    if not isinstance(value, str):
        example = DEFAULT_HANDOFF[rotation.kind]
        raise ValueError(f'expected a quoted string such as "{example}" (YAML read {value!r})')
    text = value.strip().lower()
    if rotation.kind == "weekly":
        parts = text.split()
        day = _weekday(parts[0]) if len(parts) == 2 else None
        if day is None:
            raise ValueError(f'weekly handoff must look like "monday 09:00", got {value!r}')
        return Handoff(at=_clock(parts[1], value), weekday=day)
    if rotation.kind == "hours" and not _CLOCK.match(text):
        try:
            start = datetime.fromisoformat(value.strip())
        except ValueError:
            message = f'expected "HH:MM" or an ISO datetime such as "2026-01-05T09:00", got {value!r}'
            raise ValueError(message) from None
        if start.tzinfo is None and zone is not None:
            start = start.replace(tzinfo=zone)
        return Handoff(at=start.timetz().replace(tzinfo=None), start=start)
    return Handoff(at=_clock(text, value))


def _weekday(word: str) -> int | None:
    for i, name in enumerate(WEEKDAYS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return i
    return None


def _clock(text: str, original: str) -> time:
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f'expected a time of day "HH:MM", got {original!r}')
    return time(int(match.group(1)), int(match.group(2)))


def parse_person(value: Any) -> str:
    """A Slack user id (``U0ALICE``) or an email address."""
    if isinstance(value, str) and (_USER_ID.match(value) or _EMAIL.match(value)):
        return value
    raise ValueError(f"expected a Slack user id such as U0ALICE or an email address, got {value!r}")


def parse_target(value: Any) -> NotifyTarget:
    """``schedule:<id>``, ``user:<Slack user id>``, ``usergroup:<Slack group id>`` or ``email:<address>``."""
    if not isinstance(value, str) or ":" not in value:
        forms = "schedule:<id>, user:<id>, usergroup:<id> or email:<address>"
        raise ValueError(f"expected {forms}, got {value!r}")
    kind, _, rest = value.partition(":")
    rest = rest.strip()
    checks = {"schedule": _SCHEDULE_ID, "user": _USER_ID, "usergroup": _USERGROUP_ID, "email": _EMAIL}
    pattern = checks.get(kind.strip())
    if pattern is None:
        raise ValueError(f"unknown target kind {kind!r}; expected schedule, user, usergroup or email")
    if not pattern.match(rest):
        raise ValueError(f"invalid {kind} in {value!r}")
    return NotifyTarget(kind.strip(), rest)  # type: ignore[arg-type]
