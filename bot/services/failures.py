"""A permanently failed outbox delivery is never silent: logged with its incident, and told by a notice."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.domain.events import DeliveryFailed
from bot.services.outbox import GiveUp
from bot.storage import outbox
from bot.storage import repositories as repo
from bot.storage.models import OutboxMessage

log = logging.getLogger(__name__)


def report_failure(session: Session, msg: OutboxMessage, error: str, refused: GiveUp | None = None) -> None:
    """Log the given-up message and queue its notice in the same transaction that sets it aside.

    A failed notice is only logged: a notice about a notice could fail the same way, again and again.
    """
    incident = repo.get_incident(session, msg.incident_id) if msg.incident_id else None
    ref = incident.ref if incident is not None else "no incident"
    log.error(
        "outbox: gave up on %s #%s (%s) after %s attempt(s): %s; see `incident-bot outbox list --failed`",
        msg.event,
        msg.id,
        ref,
        msg.attempts,
        error,
    )
    if incident is None or msg.event == DeliveryFailed.kind:
        return
    notice = DeliveryFailed(
        message_id=msg.id,
        failed_kind=msg.event,
        error=error,
        code=refused.code if refused else None,
        channel=refused.channel if refused else None,
    )
    outbox.enqueue(session, incident.id, notice)
