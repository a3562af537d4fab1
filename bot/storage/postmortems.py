"""The post-mortems table: one row per incident, its latest draft revision, due time, reminders and outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.domain.postmortems import PostmortemView
from bot.storage.models import Base, Incident, utcnow


class Postmortem(Base):
    """An incident's post-mortem. ``revision`` counts resolutions (a reopened and re-resolved incident gets a
    new draft); ``markdown`` is the draft of ``rendered_revision``, ``file_id`` the upload of ``file_revision``.
    ``next_reminder_at`` is the scheduler's due time: set while the post-mortem is expected and not done."""

    __tablename__ = "postmortems"
    __table_args__ = (Index("ix_postmortems_next_reminder_at", "next_reminder_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    markdown: Mapped[str] = mapped_column(Text, default="")
    rendered_revision: Mapped[int] = mapped_column(Integer, default=0)
    file_id: Mapped[str | None] = mapped_column(String(32), default=None)
    file_revision: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    next_reminder_at: Mapped[datetime | None] = mapped_column(default=None)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str | None] = mapped_column(String(32), default=None)
    link: Mapped[str | None] = mapped_column(String(500), default=None)
    skipped_at: Mapped[datetime | None] = mapped_column(default=None)
    skipped_by: Mapped[str | None] = mapped_column(String(32), default=None)
    skipped_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def view(row: Postmortem) -> PostmortemView:
    return PostmortemView(
        incident_id=row.incident_id,
        revision=row.revision,
        due_at=row.due_at,
        done_at=row.done_at,
        done_by=row.done_by,
        link=row.link,
        skipped_at=row.skipped_at,
        skipped_by=row.skipped_by,
        skipped_reason=row.skipped_reason,
        file_id=row.file_id,
        reminders_sent=row.reminders_sent,
    )


def of_incident(session: Session, incident_id: int, *, lock: bool = False) -> Postmortem | None:
    stmt = select(Postmortem).where(Postmortem.incident_id == incident_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def expected(session: Session) -> list[tuple[Postmortem, Incident]]:
    """Post-mortems due (a due time set) and neither done nor skipped, with their incident, soonest due first."""
    rows = session.execute(
        select(Postmortem, Incident)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .where(Postmortem.due_at.is_not(None), Postmortem.done_at.is_(None), Postmortem.skipped_at.is_(None))
        .order_by(Postmortem.due_at)
    ).all()
    return [(p, i) for p, i in rows]


def reminder_due_times(session: Session) -> list[tuple[int, datetime]]:
    """``(incident id, next reminder)`` of every post-mortem expected and neither done nor skipped."""
    rows = session.execute(
        select(Postmortem.incident_id, Postmortem.next_reminder_at)
        .where(
            Postmortem.next_reminder_at.is_not(None),
            Postmortem.done_at.is_(None),
            Postmortem.skipped_at.is_(None),
        )
        .order_by(Postmortem.next_reminder_at)
    ).all()
    return [(iid, at) for iid, at in rows if at is not None]
