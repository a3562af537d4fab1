"""The alert queue: write a body in one short insert, hold the worker lease, take the next body, settle it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.alert_models import AlertQueueItem, AlertWorkerLease

PENDING = "pending"
DONE = "done"
DEAD = "dead"
LEASE_NAME = "alerts"


def add(session: Session, source: str, body: str, now: datetime) -> int:
    item = AlertQueueItem(source=source, body=body, received_at=now, state=PENDING, attempts=0, outcome="")
    session.add(item)
    session.flush()
    return item.id


def hold_lease(session: Session, holder: str, now: datetime, until: datetime) -> bool:
    """Take or extend the worker lease: True when ``holder`` has it until ``until``."""
    taken = session.execute(
        update(AlertWorkerLease)
        .where(
            AlertWorkerLease.name == LEASE_NAME,
            (AlertWorkerLease.holder == holder) | (AlertWorkerLease.until <= now),
        )
        .values(holder=holder, until=until)
    )
    if getattr(taken, "rowcount", 0):
        return True
    if session.get(AlertWorkerLease, LEASE_NAME) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(AlertWorkerLease(name=LEASE_NAME, holder=holder, until=until))
            session.flush()
    except IntegrityError:
        return False  # another process created it first
    return True


def release_lease(session: Session, holder: str, now: datetime) -> None:
    session.execute(
        update(AlertWorkerLease)
        .where(AlertWorkerLease.name == LEASE_NAME, AlertWorkerLease.holder == holder)
        .values(until=now)
    )


def next_pending(session: Session, limit: int = 50) -> list[int]:
    stmt = select(AlertQueueItem.id).where(AlertQueueItem.state == PENDING).order_by(AlertQueueItem.id).limit(limit)
    return list(session.execute(stmt).scalars())


def start(session: Session, item_id: int) -> AlertQueueItem | None:
    """Count an attempt on a pending body and return it (None once settled)."""
    item = session.get(AlertQueueItem, item_id, populate_existing=True)
    if item is None or item.state != PENDING:
        return None
    item.attempts += 1
    session.flush()
    return item


def settle(session: Session, item_id: int, state: str, outcome: str, now: datetime) -> None:
    session.execute(
        update(AlertQueueItem)
        .where(AlertQueueItem.id == item_id)
        .values(state=state, outcome=outcome[:4000], processed_at=now)
    )


def get(session: Session, item_id: int) -> AlertQueueItem | None:
    return session.get(AlertQueueItem, item_id)


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(AlertQueueItem.state, func.count()).group_by(AlertQueueItem.state)).all()
    return {str(state): int(n) for state, n in rows}
