"""Channel clean-up: a resolved incident's channel is archived ``archive_after`` its resolution, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.events import ChannelArchiveDue
from bot.domain.status import Status
from bot.storage import outbox, schedule
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork

ARCHIVE_EFFECT = "archive_channel"


class ArchiveChannelJob:
    """``archive_channel`` jobs: due at the incident's ``archive_due_at`` (set on resolve, cleared on reopen).

    Firing claims the effect for that due time, so two replicas or a restarted scheduler queue the final
    summary and the archiving once; a reopen before then clears the due time and nothing fires.
    """

    kind = ARCHIVE_EFFECT

    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime], early: timedelta) -> None:
        self.uow = uow
        self.clock = clock
        self.early = early

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        return schedule.archive_due_times(session)

    def fire(self, incident_id: int) -> bool:
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None or incident.status != Status.RESOLVED.value:
                return False
            due = incident.archive_due_at
            if due is None or incident.channel_archived_at is not None or due > now + self.early:
                return False
            if not schedule.claim_effect(session, incident.id, ARCHIVE_EFFECT, due, at=now):
                return False
            incident.archive_due_at = None
            outbox.enqueue(session, incident.id, ChannelArchiveDue(due_at=due))
        return True
