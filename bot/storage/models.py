"""SQLAlchemy 2 typed models: incidents, roles held, timeline, outbox, requests pending and de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite hands back naive values, which are re-tagged as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class IncidentCounter(Base):
    """The last sequence number handed out per year, for ``INC-YYYY-NNNN`` references."""

    __tablename__ = "incident_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_incidents_status_rank", "status", "severity_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity_id: Mapped[str] = mapped_column(String(64))
    severity_rank: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default="investigating")
    reporter_id: Mapped[str] = mapped_column(String(32))
    private: Mapped[bool] = mapped_column(default=False)
    # Snapshot of the severity levels and roles the incident was declared under.
    policy_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    channel_name: Mapped[str | None] = mapped_column(String(80), default=None)
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    broadcast_channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    broadcast_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    # What the broadcast message last showed (a digest), so an edit that would change nothing is skipped.
    broadcast_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # The `/incident summary` message, edited in place when the summary is asked for again.
    summary_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    impact: Mapped[str] = mapped_column(Text, default="")
    last_update_text: Mapped[str] = mapped_column(Text, default="")
    last_update_by: Mapped[str | None] = mapped_column(String(32), default=None)
    last_update_at: Mapped[datetime | None] = mapped_column(default=None)
    next_update_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Incidents declared by an alert: what the card shows of its alerts (firings, resolved, link, labels).
    alert_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32), default=None)
    mitigated_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the resolved incident's channel is to be archived (set on resolve, cleared on reopen or once fired).
    archive_due_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the bot archived the channel; cleared when a reopen unarchives it.
    channel_archived_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="RoleAssignment.assigned_at"
    )


class RoleAssignment(Base):
    """Who holds a role now; handovers replace the row and leave a timeline entry."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("incident_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str | None] = mapped_column(String(32), default=None)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="roles")


class TimelineEntry(Base):
    """Everything that happens to an incident: who, what, when, and the Slack permalink."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_incident_time", "incident_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    permalink: Mapped[str | None] = mapped_column(String(500), default=None)
    dedup_key: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)


class OutboxMessage(Base):
    """A domain event Slack must show, committed with the change and delivered (and retried) after."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), default=None
    )
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A claim by one dispatcher (any replica) so a message is delivered by one process at a time.
    locked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class ProcessedRequest(Base):
    """Keys of requests already handled (Events API retries, double submissions)."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingRequest(Base):
    """A Slack request written before it is acknowledged, deleted once handled; a crashed process's are redone.

    ``run_after`` is when another process may take it over: a short lease the acknowledging process holds
    while it handles the request, extended by whoever redoes it.
    """

    __tablename__ = "pending_requests"
    __table_args__ = (Index("ix_pending_requests_run_after", "run_after"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
