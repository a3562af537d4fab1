"""The kinds of scheduled job (reminders, escalation steps, long-running pages, reports): what is due, and firing one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot.playbooks.oncall import OnCall
from bot.playbooks.reports_file import ReportSchedules
from bot.scheduling.archiving import ArchiveChannelJob
from bot.scheduling.escalations import EscalationJob
from bot.scheduling.followups import FollowUpOverdueJob
from bot.scheduling.long_running import LongRunningJob
from bot.scheduling.nudges import NudgeJob
from bot.scheduling.postmortems import PostmortemReminderJob
from bot.scheduling.reports import DailyDigestJob, WeeklyReportJob
from bot.storage.db import UnitOfWork

log = logging.getLogger(__name__)

# A job may run a hair early (clock skew between the scheduler and the database rows).
EARLY = timedelta(milliseconds=500)


class JobKind(Protocol):
    """One kind of scheduled job: its due times (from the tables) and its body (exactly once per due time)."""

    @property
    def kind(self) -> str: ...

    def due_times(self, session: Session) -> list[tuple[int, datetime]]: ...

    def fire(self, incident_id: int) -> bool: ...


@dataclass(frozen=True)
class Due:
    kind: str
    incident_id: int
    due_at: datetime

    @property
    def job_id(self) -> str:
        return f"{self.kind}:{self.incident_id}"


class JobKinds:
    """Every job kind the active scheduler runs; the runner asks it what is due and fires jobs through it."""

    def __init__(
        self,
        uow: UnitOfWork,
        oncall: Callable[[], OnCall],
        clock: Callable[[], datetime],
        on_escalated: Callable[[], None] = lambda: None,
        reports: Callable[[], ReportSchedules] = ReportSchedules,
    ) -> None:
        self.uow = uow
        self.nudges = NudgeJob(uow, clock, EARLY)
        self.escalations = EscalationJob(uow, oncall, clock, EARLY, on_escalated)
        self.long_running = LongRunningJob(uow, oncall, clock, EARLY)
        self.followups = FollowUpOverdueJob(uow, clock, EARLY)
        self.digest = DailyDigestJob(uow, lambda: reports().daily, clock, EARLY)
        self.weekly = WeeklyReportJob(uow, lambda: reports().weekly, clock, EARLY)
        self.postmortems = PostmortemReminderJob(uow, clock, EARLY)
        self.archiving = ArchiveChannelJob(uow, clock, EARLY)
        self.kinds: dict[str, JobKind] = {
            job.kind: job
            for job in (
                self.nudges,
                self.escalations,
                self.long_running,
                self.followups,
                self.digest,
                self.weekly,
                self.postmortems,
                self.archiving,
            )
        }

    def reconcile(self) -> bool:
        """Start and stop escalation chains; True when something changed (there may be Slack work)."""
        return self.escalations.reconcile()

    def due_times(self) -> list[Due]:
        with self.uow() as session:
            return [
                Due(kind, incident_id, due_at)
                for kind, job in self.kinds.items()
                for incident_id, due_at in job.due_times(session)
            ]

    def fire(self, kind: str, incident_id: int) -> bool:
        job = self.kinds.get(kind)
        if job is None:
            log.warning("unknown scheduled effect %s", kind)
            return False
        return job.fire(incident_id)
