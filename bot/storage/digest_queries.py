"""The reads behind the daily digest: incidents resolved since a moment, follow-ups and post-mortems past due."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.storage.followups import FollowUp
from bot.storage.models import Incident
from bot.storage.postmortems import Postmortem


def resolved_since(session: Session, since: datetime) -> list[Incident]:
    """Incidents resolved at or after ``since`` (and still resolved), latest resolution first."""
    stmt = (
        select(Incident)
        .where(Incident.status == "resolved", Incident.resolved_at.is_not(None), Incident.resolved_at >= since)
        .options(selectinload(Incident.roles))
        .order_by(Incident.resolved_at.desc())
    )
    return list(session.execute(stmt).scalars())


def follow_ups_due_before(session: Session, day: date) -> list[tuple[FollowUp, Incident]]:
    """Open follow-ups whose due day is before ``day``, oldest due first, with their incident."""
    stmt = (
        select(FollowUp, Incident)
        .join(Incident, Incident.id == FollowUp.incident_id)
        .where(FollowUp.done_at.is_(None), FollowUp.due_on.is_not(None), FollowUp.due_on < day)
        .order_by(FollowUp.due_on, Incident.id, FollowUp.number)
    )
    return [(f, i) for f, i in session.execute(stmt).all()]


def postmortems_due_before(session: Session, moment: datetime) -> list[tuple[Postmortem, Incident]]:
    """Post-mortems of resolved incidents due before ``moment`` and neither done nor skipped, oldest due first."""
    stmt = (
        select(Postmortem, Incident)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(
            Incident.status == "resolved",
            Postmortem.due_at.is_not(None),
            Postmortem.due_at < moment,
            Postmortem.done_at.is_(None),
            Postmortem.skipped_at.is_(None),
        )
        .order_by(Postmortem.due_at, Incident.id)
    )
    return [(p, i) for p, i in session.execute(stmt).all()]
