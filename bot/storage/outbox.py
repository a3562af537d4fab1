"""The outbox: typed events queued with the change that caused them, then claimed and delivered in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.domain.events import OutboxEvent
from bot.storage.models import Incident, OutboxMessage

# Written into a re-queued row's progress: the give-up clock restarts from here, not from ``created_at``.
REQUEUED_AT = "outbox:requeued_at"
STATES = ("pending", "dead", "done")


def enqueue(session: Session, incident_id: int | None, event: OutboxEvent) -> None:
    """Queue ``event`` in this transaction: it is delivered only if the transaction commits."""
    session.add(OutboxMessage(event=event.kind, incident_id=incident_id, payload=event.to_payload()))


def pending(session: Session, limit: int = 500) -> list[tuple[int, int | None, datetime, str]]:
    """``(id, incident_id, next_attempt_at, kind)`` of pending messages, oldest first."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.incident_id, OutboxMessage.next_attempt_at, OutboxMessage.event)
        .where(OutboxMessage.state == "pending")
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    return [(mid, iid, due, kind) for mid, iid, due, kind in rows]


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


def retries_since(msg: OutboxMessage) -> datetime:
    """When the message's day of retries began: queued, or re-queued by an operator since."""
    requeued = (msg.progress or {}).get(REQUEUED_AT)
    if isinstance(requeued, str):
        try:
            return max(msg.created_at, datetime.fromisoformat(requeued))
        except ValueError:
            return msg.created_at
    return msg.created_at


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


@dataclass(frozen=True)
class Listed:
    """One outbox row as an operator sees it."""

    id: int
    kind: str
    incident_ref: str | None
    state: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime


def listing(session: Session, states: tuple[str, ...] = ("pending", "dead"), limit: int = 200) -> list[Listed]:
    """Rows in ``states`` with their incident's ref, oldest first."""
    rows = session.execute(
        select(OutboxMessage, Incident.ref)
        .outerjoin(Incident, Incident.id == OutboxMessage.incident_id)
        .where(OutboxMessage.state.in_(states))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    return [
        Listed(m.id, m.event, ref, m.state, m.attempts, m.last_error, m.created_at, m.next_attempt_at)
        for m, ref in rows
    ]


def requeue(session: Session, message_id: int, now: datetime) -> str | None:
    """Put a failed row back in the queue, due now, its progress (steps already done) kept.

    Returns the row's state before (``None`` if there is no such row); only a ``dead`` row changes.
    """
    msg = session.get(OutboxMessage, message_id)
    if msg is None:
        return None
    before = msg.state
    if before == "dead":
        progress: dict[str, Any] = dict(msg.progress or {})
        progress[REQUEUED_AT] = now.isoformat()
        msg.state, msg.progress, msg.attempts = "pending", progress, 0
        msg.next_attempt_at, msg.locked_by, msg.locked_until = now, None, None
    return before
