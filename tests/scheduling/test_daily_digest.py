"""The daily digest and weekly report on a controllable clock: local time, weekdays, once across schedulers."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.domain.digest import Digest
from bot.domain.events import DailyDigestPosted, WeeklyReportPosted
from bot.domain.report_schedule import DAILY_DIGEST, WEEKLY_REPORT, LocalSchedule
from bot.playbooks.loader import load_playbooks
from bot.playbooks.reports_file import ReportSchedules
from bot.scheduling.job_kinds import JobKinds
from bot.scheduling.reports import NO_INCIDENT
from bot.storage.models import OutboxMessage
from bot.storage.scheduling_models import ReportRun
from tests.scheduling.clocked import Scheduled, scheduled

CLOCKED_PLAYBOOKS = Path(__file__).parent / "clocked_playbooks"

JOB = f"{DAILY_DIGEST}:{NO_INCIDENT}"
LONDON_WEEKDAYS = ReportSchedules(
    daily=LocalSchedule(DAILY_DIGEST, time(9, 0), "Europe/London", frozenset(range(5)), "leadership")
)
LONDON_EVERY_DAY = ReportSchedules(
    daily=LocalSchedule(DAILY_DIGEST, time(9, 0), "Europe/London", frozenset(range(7)))
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def scheduler(s: Scheduled, reports: ReportSchedules = LONDON_WEEKDAYS) -> JobKinds:
    """The job bodies of one scheduler process reading ``reports``."""
    return JobKinds(s.uow, s.oncall, s.clock, reports=lambda: reports)


def due(jobs: JobKinds) -> datetime | None:
    return next((d.due_at for d in jobs.due_times() if d.job_id == JOB), None)


def digests(s: Scheduled) -> list[DailyDigestPosted]:
    with s.uow() as session:
        rows = session.query(OutboxMessage).filter_by(event=DailyDigestPosted.kind).order_by(OutboxMessage.id)
        return [DailyDigestPosted.from_payload(r.payload) for r in rows]


def runs(s: Scheduled) -> list[tuple[str, datetime, datetime]]:
    with s.uow() as session:
        return [(r.period, r.due_at, r.fired_at) for r in session.query(ReportRun).order_by(ReportRun.period)]


def run_until(s: Scheduled, jobs: JobKinds, moment: datetime, step: timedelta) -> list[datetime]:
    """Move the clock on in ``step``s, firing the digest whenever the runner would; when it was posted."""
    posted = []
    while s.clock() < moment:
        s.clock.set(min(s.clock() + step, moment))
        at = due(jobs)
        if at is not None and at <= s.clock() and jobs.fire(DAILY_DIGEST, NO_INCIDENT):
            posted.append(s.clock())
    return posted


def test_the_digest_is_posted_once_at_nine_local_on_weekdays(clocked: Scheduled) -> None:
    clocked.clock.set(utc(2026, 12, 4, 7, 0))  # Friday, 07:00 in London (GMT)
    one, two = scheduler(clocked), scheduler(clocked)
    assert due(one) == utc(2026, 12, 4, 9, 0)
    assert one.fire(DAILY_DIGEST, NO_INCIDENT) is False  # not yet

    clocked.clock.set(utc(2026, 12, 4, 9, 0))
    assert one.fire(DAILY_DIGEST, NO_INCIDENT) is True
    # A second replica, and this one fired again (a retry, or after a restart): nothing more.
    assert two.fire(DAILY_DIGEST, NO_INCIDENT) is False
    assert scheduler(clocked).fire(DAILY_DIGEST, NO_INCIDENT) is False
    [posted] = digests(clocked)
    assert posted.channel == "leadership"
    assert Digest.from_payload(dict(posted.digest)).day == date(2026, 12, 4)
    # Next: Monday (the weekend is not in the weekdays).
    assert due(one) == due(two) == utc(2026, 12, 7, 9, 0)
    assert run_until(clocked, one, utc(2026, 12, 8, 12, 0), timedelta(minutes=30)) == [
        utc(2026, 12, 7, 9, 0),
        utc(2026, 12, 8, 9, 0),
    ]
    assert [r[0] for r in runs(clocked)] == ["2026-12-04", "2026-12-07", "2026-12-08"]


def test_nine_local_across_the_march_and_october_changes(clocked: Scheduled) -> None:
    jobs = scheduler(clocked, LONDON_EVERY_DAY)
    clocked.clock.set(utc(2026, 3, 28, 0, 0))
    march = run_until(clocked, jobs, utc(2026, 3, 31, 12, 0), timedelta(minutes=15))
    assert march == [utc(2026, 3, 28, 9, 0), utc(2026, 3, 29, 8, 0), utc(2026, 3, 30, 8, 0), utc(2026, 3, 31, 8, 0)]
    clocked.clock.set(utc(2026, 10, 24, 0, 0))
    october = run_until(clocked, jobs, utc(2026, 10, 26, 12, 0), timedelta(minutes=15))
    assert october == [utc(2026, 10, 24, 8, 0), utc(2026, 10, 25, 9, 0), utc(2026, 10, 26, 9, 0)]
    local = [r[1].astimezone(LONDON_EVERY_DAY.daily.zone).time() for r in runs(clocked)]  # type: ignore[union-attr]
    assert set(local) == {time(9, 0)} and len(local) == 7


def test_after_downtime_today_is_sent_late_once_and_a_missed_day_is_skipped(clocked: Scheduled) -> None:
    clocked.clock.set(utc(2026, 12, 1, 8, 0))  # Tuesday; no scheduler runs until Wednesday 11:30
    clocked.clock.set(utc(2026, 12, 2, 11, 30))
    started = scheduler(clocked)
    assert due(started) == utc(2026, 12, 2, 9, 0)  # overdue: the runner fires it at once
    assert started.fire(DAILY_DIGEST, NO_INCIDENT) is True
    assert scheduler(clocked).fire(DAILY_DIGEST, NO_INCIDENT) is False  # restarted again: nothing more
    assert runs(clocked) == [("2026-12-02", utc(2026, 12, 2, 9, 0), utc(2026, 12, 2, 11, 30))]
    assert due(started) == utc(2026, 12, 3, 9, 0)


def test_no_reports_file_means_no_digest_job(clocked: Scheduled) -> None:
    jobs = scheduler(clocked, ReportSchedules())
    assert due(jobs) is None
    clocked.clock.set(utc(2026, 12, 2, 9, 0))
    assert jobs.fire(DAILY_DIGEST, NO_INCIDENT) is False
    assert digests(clocked) == []


def test_the_digest_shows_only_the_last_day_of_resolutions_with_their_durations(clocked: Scheduled) -> None:
    clocked.clock.set(utc(2026, 12, 1, 6, 0))  # Tuesday
    old = clocked.declare("SEV3 search degraded")
    clocked.clock.advance(hours=1)
    clocked.incidents.resolve(old.id, "U0ALICE", "Reindexed")  # Tuesday 07:00: over 24 hours before the digest
    clocked.clock.set(utc(2026, 12, 2, 7, 0))
    recent = clocked.declare("SEV2 checkout slow")
    still = clocked.declare("SEV1 payments down")
    clocked.clock.advance(minutes=95)
    clocked.incidents.resolve(recent.id, "U0ALICE", "Pool raised")
    clocked.clock.set(utc(2026, 12, 2, 9, 0))
    assert scheduler(clocked).fire(DAILY_DIGEST, NO_INCIDENT) is True
    [posted] = digests(clocked)
    digest = Digest.from_payload(dict(posted.digest))
    assert [(i.ref, i.resolved_at) for i in digest.resolved] == [(recent.ref, utc(2026, 12, 2, 8, 35))]
    assert [(i.ref, i.severity.id, i.declared_at) for i in digest.open] == [
        (still.ref, "SEV1", utc(2026, 12, 2, 7, 0))
    ]
    assert [u.ref for u in digest.overdue_updates] == [still.ref]  # SEV1: every 30 minutes, none posted
    assert digest.open_private == digest.resolved_private == digest.overdue_private == 0


def test_the_weekly_report_covers_the_seven_local_days_before_it_once(clocked: Scheduled) -> None:
    weekly = ReportSchedules(
        weekly=LocalSchedule(WEEKLY_REPORT, time(9, 30), "Europe/London", frozenset({0}), "leadership")
    )
    one, two = scheduler(clocked, weekly), scheduler(clocked, weekly)
    clocked.clock.set(utc(2026, 3, 26, 12, 0))  # Thursday before the change to summer time
    inc = clocked.declare("SEV2 checkout slow")
    clocked.clock.advance(hours=2)
    clocked.incidents.resolve(inc.id, "U0ALICE", "Pool raised")
    job = f"{WEEKLY_REPORT}:{NO_INCIDENT}"
    assert {d.job_id: d.due_at for d in one.due_times()}[job] == utc(2026, 3, 30, 8, 30)  # Monday 09:30 BST
    clocked.clock.set(utc(2026, 3, 30, 8, 30))
    assert [one.fire(WEEKLY_REPORT, NO_INCIDENT), two.fire(WEEKLY_REPORT, NO_INCIDENT)] == [True, False]
    with clocked.uow() as session:
        [row] = session.query(OutboxMessage).filter_by(event=WeeklyReportPosted.kind).all()
        posted = WeeklyReportPosted.from_payload(row.payload)
    # Monday 23 March 00:00 GMT to Monday 30 March 00:00 BST: seven local days.
    assert (posted.since, posted.until) == (utc(2026, 3, 23, 0, 0), utc(2026, 3, 29, 23, 0))
    assert posted.channel == "leadership" and posted.chart_b64.startswith("iVBORw0KGgo")  # a PNG
    total = next(r for r in posted.rows if isinstance(r, dict) and r["severity"] == "all")
    assert (total["incidents"], total["resolved"], total["ttr_median_seconds"]) == (1, 1, 7200)
    assert {d.job_id: d.due_at for d in one.due_times()}[job] == utc(2026, 4, 6, 8, 30)


def test_post_mortems_past_due_are_listed_until_done(database_url: str, tmp_path: Path) -> None:
    playbooks = tmp_path / "playbooks"
    shutil.copytree(CLOCKED_PLAYBOOKS, playbooks)
    severities = playbooks / "severities.yaml"
    severities.write_text(severities.read_text().replace("    update_every: 10m\n", "    update_every: 10m\n    postmortem_within: 1h\n"))
    with scheduled(database_url) as world:
        s = Scheduled(world.clock, world.uow, load_playbooks(playbooks))
        s.clock.set(utc(2026, 12, 2, 6, 0))
        late = s.declare("SEV2 checkout slow")
        s.incidents.resolve(late.id, "U0ALICE", "Pool raised")  # post-mortem due 07:00
        s.clock.set(utc(2026, 12, 2, 8, 30))
        fresh = s.declare("SEV2 search slow")
        s.incidents.resolve(fresh.id, "U0ALICE", "Reindexed")  # due 09:30: not late at 09:00
        s.clock.set(utc(2026, 12, 2, 9, 0))
        assert scheduler(s).fire(DAILY_DIGEST, NO_INCIDENT)
        digest = Digest.from_payload(dict(digests(s)[0].digest))
        assert [(p.ref, p.due_at) for p in digest.overdue_postmortems] == [(late.ref, utc(2026, 12, 2, 7, 0))]
