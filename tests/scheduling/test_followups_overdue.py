"""Overdue follow-ups on a controllable clock: the owner's DM is queued once, at the end of the due day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.events import FollowUpOverdue
from bot.domain.followups import OVERDUE_EFFECT
from bot.services.followups import FollowUpService
from bot.services.read_models import IncidentView
from tests.scheduling.clocked import Scheduled

END_OF_MARCH_3 = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)


class Everyone:
    """Every incident is visible to everyone (no private incidents in these tests)."""

    def can_see(self, incident: IncidentView, actor: str) -> bool:
        return True


def _overdue_jobs(s: Scheduled) -> dict[str, datetime]:
    return {job: at for job, at in s.due().items() if job.startswith(f"{OVERDUE_EFFECT}:")}


def _fired(jobs: list[str]) -> list[str]:
    return [job for job in jobs if job.startswith(f"{OVERDUE_EFFECT}:")]


def _dms(s: Scheduled, incident_id: int) -> list[tuple[int, str, str]]:
    return [(e.number, e.owner, e.due_on) for e in s.events(incident_id, FollowUpOverdue)]


def test_the_owner_is_told_once_when_the_due_day_is_over(clocked: Scheduled) -> None:
    followups = FollowUpService(clocked.ctx, Everyone())
    inc = clocked.declare("SEV3 search degraded")
    followups.add(inc.id, "U0ALICE", "Add an alert", "U0BOB", date(2026, 3, 3))
    followups.add(inc.id, "U0ALICE", "Write the runbook", "U0CAROL", date(2026, 3, 3))
    followups.add(inc.id, "U0ALICE", "Nobody owns this", None, date(2026, 3, 2))
    followups.add(inc.id, "U0ALICE", "No date on this", "U0BOB", None)
    followups.add(inc.id, "U0ALICE", "Closed in time", "U0DAVE", date(2026, 3, 2))
    followups.close(inc.id, 5, "U0DAVE")
    assert _overdue_jobs(clocked) == {f"{OVERDUE_EFFECT}:{inc.id}": END_OF_MARCH_3}

    # Resolving the incident does not cancel its follow-ups; nothing fires during the due day itself.
    clocked.incidents.resolve(inc.id, "U0ALICE", "Reindexed")
    fired = clocked.run_until(datetime(2026, 3, 3, 23, 59, 30, tzinfo=UTC), step=timedelta(hours=1))
    assert _fired([job for _, job in fired]) == []
    assert _dms(clocked, inc.id) == []

    clocked.clock.set(END_OF_MARCH_3)
    assert _fired(clocked.run_due()) == [f"{OVERDUE_EFFECT}:{inc.id}"]
    assert _dms(clocked, inc.id) == [(1, "U0BOB", "2026-03-03"), (2, "U0CAROL", "2026-03-03")]

    # Another scheduler (a second replica, or this one after a restart) fires it again: nothing more.
    assert clocked.new_scheduler().fire(OVERDUE_EFFECT, inc.id) is False
    clocked.clock.advance(days=3)
    assert _fired(clocked.run_due()) == []
    assert len(_dms(clocked, inc.id)) == 2
    assert _overdue_jobs(clocked) == {}


def test_a_follow_up_closed_before_its_due_day_ends_sends_nothing(clocked: Scheduled) -> None:
    followups = FollowUpService(clocked.ctx, Everyone())
    inc = clocked.declare("SEV3 search degraded")
    followups.add(inc.id, "U0ALICE", "Add an alert", "U0BOB", date(2026, 3, 3))
    followups.add(inc.id, "U0ALICE", "Later", "U0BOB", date(2026, 3, 10))
    followups.close(inc.id, 1, "U0BOB")
    later = datetime(2026, 3, 11, tzinfo=UTC)
    assert _overdue_jobs(clocked) == {f"{OVERDUE_EFFECT}:{inc.id}": later}
    # Missed while no scheduler ran: it fires once, at start, days late.
    clocked.clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    assert clocked.new_scheduler().fire(OVERDUE_EFFECT, inc.id) is True
    assert _fired(clocked.run_due()) == []
    assert _dms(clocked, inc.id) == [(2, "U0BOB", "2026-03-10")]
    assert clocked.effects(inc.id, f"{OVERDUE_EFFECT}:2") == [(later, datetime(2026, 3, 20, 9, 0, tzinfo=UTC))]

