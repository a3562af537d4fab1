"""Who is on call at an instant, and when the next handoff is: daily and weekly rotations on the schedule's
wall clock, hours-rotations in elapsed time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class RotationRule(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def period(self) -> timedelta: ...


class HandoffRule(Protocol):
    @property
    def at(self) -> time: ...

    @property
    def weekday(self) -> int | None: ...

    @property
    def start(self) -> datetime | None: ...


class Schedule(Protocol):
    """An on-call rotation as the playbooks define it: people take turns, handing over at ``handoff``."""

    @property
    def id(self) -> str: ...

    @property
    def timezone(self) -> ZoneInfo: ...

    @property
    def rotation(self) -> RotationRule: ...

    @property
    def handoff(self) -> HandoffRule: ...

    @property
    def people(self) -> Sequence[str]: ...

# Shifts are counted from the first handoff on or after this (local) date: it is people[0]'s shift.
ANCHOR_DATE = date(2024, 1, 1)


@dataclass(frozen=True)
class Shift:
    """One turn on call: ``person`` (a user id or email as written) from ``start`` until ``end`` (UTC)."""

    schedule_id: str
    person: str | None
    start: datetime
    end: datetime
    index: int


def _anchor(schedule: Schedule) -> datetime:
    """The naive local wall time of shift 0."""
    handoff = schedule.handoff
    if handoff.start is not None:
        start = handoff.start
        if start.tzinfo is not None:
            start = start.astimezone(schedule.timezone)
        return start.replace(tzinfo=None)
    base = datetime.combine(ANCHOR_DATE, handoff.at)
    if schedule.rotation.kind == "weekly" and handoff.weekday is not None:
        base += timedelta(days=(handoff.weekday - ANCHOR_DATE.weekday()) % 7)
    return base


def _wall_step(schedule: Schedule) -> timedelta:
    return schedule.rotation.period


def _elapsed(schedule: Schedule) -> bool:
    """Hours-rotations count real elapsed time: every shift lasts exactly N hours, DST or not."""
    return schedule.rotation.kind == "hours"


def _to_utc(schedule: Schedule, wall: datetime) -> datetime:
    return wall.replace(tzinfo=schedule.timezone, fold=0).astimezone(UTC)


def _anchor_instant(schedule: Schedule) -> datetime:
    """The UTC instant of shift 0 (an aware ISO start is taken as written, even inside a DST overlap)."""
    start = schedule.handoff.start
    if start is not None and start.tzinfo is not None:
        return start.astimezone(UTC)
    return _to_utc(schedule, _anchor(schedule))


def handoff_at(schedule: Schedule, index: int) -> datetime:
    """The UTC instant shift ``index`` starts.

    Daily and weekly rotations step in local wall time, read in the schedule's zone: wall times in a
    spring-forward gap map to the instant of the gap (``fold=0``); in a fall-back overlap, to the first
    occurrence. Hours-rotations step ``hours`` of real time from the anchor's instant, so no shift is empty
    or doubled across a DST change. Handoffs are therefore non-decreasing in ``index``.
    """
    if _elapsed(schedule):
        return _anchor_instant(schedule) + _wall_step(schedule) * index
    return _to_utc(schedule, _anchor(schedule) + _wall_step(schedule) * index)


def shift_index(schedule: Schedule, at: datetime) -> int:
    """The largest shift index whose handoff is at or before ``at``."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    if _elapsed(schedule):
        return (at.astimezone(UTC) - _anchor_instant(schedule)) // _wall_step(schedule)
    local = at.astimezone(schedule.timezone).replace(tzinfo=None)
    step = _wall_step(schedule)
    index = (local - _anchor(schedule)) // step
    while handoff_at(schedule, index) > at:
        index -= 1
    while handoff_at(schedule, index + 1) <= at:
        index += 1
    return index


def shift_at(schedule: Schedule, at: datetime) -> Shift:
    """The shift running at ``at`` (person is None when the schedule lists nobody)."""
    index = shift_index(schedule, at)
    people = schedule.people
    person = people[index % len(people)] if people else None
    return Shift(schedule.id, person, handoff_at(schedule, index), handoff_at(schedule, index + 1), index)


def on_call(schedule: Schedule, at: datetime) -> str | None:
    """The person (user id or email, as written in the playbook) on call at ``at``."""
    return shift_at(schedule, at).person


def next_handoff(schedule: Schedule, at: datetime) -> datetime:
    """The first handoff strictly after ``at`` (UTC)."""
    return shift_at(schedule, at).end
