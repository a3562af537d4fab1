"""Read-only queries behind the shared-state gauges of ``/metrics`` (every replica reads the same rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.status import Status
from bot.storage.models import Incident, OutboxMessage


@dataclass(frozen=True)
class SharedState:
    open_by_severity: dict[str, int]
    outbox_pending: int
    outbox_oldest_created_at: datetime | None


def shared_state(session: Session) -> SharedState:
    open_rows = session.execute(
        select(Incident.severity_id, func.count())
        .where(Incident.status != Status.RESOLVED.value)
        .group_by(Incident.severity_id)
    ).all()
    pending, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.state == "pending")
    ).one()
    if isinstance(oldest, str):  # some drivers hand back the stored text for an aggregate
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return SharedState({str(s): int(n) for s, n in open_rows}, int(pending or 0), oldest)
