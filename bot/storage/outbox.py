"""The outbox: typed events queued with the change that caused them, then claimed and delivered in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.domain.events import OutboxEvent
from bot.storage.models import OutboxMessage


def enqueue(session: Session, incident_id: int | None, event: OutboxEvent) -> None:
    """Queue ``event`` in this transaction: it is delivered only if the transaction commits."""
    session.add(OutboxMessage(event=event.kind, incident_id=incident_id, payload=event.to_payload()))


def pending(session: Session, limit: int = 500) -> list[tuple[int, int | None, datetime]]:
    """``(id, incident_id, next_attempt_at)`` of pending messages, oldest first."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.incident_id, OutboxMessage.next_attempt_at)
        .where(OutboxMessage.state == "pending")
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    return [(mid, iid, due) for mid, iid, due in rows]


def claim(session: Session, message_id: int, worker_id: str, now: datetime, until: datetime) -> bool:
    """Lock a pending message for ``worker_id`` unless another worker holds an unexpired claim."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state == "pending",
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_by=worker_id, locked_until=until)
    )
    return bool(getattr(claimed, "rowcount", 0))


def extend_claims(session: Session, message_ids: list[int], worker_id: str, until: datetime) -> int:
    """Push back the expiry of ``worker_id``'s claims on ``message_ids``; how many it still held."""
    renewed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.state == "pending",
            OutboxMessage.locked_by == worker_id,
        )
        .values(locked_until=until)
    )
    return int(getattr(renewed, "rowcount", 0) or 0)


def get(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def pending_count(session: Session) -> int:
    return len(session.execute(select(OutboxMessage.id).where(OutboxMessage.state == "pending")).all())


def kinds(session: Session, incident_id: int | None = None) -> list[str]:
    """The kinds of the messages queued (for an incident), in queue order."""
    stmt = select(OutboxMessage.event).order_by(OutboxMessage.id)
    if incident_id is not None:
        stmt = stmt.where(OutboxMessage.incident_id == incident_id)
    return list(session.execute(stmt).scalars())
