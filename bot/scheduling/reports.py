"""The daily digest and weekly report jobs: due at a local time, sent once per local day across replicas and restarts.

They belong to no incident: each has one job, key ``0`` (``daily_digest:0`` in the job store). The run of each
local day is recorded in ``report_runs`` (kind, day) in the same transaction as its outbox event, so a second
scheduler, a retry or a restart finds it claimed and sends nothing. A run missed while no scheduler ran is
sent late the same local day; a day missed entirely is skipped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.domain.events import DailyDigestPosted, OutboxEvent, WeeklyReportPosted
from bot.domain.report_schedule import DAILY_DIGEST, WEEKLY_REPORT, LocalSchedule
from bot.reports.chart import render_chart
from bot.services.digest import build_digest
from bot.services.reporting import build_report, report_rows
from bot.storage import outbox, report_runs
from bot.storage.db import UnitOfWork

# The key of a job that belongs to no incident.
NO_INCIDENT = 0
# The weekly report's chart shows this many weeks, so the trend has something to follow.
CHART_WEEKS = 8


def sent_days(session: Session, schedule: LocalSchedule, now: datetime) -> set[date]:
    """Which of today and tomorrow (local) already had their run."""
    today = schedule.local_day(now)
    days = {today, today + timedelta(days=1)}
    done = report_runs.sent_periods(session, schedule.kind, {schedule.period(d) for d in days})
    return {d for d in days if schedule.period(d) in done}


class ReportJob:
    """Today's run when its local time has come, recorded by its ``(kind, day)`` so it is sent once."""

    kind = ""

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
            outbox.enqueue(session, None, self.build(session, schedule, day, now))
        return True

    def build(self, session: Session, schedule: LocalSchedule, day: date, now: datetime) -> OutboxEvent:
        raise NotImplementedError


class DailyDigestJob(ReportJob):
    """``daily_digest``: the state of every incident at the moment it fires."""

    kind = DAILY_DIGEST

    def build(self, session: Session, schedule: LocalSchedule, day: date, now: datetime) -> OutboxEvent:
        digest = build_digest(session, day, now)
        return DailyDigestPosted(digest=digest.to_payload(), channel=schedule.channel)


class WeeklyReportJob(ReportJob):
    """``weekly_report``: the seven local days before the run's day (midnight to midnight, local), and a chart
    of the last ``CHART_WEEKS`` weeks."""

    kind = WEEKLY_REPORT

    def build(self, session: Session, schedule: LocalSchedule, day: date, now: datetime) -> OutboxEvent:
        until = datetime.combine(day, time(0), tzinfo=schedule.zone)
        since = datetime.combine(day - timedelta(days=7), time(0), tzinfo=schedule.zone)
        chart_since = datetime.combine(day - timedelta(weeks=CHART_WEEKS), time(0), tzinfo=schedule.zone)
        report = build_report(session, since, until)
        chart = render_chart(build_report(session, chart_since, until))
        return WeeklyReportPosted(
            since=report.since,
            until=report.until,
            rows=list(report_rows(report)),
            chart_b64=base64.b64encode(chart).decode("ascii"),
            chart_since=chart_since,
            channel=schedule.channel,
        )
