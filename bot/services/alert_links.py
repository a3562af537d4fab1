"""Alerts recorded on incidents: link an alert (timeline and card summary), count a repeat, refresh the card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.alerts.model import Alert
from bot.domain.alert_rules import AlertRule
from bot.domain.events import AlertsChanged
from bot.storage import incident_alerts as links
from bot.storage import outbox
from bot.storage import repositories as repo
from bot.storage.alert_models import IncidentAlert
from bot.storage.models import Incident


def fired_again(session: Session, row: IncidentAlert, alert: Alert, key: str, now: datetime) -> Incident:
    """The same alert again while its incident is open: one more firing on the card and in the timeline."""
    incident = repo.get_incident(session, row.incident_id)
    assert incident is not None
    row.fired += 1
    row.status = "firing"
    row.last_at = now
    session.flush()
    incident.alert_summary = links.summary(session, incident.id)
    repo.add_entry(
        session, incident, "alert_fired", None,
        f"Alert {alert.name} fired again ({row.fired} times)",
        {"source": alert.source, "fingerprint": alert.fingerprint, "fired": row.fired}, at=now, dedup_key=key,
    )
    refresh_card(session, incident.id)
    return incident


def link(
    session: Session,
    incident: Incident,
    alert: Alert,
    rule: AlertRule,
    group_key: str | None,
    key: str | None,
    now: datetime,
    kind: str,
) -> None:
    """Record ``alert`` on ``incident`` (declared by it, or joining it) with a timeline entry keyed ``key``."""
    links.add(
        session, incident.id, source=alert.source, fingerprint=alert.fingerprint, name=alert.name,
        rule=rule.name, group_key=group_key, labels=alert.labels, url=alert.url, at=now,
    )
    incident.alert_summary = links.summary(session, incident.id)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    verb = "joined the incident" if kind == "alert_grouped" else "fired"
    text = f"Alert {alert.name} ({alert.source}) {verb}: {alert.summary}".rstrip(": ")
    repo.add_entry(
        session, incident, kind, None, text + (f" [{shown}]" if shown else ""),
        {"source": alert.source, "name": alert.name, "fingerprint": alert.fingerprint, "labels": dict(alert.labels),
         "url": alert.url, "rule": rule.name},
        at=now, dedup_key=key,
    )


def refresh_card(session: Session, incident_id: int) -> None:
    """Queue a card refresh unless one is already waiting (it reads the counts when delivered)."""
    if not links.card_refresh_waiting(session, incident_id):
        outbox.enqueue(session, incident_id, AlertsChanged())
