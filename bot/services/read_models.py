"""Read models handed to the Slack layer: plain data built from the stored incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.roles import COMMANDER, Role, RoleCatalog
from bot.domain.severity import Severity, SeverityPolicy
from bot.domain.status import Status
from bot.storage.models import Incident, TimelineEntry


@dataclass(frozen=True)
class RoleHolder:
    role: Role
    user_id: str | None


@dataclass(frozen=True)
class IncidentView:
    """Everything needed to render an incident, detached from the database session."""

    id: int
    ref: str
    title: str
    description: str
    severity: Severity
    status: Status
    reporter_id: str
    private: bool
    roles: tuple[RoleHolder, ...]
    channel_id: str | None
    channel_name: str | None
    card_ts: str | None
    broadcast_channel_id: str | None
    broadcast_ts: str | None
    impact: str
    last_update_text: str
    last_update_by: str | None
    last_update_at: datetime | None
    next_update_due_at: datetime | None
    resolution_summary: str
    declared_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    severity_levels: tuple[Severity, ...] = field(default=())
    root_cause: str = ""
    summary_ts: str | None = None
    broadcast_digest: str | None = None
    archive_due_at: datetime | None = None
    channel_archived_at: datetime | None = None
    # Declared by an alert: its name, source, link and labels, and counts over the incident's alerts.
    alert_summary: dict[str, Any] | None = None

    @property
    def commander_id(self) -> str | None:
        return self.holder(COMMANDER)

    def holder(self, role_id: str) -> str | None:
        for item in self.roles:
            if item.role.id == role_id:
                return item.user_id
        return None

    @property
    def role_catalog(self) -> RoleCatalog:
        return RoleCatalog.of(h.role for h in self.roles)

    @property
    def people(self) -> list[str]:
        """Reporter and role holders, without duplicates, in a stable order."""
        seen: list[str] = []
        for uid in (self.reporter_id, *(h.user_id for h in self.roles)):
            if uid and uid not in seen and not uid.startswith("alert: "):  # an alert is nobody to invite
                seen.append(uid)
        return seen

    def duration(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.declared_at


def snapshot_roles(snapshot: dict[str, Any]) -> RoleCatalog:
    return RoleCatalog.of(Role.from_snapshot(r) for r in snapshot.get("roles", []))


def snapshot_severities(snapshot: dict[str, Any]) -> SeverityPolicy:
    return SeverityPolicy.of(Severity.from_snapshot(s) for s in snapshot.get("severities", []))


def incident_view(incident: Incident) -> IncidentView:
    catalog = snapshot_roles(incident.policy_snapshot)
    held = {a.role_id: a.user_id for a in incident.roles}
    levels = snapshot_severities(incident.policy_snapshot)
    severity = levels.lookup(incident.severity_id) or Severity(
        id=incident.severity_id, name=incident.severity_id
    )
    return IncidentView(
        id=incident.id,
        ref=incident.ref,
        title=incident.title,
        description=incident.description,
        severity=severity,
        status=Status(incident.status),
        reporter_id=incident.reporter_id,
        private=incident.private,
        roles=tuple(RoleHolder(role, held.get(role.id)) for role in catalog),
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        card_ts=incident.card_ts,
        broadcast_channel_id=incident.broadcast_channel_id,
        broadcast_ts=incident.broadcast_ts,
        impact=incident.impact,
        last_update_text=incident.last_update_text,
        last_update_by=incident.last_update_by,
        last_update_at=incident.last_update_at,
        next_update_due_at=incident.next_update_due_at,
        resolution_summary=incident.resolution_summary,
        declared_at=incident.declared_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        severity_levels=tuple(levels),
        root_cause=incident.root_cause,
        summary_ts=incident.summary_ts,
        broadcast_digest=incident.broadcast_digest,
        archive_due_at=incident.archive_due_at,
        channel_archived_at=incident.channel_archived_at,
        alert_summary=dict(incident.alert_summary) if incident.alert_summary else None,
    )


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    actor_id: str | None
    text: str
    data: dict[str, Any]
    occurred_at: datetime
    permalink: str | None


def entry_view(entry: TimelineEntry) -> EntryView:
    return EntryView(
        id=entry.id,
        kind=entry.kind,
        actor_id=entry.actor_id,
        text=entry.text,
        data=dict(entry.data or {}),
        occurred_at=entry.occurred_at,
        permalink=entry.permalink,
    )
