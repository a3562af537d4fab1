"""The page DMs sent to people, kept so each one can be edited in place once the page is answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import UnitOfWork
from bot.storage.models import Base, utcnow


class PageDm(Base):
    """One page DM: where it is (channel and ts) and what has become of the page since."""

    __tablename__ = "page_dms"
    __table_args__ = (UniqueConstraint("channel_id", "ts"), Index("ix_page_dms_incident_id", "incident_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    level: Mapped[int]  # 1-based escalation level; 0 for people paged outside the chain
    reason: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    acknowledged_by: Mapped[str | None] = mapped_column(String(32), default=None)
    escalated_to: Mapped[int | None] = mapped_column(default=None)
    resolved: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class PageDmView:
    id: int
    incident_id: int
    user_id: str
    level: int
    reason: str
    channel_id: str
    ts: str
    acknowledged_by: str | None
    escalated_to: int | None
    resolved: bool


def _view(row: PageDm) -> PageDmView:
    return PageDmView(
        row.id, row.incident_id, row.user_id, row.level, row.reason, row.channel_id, row.ts,
        row.acknowledged_by, row.escalated_to, row.resolved,
    )


class PageDmStore:
    """Records page DMs and what became of them; each method is its own short transaction."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, incident_id: int, user_id: str, level: int, reason: str, channel_id: str, ts: str) -> None:
        """Remember a page DM; recording the same message again (a retried delivery) changes nothing."""
        with self.uow() as session:
            found = session.execute(
                select(PageDm.id).where(PageDm.channel_id == channel_id, PageDm.ts == ts)
            ).first()
            if found is None:
                session.add(PageDm(incident_id=incident_id, user_id=user_id, level=level, reason=reason,
                                   channel_id=channel_id, ts=ts))

    def unresolved(self, incident_id: int) -> list[PageDmView]:
        """The incident's page DMs that do not say "resolved" yet, oldest first."""
        with self.uow() as session:
            rows = session.execute(
                select(PageDm).where(PageDm.incident_id == incident_id, PageDm.resolved.is_(False))
                .order_by(PageDm.id)
            ).scalars()
            return [_view(r) for r in rows]

    def update(self, dm_id: int, **fields: Any) -> None:
        with self.uow() as session:
            row = session.get(PageDm, dm_id)
            if row is not None:
                for key, value in fields.items():
                    setattr(row, key, value)
