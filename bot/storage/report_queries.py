"""The reads behind the metrics report: a few queries for a whole date range, rows handed back as domain values."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.followups import overdue_at
from bot.domain.metrics import METRIC_KINDS, Event, FollowUpTimes, PostmortemTimes
from bot.storage.followups import FollowUp
from bot.storage.models import Incident, TimelineEntry
from bot.storage.postmortems import Postmortem


@dataclass(frozen=True)
class IncidentFacts:
    """One incident declared in the range with its metric events (only those before the range's end)."""

    id: int
    ref: str
    title: str
    private: bool
    severity: str
    severity_rank: int
    declared_at: datetime
    update_every: dict[str, timedelta | None]  # the cadence of each level, as the incident was declared under
    events: tuple[Event, ...]


def _cadences(snapshot: dict[str, Any]) -> dict[str, timedelta | None]:
    out: dict[str, timedelta | None] = {}
    for level in snapshot.get("severities", []):
        seconds = level.get("update_every")
        out[str(level.get("id"))] = timedelta(seconds=seconds) if seconds else None
    return out


def _event(kind: str, at: datetime, data: dict[str, Any] | None) -> Event:
    data = data or {}
    status = data.get("status")
    severity = data.get("to") if kind == "severity_changed" else data.get("severity")
    return Event(kind, at, str(status) if status else None, str(severity) if severity else None)


def incidents_declared(
    session: Session, since: datetime, until: datetime, severity: str | None = None
) -> list[IncidentFacts]:
    """Two queries: the incidents declared in ``[since, until)`` and all their metric events before ``until``."""
    in_range = [Incident.declared_at >= since, Incident.declared_at < until]
    if severity is not None:
        in_range.append(Incident.severity_id == severity)
    rows = session.execute(
        select(
            Incident.id,
            Incident.ref,
            Incident.title,
            Incident.private,
            Incident.severity_id,
            Incident.severity_rank,
            Incident.declared_at,
            Incident.policy_snapshot,
        )
        .where(*in_range)
        .order_by(Incident.declared_at, Incident.id)
    ).all()
    ids = select(Incident.id).where(*in_range).scalar_subquery()
    events: dict[int, list[Event]] = defaultdict(list)
    for incident_id, kind, at, data in session.execute(
        select(TimelineEntry.incident_id, TimelineEntry.kind, TimelineEntry.occurred_at, TimelineEntry.data)
        .where(
            TimelineEntry.incident_id.in_(ids),
            TimelineEntry.kind.in_(sorted(METRIC_KINDS)),
            TimelineEntry.occurred_at < until,
        )
        .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
    ):
        events[incident_id].append(_event(kind, at, data))
    return [
        IncidentFacts(
            id=r.id,
            ref=r.ref,
            title=r.title,
            private=r.private,
            severity=r.severity_id,
            severity_rank=r.severity_rank,
            declared_at=r.declared_at,
            update_every=_cadences(r.policy_snapshot or {}),
            events=tuple(events.get(r.id, ())),
        )
        for r in rows
    ]


def follow_ups_touching(
    session: Session, since: datetime, until: datetime, severity: str | None = None
) -> list[tuple[str, int, FollowUpTimes]]:
    """``(incident severity, its rank, times)`` of every follow-up created before ``until`` and not closed before ``since``."""
    stmt = (
        select(Incident.severity_id, Incident.severity_rank, FollowUp.created_at, FollowUp.done_at, FollowUp.due_on)
        .join(Incident, Incident.id == FollowUp.incident_id)
        .where(FollowUp.created_at < until, or_(FollowUp.done_at.is_(None), FollowUp.done_at >= since))
    )
    if severity is not None:
        stmt = stmt.where(Incident.severity_id == severity)
    return [
        (sev, rank, FollowUpTimes(created, done, overdue_at(due) if due else None))
        for sev, rank, created, done, due in session.execute(stmt)
    ]


def postmortems_due(
    session: Session, since: datetime, until: datetime, severity: str | None = None
) -> list[tuple[str, int, PostmortemTimes]]:
    """``(incident severity, its rank, times)`` of every post-mortem due in ``[since, until)``, whenever it was declared."""
    stmt = (
        select(Incident.severity_id, Incident.severity_rank, Postmortem.due_at, Postmortem.done_at, Postmortem.skipped_at)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(Postmortem.due_at >= since, Postmortem.due_at < until)
    )
    if severity is not None:
        stmt = stmt.where(Incident.severity_id == severity)
    return [
        (sev, rank, PostmortemTimes(due, done, skipped)) for sev, rank, due, done, skipped in session.execute(stmt)
    ]


def severities_recorded(session: Session) -> list[str]:
    """Every severity id an incident carries, for a report asked about a level no longer in the playbooks."""
    return sorted(str(s) for s in session.execute(select(Incident.severity_id).distinct()).scalars())
