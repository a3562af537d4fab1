"""The metrics report for a date range (weekly report, ``incident-bot report``): numbers by severity and week."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.metrics import (
    Cadence,
    FollowUpCounts,
    Lifecycle,
    PostmortemCompletion,
    Spread,
    cadence,
    follow_up_counts,
    iso_week,
    iso_weeks,
    lifecycle,
    median,
    postmortem_completion,
    spread,
)
from bot.services.context import ServiceContext
from bot.services.errors import UserError
from bot.storage import report_queries as queries
from bot.storage.db import UnitOfWork

ALL = "all"  # the row that sums every severity
PRIVATE_TITLE = "(private incident)"


@dataclass(frozen=True)
class SeverityStats:
    """The numbers of one severity (or of all of them, ``severity == "all"``)."""

    severity: str
    incidents: int
    resolved: int
    reopened: int
    acknowledge: Spread
    mitigate: Spread
    resolve: Spread
    cadence: Cadence
    postmortems: PostmortemCompletion
    follow_ups: FollowUpCounts


@dataclass(frozen=True)
class WeekStats:
    """One ISO week: incidents declared in it by severity, and the median time to resolve those resolved."""

    week: str
    incidents: tuple[tuple[str, int], ...]
    resolved: int
    resolve_median: timedelta | None

    @property
    def total(self) -> int:
        return sum(n for _, n in self.incidents)

    @property
    def severities(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.incidents)

    def count(self, severity: str) -> int:
        return dict(self.incidents).get(severity, 0)


@dataclass(frozen=True)
class IncidentLine:
    """One incident's own numbers; a private incident's title is never carried."""

    ref: str
    severity: str
    title: str
    private: bool
    declared_at: datetime
    time_to_acknowledge: timedelta | None
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None
    reopened: int


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    severity: str | None
    by_severity: tuple[SeverityStats, ...]  # most severe first, only the levels with something to count
    total: SeverityStats
    weeks: tuple[WeekStats, ...]
    incidents: tuple[IncidentLine, ...]

    @property
    def severities(self) -> tuple[str, ...]:
        return tuple(s.severity for s in self.by_severity)

    @property
    def empty(self) -> bool:
        t = self.total
        return t.incidents == 0 and t.follow_ups == FollowUpCounts() and t.postmortems == PostmortemCompletion()


Source = ServiceContext | UnitOfWork | Session


@contextmanager
def _session(source: Source) -> Iterator[Session]:
    if isinstance(source, Session):
        yield source
        return
    uow = source.uow if isinstance(source, ServiceContext) else source
    with uow() as session:
        yield session


def build_report(source: Source, since: datetime, until: datetime, severity: str | None = None) -> Report:
    """Incidents declared in ``[since, until)`` (events after ``until`` ignored), follow-ups touching the range.

    Four queries whatever the number of incidents. ``severity`` is a severity id (``SEV1``) or None for all.
    """
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be timezone-aware")
    if since >= until:
        raise UserError("The start of the report must come before its end.")
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    with _session(source) as session:
        facts = queries.incidents_declared(session, since, until, severity)
        items = queries.follow_ups_touching(session, since, until, severity)
        reviews = queries.postmortems_due(session, since, until, severity)

    lives: list[tuple[queries.IncidentFacts, Lifecycle, Cadence]] = [
        (
            f,
            lifecycle(f.declared_at, f.events),
            cadence(f.events, f.update_every, f.severity, until),
        )
        for f in facts
    ]
    follow = {
        sev: follow_up_counts([t for s, _, t in items if s == sev], since, until) for sev in {s for s, _, _ in items}
    }
    done = {
        sev: postmortem_completion([t for s, _, t in reviews if s == sev], since, until)
        for sev in {s for s, _, _ in reviews}
    }
    # Each level's rank as its incidents carry it, most severe first.
    ranks = {s: rank for s, rank, _ in (*items, *reviews)} | {f.severity: f.severity_rank for f in facts}
    order = sorted({*ranks}, key=lambda s: (ranks[s], s))

    def stats(name: str, chosen: Sequence[tuple[queries.IncidentFacts, Lifecycle, Cadence]]) -> SeverityStats:
        mine = [s for s in order if name in (ALL, s)]
        counts = sum((follow.get(s, FollowUpCounts()) for s in mine), FollowUpCounts())
        reviewed = sum((done.get(s, PostmortemCompletion()) for s in mine), PostmortemCompletion())
        return SeverityStats(
            severity=name,
            incidents=len(chosen),
            resolved=sum(1 for _, life, _ in chosen if life.resolved_at is not None),
            reopened=sum(1 for _, life, _ in chosen if life.reopened),
            acknowledge=spread(life.time_to_acknowledge for _, life, _ in chosen),
            mitigate=spread(life.time_to_mitigate for _, life, _ in chosen),
            resolve=spread(life.time_to_resolve for _, life, _ in chosen),
            cadence=sum((c for _, _, c in chosen), Cadence()),
            postmortems=reviewed,
            follow_ups=counts,
        )

    by_severity = tuple(stats(s, [x for x in lives if x[0].severity == s]) for s in order)
    return Report(
        since=since,
        until=until,
        severity=severity,
        by_severity=by_severity,
        total=stats(ALL, lives),
        weeks=_weeks(lives, order, since, until),
        incidents=tuple(_line(f, life) for f, life, _ in lives),
    )


def _weeks(
    lives: Sequence[tuple[queries.IncidentFacts, Lifecycle, Cadence]],
    order: Sequence[str],
    since: datetime,
    until: datetime,
) -> tuple[WeekStats, ...]:
    counted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    resolve_times: dict[str, list[timedelta]] = defaultdict(list)
    for f, life, _ in lives:
        week = iso_week(f.declared_at)
        counted[week][f.severity] += 1
        if life.time_to_resolve is not None:
            resolve_times[week].append(life.time_to_resolve)
    return tuple(
        WeekStats(
            week=week,
            incidents=tuple((s, counted[week].get(s, 0)) for s in order if s in {x[0].severity for x in lives}),
            resolved=len(resolve_times[week]),
            resolve_median=median(resolve_times[week]),
        )
        for week in iso_weeks(since, until)
    )


def _line(f: queries.IncidentFacts, life: Lifecycle) -> IncidentLine:
    return IncidentLine(
        ref=f.ref,
        severity=f.severity,
        title=PRIVATE_TITLE if f.private else f.title,
        private=f.private,
        declared_at=f.declared_at,
        time_to_acknowledge=life.time_to_acknowledge,
        time_to_mitigate=life.time_to_mitigate,
        time_to_resolve=life.time_to_resolve,
        reopened=life.reopened,
    )


Cell = str | int | float | None
FIELDS = (
    "severity",
    "incidents",
    "resolved",
    "reopened",
    "acknowledged",
    "tta_median_seconds",
    "tta_p90_seconds",
    "mitigated",
    "ttm_median_seconds",
    "ttm_p90_seconds",
    "ttr_median_seconds",
    "ttr_p90_seconds",
    "update_windows",
    "updates_on_cadence",
    "on_cadence_share",
    "postmortems_due",
    "postmortems_done",
    "postmortems_skipped",
    "postmortem_completion",
    "followups_opened",
    "followups_closed",
    "followups_overdue",
)


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def report_row(stats: SeverityStats) -> dict[str, Cell]:
    pm = stats.postmortems
    return {
        "severity": stats.severity,
        "incidents": stats.incidents,
        "resolved": stats.resolved,
        "reopened": stats.reopened,
        "acknowledged": stats.acknowledge.count,
        "tta_median_seconds": _seconds(stats.acknowledge.median),
        "tta_p90_seconds": _seconds(stats.acknowledge.p90),
        "mitigated": stats.mitigate.count,
        "ttm_median_seconds": _seconds(stats.mitigate.median),
        "ttm_p90_seconds": _seconds(stats.mitigate.p90),
        "ttr_median_seconds": _seconds(stats.resolve.median),
        "ttr_p90_seconds": _seconds(stats.resolve.p90),
        "update_windows": stats.cadence.windows,
        "updates_on_cadence": stats.cadence.on_time,
        "on_cadence_share": _share(stats.cadence.share),
        "postmortems_due": pm.due,
        "postmortems_done": pm.done,
        "postmortems_skipped": pm.skipped,
        "postmortem_completion": _share(pm.share),
        "followups_opened": stats.follow_ups.opened,
        "followups_closed": stats.follow_ups.closed,
        "followups_overdue": stats.follow_ups.overdue,
    }


def report_rows(report: Report) -> list[dict[str, Cell]]:
    """One row per severity, most severe first, then the ``all`` row: the fields of ``FIELDS``, in order."""
    return [report_row(s) for s in (*report.by_severity, report.total)]
