"""Incident metrics from recorded event times: acknowledge, mitigate, resolve, update cadence, percentiles."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Timeline kinds the numbers are read from; everything else on the timeline is ignored.
DECLARED = "declared"
ACKNOWLEDGED = "acknowledged"
UPDATE_KINDS = frozenset({"update", "heartbeat"})  # a status update, and "still working on it, no change"
SEVERITY_CHANGED = "severity_changed"
RESOLVED = "resolved"
REOPENED = "reopened"
METRIC_KINDS = frozenset({DECLARED, ACKNOWLEDGED, SEVERITY_CHANGED, RESOLVED, REOPENED, *UPDATE_KINDS})
MITIGATED_STATUS = "monitoring"


@dataclass(frozen=True)
class Event:
    """One timeline row as the metrics read it: its kind, when, the status an update reached, a new severity."""

    kind: str
    at: datetime
    status: str | None = None
    severity: str | None = None


@dataclass(frozen=True)
class Lifecycle:
    """An incident's key moments; ``None`` when it never happened (or was undone by a later reopen)."""

    declared_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    reopened: int

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self.acknowledged_at - self.declared_at if self.acknowledged_at else None

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self.mitigated_at - self.declared_at if self.mitigated_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.declared_at if self.resolved_at else None


def _ordered(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: e.at)


def lifecycle(declared_at: datetime, events: Iterable[Event]) -> Lifecycle:
    """Acknowledged: the first acknowledgement. Mitigated: the first update reaching monitoring, or the first
    resolution if that came earlier. Resolved: the last resolution, unless a reopen came after it.
    """
    acknowledged: datetime | None = None
    mitigated: datetime | None = None
    resolved: datetime | None = None
    reopened = 0
    for event in _ordered(events):
        if event.kind == ACKNOWLEDGED and acknowledged is None:
            acknowledged = event.at
        elif event.kind in UPDATE_KINDS and event.status == MITIGATED_STATUS and mitigated is None:
            mitigated = event.at
        elif event.kind == RESOLVED:
            mitigated = mitigated or event.at
            resolved = event.at
        elif event.kind == REOPENED:
            reopened += 1
            resolved = None
    return Lifecycle(declared_at, acknowledged, mitigated, resolved, reopened)


@dataclass(frozen=True)
class Cadence:
    """Update windows of one or more incidents: how many there were, and in how many an update came in time."""

    on_time: int = 0
    windows: int = 0

    def __add__(self, other: Cadence) -> Cadence:
        return Cadence(self.on_time + other.on_time, self.windows + other.windows)

    @property
    def share(self) -> float | None:
        return self.on_time / self.windows if self.windows else None


def cadence(
    events: Iterable[Event], every: Mapping[str, timedelta | None], severity: str, until: datetime
) -> Cadence:
    """Each window opens at the declaration, a reopen, an update or a reminder falling due, and lasts the
    severity's ``update_every``; it is on time when an update (or the resolution) is posted before its end,
    else missed (the reminder was due) and the next window opens at once. Windows still open at ``until``
    are not counted; a severity without a cadence has no windows.
    """
    on_time = windows = 0
    due: datetime | None = None
    anchor: datetime | None = None

    def step(limit: datetime, inclusive: bool) -> None:
        nonlocal due, anchor, windows
        while due is not None and (due <= limit if inclusive else due < limit):
            windows += 1  # missed: nothing before the reminder was due
            anchor = due
            due = _due(anchor, every.get(severity))

    for event in _ordered(e for e in events if e.at < until):
        step(event.at, inclusive=False)
        if event.kind in (DECLARED, REOPENED):
            severity = event.severity or severity
            anchor = event.at
            due = _due(anchor, every.get(severity))
        elif event.kind in UPDATE_KINDS or event.kind == RESOLVED:
            if due is not None:
                windows += 1
                on_time += 1
            anchor = event.at
            due = None if event.kind == RESOLVED else _due(anchor, every.get(severity))
        elif event.kind == SEVERITY_CHANGED and event.severity:
            severity = event.severity
            if due is not None or anchor is not None:
                due = _due(anchor or event.at, every.get(severity))
    step(until, inclusive=True)
    return Cadence(on_time, windows)


def _due(anchor: datetime | None, every: timedelta | None) -> datetime | None:
    return anchor + every if anchor is not None and every else None


@dataclass(frozen=True)
class Spread:
    """How many values, their median and their 90th percentile (nearest rank); ``None`` with no values."""

    count: int
    median: timedelta | None
    p90: timedelta | None


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value; with an even count, the mean of the two middle ones."""
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def percentile(values: Sequence[timedelta], pct: float) -> timedelta | None:
    """Nearest rank: the smallest value with at least ``pct`` percent of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def spread(values: Iterable[timedelta | None]) -> Spread:
    present = [v for v in values if v is not None]
    return Spread(len(present), median(present), percentile(present, 90))


@dataclass(frozen=True)
class FollowUpCounts:
    """Follow-ups opened and closed in the range, and open past their due date at its end."""

    opened: int = 0
    closed: int = 0
    overdue: int = 0

    def __add__(self, other: FollowUpCounts) -> FollowUpCounts:
        return FollowUpCounts(
            self.opened + other.opened, self.closed + other.closed, self.overdue + other.overdue
        )


@dataclass(frozen=True)
class FollowUpTimes:
    created_at: datetime
    done_at: datetime | None
    overdue_at: datetime | None  # when it falls overdue (the end of its due day); None without a due date


def follow_up_counts(items: Iterable[FollowUpTimes], since: datetime, until: datetime) -> FollowUpCounts:
    opened = closed = overdue = 0
    for item in items:
        opened += since <= item.created_at < until
        closed += item.done_at is not None and since <= item.done_at < until
        still_open = item.created_at < until and (item.done_at is None or item.done_at >= until)
        overdue += still_open and item.overdue_at is not None and item.overdue_at <= until
    return FollowUpCounts(opened, closed, overdue)


@dataclass(frozen=True)
class PostmortemCompletion:
    """Post-mortems due in the range, and how many of them were done or skipped by its end."""

    due: int = 0
    done: int = 0
    skipped: int = 0

    def __add__(self, other: PostmortemCompletion) -> PostmortemCompletion:
        return PostmortemCompletion(self.due + other.due, self.done + other.done, self.skipped + other.skipped)

    @property
    def share(self) -> float | None:
        return (self.done + self.skipped) / self.due if self.due else None


@dataclass(frozen=True)
class PostmortemTimes:
    due_at: datetime | None
    done_at: datetime | None
    skipped_at: datetime | None


def postmortem_completion(
    items: Iterable[PostmortemTimes], since: datetime, until: datetime
) -> PostmortemCompletion:
    due = done = skipped = 0
    for item in items:
        if item.due_at is None or not since <= item.due_at < until:
            continue
        due += 1
        done += item.done_at is not None and item.done_at < until
        skipped += item.done_at is None and item.skipped_at is not None and item.skipped_at < until
    return PostmortemCompletion(due, done, skipped)


def iso_week(moment: datetime | date) -> str:
    """``2026-W49``: the ISO year and week a moment falls in (weeks start on Monday)."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def iso_weeks(since: datetime, until: datetime) -> list[str]:
    """Every ISO week touching ``[since, until)``, in order."""
    weeks: list[str] = []
    day = since.date()
    last = (until - timedelta(microseconds=1)).date() if until > since else since.date()
    while day <= last:
        label = iso_week(day)
        if not weeks or weeks[-1] != label:
            weeks.append(label)
        day += timedelta(days=1)
    return weeks
