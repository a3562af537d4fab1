"""Tables of alerts in: the durable queue of raw bodies, the worker's lease, and the alerts behind incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class AlertQueueItem(Base):
    """One accepted request body, written before the 202 and routed later by the worker."""

    __tablename__ = "alert_queue"
    __table_args__ = (Index("ix_alert_queue_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # pending (waiting for the worker), done (routed), dead (given up: a poison body)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(Text, default="")
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class AlertWorkerLease(Base):
    """Which process works the queue until when: one at a time, so routing never races itself."""

    __tablename__ = "alert_worker_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column()


class IncidentAlert(Base):
    """An alert (source and fingerprint) that declared or joined an incident, and how often it fired."""

    __tablename__ = "incident_alerts"
    __table_args__ = (
        Index("ix_incident_alerts_fingerprint", "source", "fingerprint"),
        Index("ix_incident_alerts_group_key", "group_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(100), default="")
    group_key: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str] = mapped_column(String(16), default="firing")
    fired: Mapped[int] = mapped_column(Integer, default=1)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(Text, default="")
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
