"""What the public status page reads: published incidents (never private ones) and their public updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.domain.publication import PublicStatus
from bot.storage.models import Incident
from bot.storage.publications import PublicIncident, PublicUpdate


def shown_incidents(session: Session, resolved_since: datetime) -> list[PublicIncident]:
    """Publicly open incidents and those resolved since ``resolved_since``, newest first; never a private one
    (neither published as private nor private now)."""
    resolved_at = func.coalesce(PublicIncident.resolved_at, PublicIncident.updated_at)
    stmt = (
        select(PublicIncident)
        .join(Incident, Incident.id == PublicIncident.incident_id)
        .where(
            PublicIncident.private.is_(False),
            Incident.private.is_(False),
            or_(PublicIncident.public_status != PublicStatus.RESOLVED.value, resolved_at >= resolved_since),
        )
        .order_by(PublicIncident.created_at.desc(), PublicIncident.id.desc())
    )
    return list(session.execute(stmt).scalars())


def updates_of_all(session: Session, incident_ids: Sequence[int]) -> list[PublicUpdate]:
    """The publications of these incidents, newest first (one query)."""
    if not incident_ids:
        return []
    stmt = (
        select(PublicUpdate)
        .where(PublicUpdate.incident_id.in_(list(incident_ids)))
        .order_by(PublicUpdate.published_at.desc(), PublicUpdate.id.desc())
    )
    return list(session.execute(stmt).scalars())
