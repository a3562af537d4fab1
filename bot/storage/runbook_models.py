"""Tables for runbooks attached to incidents: the runbook as attached, its checklist messages, step progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, Incident, utcnow


class AttachedRunbook(Base):
    """A runbook attached to an incident, with a snapshot so later edits of the YAML do not change it."""

    __tablename__ = "incident_runbooks"
    __table_args__ = (UniqueConstraint("incident_id", "runbook_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    runbook_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    attached_by: Mapped[str] = mapped_column(String(32))
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # The ts of each posted checklist page, in page order; the first one holds the results thread.
    message_ts: Mapped[list[str]] = mapped_column(JSON, default=list)

    steps: Mapped[list[RunbookStepState]] = relationship(
        back_populates="attached", cascade="all, delete-orphan", order_by="RunbookStepState.id"
    )
    incident: Mapped[Incident] = relationship()


class RunbookStepState(Base):
    """Progress of one step of an attached runbook: who ticked it and the last run's outcome."""

    __tablename__ = "incident_runbook_steps"
    __table_args__ = (UniqueConstraint("attached_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attached_id: Mapped[int] = mapped_column(ForeignKey("incident_runbooks.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    done_by: Mapped[str | None] = mapped_column(String(32), default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    last_result: Mapped[str] = mapped_column(Text, default="")
    last_ok: Mapped[bool | None] = mapped_column(default=None)
    last_run_by: Mapped[str | None] = mapped_column(String(32), default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)

    attached: Mapped[AttachedRunbook] = relationship(back_populates="steps")
