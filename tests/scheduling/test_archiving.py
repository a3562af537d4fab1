"""Channel archiving on a controllable clock: due archive_after the resolution, queued once, cancelled by a reopen."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.events import ChannelArchiveDue
from bot.scheduling.archiving import ARCHIVE_EFFECT
from tests.scheduling.clocked import Scheduled


def _archive_jobs(s: Scheduled) -> dict[str, object]:
    return {job: at for job, at in s.due().items() if job.startswith(f"{ARCHIVE_EFFECT}:")}


def test_archiving_falls_due_a_week_after_resolution_and_fires_once(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV3 search degraded")
    assert _archive_jobs(clocked) == {}  # open incidents are never archived
    resolved_at = clocked.clock.advance(hours=2)
    clocked.incidents.resolve(inc.id, "U0ALICE", "Reindexed")
    due = resolved_at + timedelta(days=7)
    assert _archive_jobs(clocked) == {f"{ARCHIVE_EFFECT}:{inc.id}": due}

    fired = clocked.run_until(due - timedelta(seconds=30), step=timedelta(hours=6))
    assert [job for _, job in fired if job.startswith(ARCHIVE_EFFECT)] == []
    clocked.clock.set(due)
    assert clocked.run_due() == [f"{ARCHIVE_EFFECT}:{inc.id}"]
    assert clocked.events(inc.id, ChannelArchiveDue) == [ChannelArchiveDue(due_at=due)]
    # A second scheduler, or this one after a restart: nothing more.
    assert clocked.new_scheduler().fire(ARCHIVE_EFFECT, inc.id) is False
    clocked.clock.advance(days=30)
    assert clocked.run_due() == [] and _archive_jobs(clocked) == {}
    assert [d for d, _ in clocked.effects(inc.id, ARCHIVE_EFFECT)] == [due]


def test_a_reopen_cancels_it_and_the_next_resolution_starts_a_new_window(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV3 search degraded")
    clocked.incidents.resolve(inc.id, "U0ALICE", "Reindexed")
    clocked.clock.advance(days=6)
    clocked.incidents.reopen(inc.id, "U0ALICE", "errors are back")
    assert _archive_jobs(clocked) == {}
    clocked.clock.advance(days=2)
    assert clocked.new_scheduler().fire(ARCHIVE_EFFECT, inc.id) is False
    again = clocked.clock.advance(hours=1)
    clocked.incidents.resolve(inc.id, "U0ALICE", "Reindexed again")
    assert _archive_jobs(clocked) == {f"{ARCHIVE_EFFECT}:{inc.id}": again + timedelta(days=7)}
    assert clocked.events(inc.id, ChannelArchiveDue) == []
