"""Overdue follow-ups: when each incident's next one falls overdue, and the job that DMs its owner once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.events import FollowUpOverdue
from bot.domain.followups import OVERDUE_EFFECT, overdue_at, overdue_effect
from bot.storage import followups as store
from bot.storage import outbox, schedule
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork


class FollowUpOverdueJob:
    """``followup_overdue`` jobs: one per incident with an owned, dated, open follow-up whose owner was not
    told yet, due when the earliest of them falls overdue (whatever the incident's status: follow-ups
    outlive the incident). Each follow-up's DM is recorded by its own effect key, so it is sent once."""

    kind = OVERDUE_EFFECT

    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime], early: timedelta) -> None:
        self.uow = uow
        self.clock = clock
        self.early = early

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        return store.overdue_due_times(session)

    def fire(self, incident_id: int) -> bool:
        now = self.clock()
        sent = False
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None:
                return False
            for row in store.overdue_pending(session, incident.id):
                assert row.due_on is not None and row.owner_id is not None
                due = overdue_at(row.due_on)
                if due > now + self.early:
                    continue
                if not schedule.claim_effect(session, incident.id, overdue_effect(row.number), due, at=now):
                    continue
                outbox.enqueue(
                    session,
                    incident.id,
                    FollowUpOverdue(
                        number=row.number, owner=row.owner_id, text=row.text, due_on=row.due_on.isoformat()
                    ),
                )
                sent = True
        return sent
