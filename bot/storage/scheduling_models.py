"""The due-time tables the scheduler trusts: escalation chains, effects already fired and reports already sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.escalation import ChainState, check_move
from bot.storage.models import Base, utcnow


class Escalation(Base):
    """One paging chain per incident: the step last paged and when the next step is due."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_state_due", "state", "next_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    # -1 until level 1 has been paged.
    level: Mapped[int] = mapped_column(Integer, default=-1)
    # A ``ChainState`` value; moved only through ``move`` (the domain's transition table).
    state: Mapped[str] = mapped_column(String(16), default=ChainState.ACTIVE.value)
    next_due_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def chain_state(self) -> ChainState:
        return ChainState(self.state)

    def move(self, target: ChainState, next_due_at: datetime | None = None) -> None:
        """Go to ``target`` (``IllegalChainMove`` if the table forbids it), due next at ``next_due_at``."""
        self.state = check_move(self.chain_state, target).value
        self.next_due_at = next_due_at


class EffectFired(Base):
    """A nudge, page or snooze that happened; the unique key turns a second fire into a no-op."""

    __tablename__ = "effects_fired"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReportRun(Base):
    """A daily digest or weekly report that was sent for one local day; the unique key makes it once."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The local date the run is for (ISO), in the schedule's timezone.
    period: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)
