"""The follow-ups (action items) table and its queries: numbered per incident, open until someone closes one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.domain.followups import OVERDUE_EFFECT, FollowUpView, overdue_at, overdue_effect
from bot.storage.models import Base, Incident, utcnow
from bot.storage.scheduling_models import EffectFired


class FollowUp(Base):
    """One action item of an incident; ``external_url`` is kept for a tracker issue mirroring it."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("incident_id", "number"),
        Index("ix_follow_ups_owner_open", "owner_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(32), default=None)
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str | None] = mapped_column(String(32), default=None)
    external_url: Mapped[str | None] = mapped_column(String(500), default=None)


def view(row: FollowUp, incident: Incident | None = None) -> FollowUpView:
    return FollowUpView(
        id=row.id,
        incident_id=row.incident_id,
        number=row.number,
        text=row.text,
        owner_id=row.owner_id,
        due_on=row.due_on,
        created_by=row.created_by,
        created_at=row.created_at,
        done_at=row.done_at,
        done_by=row.done_by,
        external_url=row.external_url,
        incident_ref=incident.ref if incident else "",
        incident_title=incident.title if incident else "",
    )


def add(
    session: Session,
    incident: Incident,
    text: str,
    *,
    owner_id: str | None,
    due_on: date | None,
    created_by: str,
    at: datetime,
) -> FollowUp:
    """The incident's next follow-up; hold the incident row locked so two adds never take the same number."""
    last = session.execute(
        select(func.max(FollowUp.number)).where(FollowUp.incident_id == incident.id)
    ).scalar_one_or_none()
    row = FollowUp(
        incident_id=incident.id,
        number=int(last or 0) + 1,
        text=text,
        owner_id=owner_id,
        due_on=due_on,
        created_by=created_by,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def by_number(session: Session, incident_id: int, number: int, *, lock: bool = False) -> FollowUp | None:
    stmt = select(FollowUp).where(FollowUp.incident_id == incident_id, FollowUp.number == number)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def of_incident(session: Session, incident_id: int, *, open_only: bool = False) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.incident_id == incident_id)
    if open_only:
        stmt = stmt.where(FollowUp.done_at.is_(None))
    return list(session.execute(stmt.order_by(FollowUp.number)).scalars())


def open_of_owner(session: Session, owner_id: str) -> list[tuple[FollowUp, Incident]]:
    """A person's open follow-ups across incidents, oldest incident first."""
    rows = session.execute(
        select(FollowUp, Incident)
        .join(Incident, Incident.id == FollowUp.incident_id)
        .where(FollowUp.owner_id == owner_id, FollowUp.done_at.is_(None))
        .order_by(Incident.declared_at, Incident.id, FollowUp.number)
    ).all()
    return [(f, i) for f, i in rows]


def _told(session: Session, incident_ids: list[int]) -> set[tuple[int, str]]:
    """``(incident id, effect kind)`` of the overdue DMs already sent for these incidents."""
    if not incident_ids:
        return set()
    rows = session.execute(
        select(EffectFired.incident_id, EffectFired.kind).where(
            EffectFired.incident_id.in_(incident_ids), EffectFired.kind.startswith(f"{OVERDUE_EFFECT}:")
        )
    ).all()
    return {(iid, kind) for iid, kind in rows}


def overdue_pending(session: Session, incident_id: int | None = None) -> list[FollowUp]:
    """Open follow-ups with an owner and a due date whose owner has not been told they are overdue yet."""
    stmt = select(FollowUp).where(
        FollowUp.done_at.is_(None), FollowUp.owner_id.is_not(None), FollowUp.due_on.is_not(None)
    )
    if incident_id is not None:
        stmt = stmt.where(FollowUp.incident_id == incident_id)
    rows = list(session.execute(stmt.order_by(FollowUp.incident_id, FollowUp.number)).scalars())
    told = _told(session, sorted({r.incident_id for r in rows}))
    return [r for r in rows if (r.incident_id, overdue_effect(r.number)) not in told]


def overdue_due_times(session: Session) -> list[tuple[int, datetime]]:
    """``(incident id, when its next follow-up falls overdue)`` for each incident with an owner to tell."""
    earliest: dict[int, datetime] = {}
    for row in overdue_pending(session):
        assert row.due_on is not None
        at = overdue_at(row.due_on)
        if row.incident_id not in earliest or at < earliest[row.incident_id]:
            earliest[row.incident_id] = at
    return sorted(earliest.items())
