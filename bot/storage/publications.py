"""Published updates: the public face of an incident (title, status) and each update a person published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.domain.publication import ComponentState, ComponentStatus, PublicStatus, worst
from bot.storage.models import Base, utcnow


class PublicIncident(Base):
    """What the public knows of one incident; ``private`` incidents are never shown (nor published)."""

    __tablename__ = "public_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    public_title: Mapped[str] = mapped_column(String(200))
    public_status: Mapped[str] = mapped_column(String(32))
    private: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # The Atlassian Statuspage incident, once created; the marker is set before the create is sent.
    statuspage_incident_id: Mapped[str | None] = mapped_column(String(64), default=None)
    statuspage_marker: Mapped[str | None] = mapped_column(String(64), default=None)


class PublicUpdate(Base):
    """One publication: the status, message and component statuses a person published, and when."""

    __tablename__ = "public_updates"
    __table_args__ = (Index("ix_public_updates_incident_time", "incident_id", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    public_title: Mapped[str] = mapped_column(String(200))
    public_status: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    # [{"id": component id from statuspage.yaml, "status": ComponentStatus value}]
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    published_by: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


def public_incident(session: Session, incident_id: int, *, lock: bool = False) -> PublicIncident | None:
    stmt = select(PublicIncident).where(PublicIncident.incident_id == incident_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def updates_of(session: Session, incident_id: int) -> list[PublicUpdate]:
    """An incident's publications, oldest first."""
    stmt = (
        select(PublicUpdate)
        .where(PublicUpdate.incident_id == incident_id)
        .order_by(PublicUpdate.published_at, PublicUpdate.id)
    )
    return list(session.execute(stmt).scalars())


def latest_update(session: Session, incident_id: int) -> PublicUpdate | None:
    stmt = (
        select(PublicUpdate)
        .where(PublicUpdate.incident_id == incident_id)
        .order_by(PublicUpdate.published_at.desc(), PublicUpdate.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def component_states(row: PublicUpdate) -> list[ComponentState]:
    return [ComponentState.from_json(item) for item in row.components or ()]


def current_component_status(session: Session) -> dict[str, ComponentStatus]:
    """Per component id, the worst status in the latest publication of each publicly open incident.

    Components no open incident names are absent (operational); private incidents never count.
    """
    open_rows = session.execute(
        select(PublicIncident.incident_id).where(
            PublicIncident.public_status != PublicStatus.RESOLVED.value, PublicIncident.private.is_(False)
        )
    ).scalars()
    found: dict[str, list[ComponentStatus]] = {}
    for incident_id in open_rows:
        latest = latest_update(session, incident_id)
        if latest is None:
            continue
        for state in component_states(latest):
            found.setdefault(state.id, []).append(state.status)
    return {cid: worst(statuses) for cid, statuses in found.items()}
