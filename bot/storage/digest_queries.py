"""The reads behind the daily digest: incidents resolved since a moment, and open follow-ups past their day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.storage.followups import FollowUp
from bot.storage.models import Incident


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
