"""Slack requests written before they are acknowledged: save, take over a lapsed one, forget once handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import PendingRequest


@dataclass(frozen=True)
class Pending:
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def save(session: Session, key: str, kind: str, payload: dict[str, Any], now: datetime, run_after: datetime) -> bool:
    """Write a request; False when one with this key is already there (Slack sent it twice)."""
    try:
        with session.begin_nested():
            session.add(PendingRequest(key=key, kind=kind, payload=payload, run_after=run_after, created_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def lapsed(session: Session, now: datetime, limit: int = 20) -> list[str]:
    """Keys of requests nobody handles any more (their lease ran out), oldest first."""
    stmt = (
        select(PendingRequest.key)
        .where(PendingRequest.run_after <= now)
        .order_by(PendingRequest.created_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def take_over(session: Session, key: str, now: datetime, run_after: datetime) -> Pending | None:
    """Claim a lapsed request for this process until ``run_after``; None when another process got it first."""
    claimed = session.execute(
        update(PendingRequest)
        .where(PendingRequest.key == key, PendingRequest.run_after <= now)
        .values(run_after=run_after, attempts=PendingRequest.attempts + 1)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    row = session.get(PendingRequest, key, populate_existing=True)
    if row is None:
        return None
    return Pending(row.key, row.kind, dict(row.payload or {}), row.attempts)


def forget(session: Session, key: str) -> None:
    session.execute(delete(PendingRequest).where(PendingRequest.key == key))


def count(session: Session) -> int:
    return len(session.execute(select(PendingRequest.key)).all())
