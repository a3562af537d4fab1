"""Queries on runbooks attached to incidents. Functions flush at most; only the unit of work commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.storage.runbook_models import AttachedRunbook


def attached_to(session: Session, incident_id: int) -> list[AttachedRunbook]:
    """The incident's attached runbooks with their step progress, in attach order."""
    stmt = (
        select(AttachedRunbook)
        .where(AttachedRunbook.incident_id == incident_id)
        .options(selectinload(AttachedRunbook.steps))
        .order_by(AttachedRunbook.id)
    )
    return list(session.execute(stmt).scalars())


def get(session: Session, attached_id: int, *, lock: bool = False) -> AttachedRunbook | None:
    stmt = (
        select(AttachedRunbook)
        .where(AttachedRunbook.id == attached_id)
        .options(selectinload(AttachedRunbook.steps))
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def find(session: Session, incident_id: int, runbook_id: str) -> AttachedRunbook | None:
    """The incident's attachment of ``runbook_id``, if it has one."""
    stmt = select(AttachedRunbook).where(
        AttachedRunbook.incident_id == incident_id, AttachedRunbook.runbook_id == runbook_id
    )
    return session.execute(stmt).scalar_one_or_none()
