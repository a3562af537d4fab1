"""The daily digest job: due at the configured local time, sent once per local day across replicas and restarts.

It belongs to no incident: its one job has the key ``0`` (``daily_digest:0`` in the job store). The run of
each local day is recorded in ``report_runs`` (kind, day) in the same transaction as its outbox event, so a
second scheduler, a retry or a restart finds it claimed and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.events import DailyDigestPosted
from bot.domain.report_schedule import DAILY_DIGEST, LocalSchedule
from bot.services.digest import build_digest
from bot.storage import outbox, report_runs
from bot.storage.db import UnitOfWork

# The key of a job that belongs to no incident.
NO_INCIDENT = 0


def sent_days(session: Session, schedule: LocalSchedule, now: datetime) -> set[date]:
    """Which of today and tomorrow (local) already had their run."""
    today = schedule.local_day(now)
    days = {today, today + timedelta(days=1)}
    done = report_runs.sent_periods(session, schedule.kind, {schedule.period(d) for d in days})
    return {d for d in days if schedule.period(d) in done}


class DailyDigestJob:
    """``daily_digest``: today's run when its local time has come (late the same day after downtime; a day
    missed entirely is skipped), recorded by its ``(kind, day)`` so it is posted once."""

    kind = DAILY_DIGEST

    def __init__(
        self,
        uow: UnitOfWork,
        schedule: Callable[[], LocalSchedule | None],
        clock: Callable[[], datetime],
        early: timedelta,
    ) -> None:
        self.uow = uow
        self.schedule = schedule
        self.clock = clock
        self.early = early

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        schedule = self.schedule()
        if schedule is None:
            return []
        now = self.clock()
        due = schedule.next_due(now, sent_days(session, schedule, now))
        return [] if due is None else [(NO_INCIDENT, due)]

    def fire(self, incident_id: int) -> bool:
        schedule = self.schedule()
        if schedule is None or incident_id != NO_INCIDENT:
            return False
        now = self.clock()
        run = schedule.current_run(now + self.early)
        if run is None:
            return False
        day, due = run
        with self.uow() as session:
            if not report_runs.claim_run(session, schedule.kind, schedule.period(day), due, now):
                return False
            digest = build_digest(session, day, now)
            outbox.enqueue(session, None, DailyDigestPosted(digest=digest.to_payload(), channel=schedule.channel))
        return True
