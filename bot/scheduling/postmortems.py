"""Post-mortem reminders: due when the post-mortem is due, then daily, until it is done or skipped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.events import PostmortemReminder
from bot.domain.postmortems import REMINDER_EFFECT, next_reminder_after
from bot.services.read_models import incident_view
from bot.storage import outbox, schedule
from bot.storage import postmortems as store
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork


class PostmortemReminderJob:
    """``postmortem_reminder`` jobs: one per incident whose post-mortem is expected and neither done nor
    skipped, due at its ``next_reminder_at``. Each reminder is recorded by its due time (an effect key), so it
    is sent once across replicas and restarts; the IC is reminded, or the reporter when there is no IC."""

    kind = REMINDER_EFFECT

    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime], early: timedelta) -> None:
        self.uow = uow
        self.clock = clock
        self.early = early

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        return store.reminder_due_times(session)

    def fire(self, incident_id: int) -> bool:
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            row = store.of_incident(session, incident_id, lock=True) if incident is not None else None
            if incident is None or row is None or row.due_at is None:
                return False
            due = row.next_reminder_at
            if due is None or row.done_at is not None or row.skipped_at is not None or due > now + self.early:
                return False
            if not schedule.claim_effect(session, incident.id, REMINDER_EFFECT, due, at=now):
                return False
            view = incident_view(incident)
            owner = view.commander_id or view.reporter_id
            row.reminders_sent += 1
            row.last_reminded_at = now
            row.next_reminder_at = next_reminder_after(row.due_at, max(now, due))
            outbox.enqueue(session, incident.id, PostmortemReminder(owner=owner, due_at=row.due_at, nth=row.reminders_sent))
        return True
