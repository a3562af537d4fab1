"""The alerts behind incidents: find an open incident by fingerprint or group, record firings, summarize."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.storage.alert_models import IncidentAlert
from bot.storage.models import Incident, OutboxMessage

RESOLVED = "resolved"


def open_with_fingerprint(session: Session, source: str, fingerprint: str) -> list[IncidentAlert]:
    """This alert's rows on incidents still open, oldest incident first."""
    stmt = (
        select(IncidentAlert)
        .join(Incident, Incident.id == IncidentAlert.incident_id)
        .where(
            IncidentAlert.source == source,
            IncidentAlert.fingerprint == fingerprint,
            Incident.status != RESOLVED,
        )
        .order_by(IncidentAlert.incident_id)
    )
    return list(session.execute(stmt).scalars())


def open_group(session: Session, group_key: str, declared_since: datetime) -> Incident | None:
    """The open incident an alert of this group joins: declared by the group at or after ``declared_since``."""
    stmt = (
        select(Incident)
        .join(IncidentAlert, IncidentAlert.incident_id == Incident.id)
        .where(
            IncidentAlert.group_key == group_key,
            Incident.status != RESOLVED,
            Incident.declared_at >= declared_since,
        )
        .order_by(Incident.declared_at)
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def add(
    session: Session,
    incident_id: int,
    *,
    source: str,
    fingerprint: str,
    name: str,
    rule: str,
    group_key: str | None,
    labels: dict[str, str],
    url: str,
    at: datetime,
) -> IncidentAlert:
    row = IncidentAlert(
        incident_id=incident_id,
        source=source,
        fingerprint=fingerprint[:255],
        name=name[:200],
        rule=rule[:100],
        group_key=group_key,
        status="firing",
        fired=1,
        labels=dict(labels),
        url=url,
        first_at=at,
        last_at=at,
    )
    session.add(row)
    session.flush()
    return row


def of_incident(session: Session, incident_id: int) -> list[IncidentAlert]:
    stmt = select(IncidentAlert).where(IncidentAlert.incident_id == incident_id).order_by(IncidentAlert.id)
    return list(session.execute(stmt).scalars())


def summary(session: Session, incident_id: int) -> dict[str, Any]:
    """What the card shows: the first alert (name, source, link, labels) and the counts over all of them."""
    first = session.execute(
        select(IncidentAlert).where(IncidentAlert.incident_id == incident_id).order_by(IncidentAlert.id).limit(1)
    ).scalars().first()
    if first is None:
        return {}
    alerts, firing, fired = session.execute(
        select(
            func.count(IncidentAlert.id),
            func.sum(case((IncidentAlert.status != RESOLVED, 1), else_=0)),
            func.sum(IncidentAlert.fired),
        ).where(IncidentAlert.incident_id == incident_id)
    ).one()
    return {
        "name": first.name,
        "source": first.source,
        "url": first.url,
        "labels": dict(first.labels or {}),
        "alerts": int(alerts or 0),
        "firing": int(firing or 0),
        "fired": int(fired or 0),
    }


def card_refresh_waiting(session: Session, incident_id: int) -> bool:
    """True when a card refresh for the incident is queued and not yet taken: it will show the latest counts."""
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.incident_id == incident_id,
        OutboxMessage.event == "alerts.changed",
        OutboxMessage.state == "pending",
        OutboxMessage.locked_by.is_(None),
    )
    return session.execute(stmt.limit(1)).first() is not None
