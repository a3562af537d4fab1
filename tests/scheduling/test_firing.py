"""Firing decisions on a controllable clock: which reminder, which level, when, exactly once, after a restart.

The use cases and the scheduler's job bodies run for real on SQLite and PostgreSQL; only time is the
test's. Wall-clock runs through Slack are in test_escalation.py, test_nudges.py and test_processes.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.events import (
    ChainExhausted,
    IncidentDeclared,
    LongRunningPage,
    PagePeople,
    PagerAcknowledged,
    PagerResolved,
    PublishSuggested,
    UpdateReminder,
)
from bot.scheduling.archiving import ARCHIVE_EFFECT
from bot.services.errors import UserError
from tests.scheduling.clocked import START, Scheduled, scheduled

M = timedelta(minutes=1)


def _pages(s: Scheduled, incident_id: int) -> list[tuple[int, int, str, str]]:
    return [(p.cycle, p.level, p.reason, p.at.strftime("%H:%M")) for p in s.events(incident_id, PagePeople)]


def test_a_declaration_pages_level_1_in_its_own_transaction(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV1 payments down")
    events = clocked.events(inc.id)
    # SEV1 suggests publishing (status_page defaults to suggest for the two most severe): a reminder, queued.
    assert [type(e) for e in events] == [IncidentDeclared, PublishSuggested, PagePeople]
    page = events[2]
    assert (page.level, page.cycle, page.reason, page.at, page.policy_id, page.by) == (
        0, 0, "SEV1 declared", START, "chain", None
    )
    assert clocked.effects(inc.id, "escalation") == [(START, START)]
    assert clocked.chain(inc.id) == ("active", 0, 0, START + 5 * M)  # level 2 after respond_within
    paged = clocked.timeline(inc.id, "paged")
    assert [(d["people"], d["level"], at) for _, _, _, d, at in paged] == [(["U0CAROL"], 0, START)]
    # The commit woke the dispatcher and the scheduler by itself; the scheduler has nothing to page now.
    assert clocked.hooks_run
    assert clocked.due() == {"escalation:1": START + 5 * M, "nudge:1": START + 30 * M}
    assert clocked.run_due() == []
    assert len(clocked.events(inc.id, PagePeople)) == 1


def test_the_chain_walks_its_levels_at_their_due_times_then_says_nobody_acknowledged(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV1 payments down")
    clocked.run_until(START + 5 * M - timedelta(seconds=1), step=timedelta(seconds=1))
    assert len(clocked.events(inc.id, PagePeople)) == 1  # not a second early
    fired = clocked.run_until(START + 29 * M)
    assert [(when.strftime("%H:%M"), job) for when, job in fired] == [
        ("10:05", "escalation:1"), ("10:09", "escalation:1"), ("10:12", "escalation:1"), ("10:16", "escalation:1")
    ]
    assert _pages(clocked, inc.id) == [
        (0, 0, "SEV1 declared", "10:00"),
        (0, 1, "not acknowledged within 5m", "10:05"),
        (1, 0, "not acknowledged within 4m", "10:09"),
        (1, 1, "not acknowledged within 3m", "10:12"),
    ]
    assert clocked.events(inc.id, ChainExhausted) == [ChainExhausted(cycles=2)]
    assert clocked.chain(inc.id) == ("exhausted", 1, 1, None)
    people = [d["people"] for *_, d, _ in clocked.timeline(inc.id, "paged")]
    assert people == [["U0CAROL"], ["U0ERIN"], ["U0CAROL"], ["U0ERIN"]]
    # Once exhausted, nothing more is paged, however long nobody answers (only reminders fall due).
    later = clocked.run_until(START + timedelta(hours=3), step=5 * M)
    assert {job for _, job in later} == {"nudge:1"}
    assert len(clocked.events(inc.id, PagePeople)) == 4


def test_a_due_step_fires_once_however_many_schedulers_fire_it(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV1 payments down")
    clocked.clock.set(START + 5 * M)
    schedulers = [clocked.new_scheduler() for _ in range(3)]
    assert [s.fire("escalation", inc.id) for s in schedulers] == [True, False, False]
    assert [s.fire("escalation", inc.id) for s in schedulers] == [False, False, False]
    assert len(clocked.events(inc.id, PagePeople)) == 2
    assert clocked.effects(inc.id, "escalation") == [(START, START), (START + 5 * M, START + 5 * M)]


def test_a_step_missed_while_no_scheduler_ran_fires_once_at_start_and_the_chain_goes_on_from_then(
    clocked: Scheduled,
) -> None:
    inc = clocked.declare("SEV1 payments down")
    # Nothing runs from 10:00 until 10:11: level 2 (due 10:05) and the repeat (due 10:09 had it fired) are missed.
    clocked.clock.set(START + 11 * M)
    clocked.jobs = clocked.new_scheduler()
    assert clocked.run_due() == ["escalation:1"]
    assert clocked.run_due() == []  # one late page, not a burst of the steps missed
    assert _pages(clocked, inc.id)[1:] == [(0, 1, "not acknowledged within 5m", "10:11")]
    assert clocked.effects(inc.id, "escalation")[1] == (START + 5 * M, START + 11 * M)
    # The next step waits its full time from the late page.
    assert clocked.chain(inc.id)[3] == START + 15 * M


def test_a_late_page_reaches_whoever_is_on_call_when_it_is_sent(clocked: Scheduled) -> None:
    clocked.clock.set(START + 48 * M)  # 10:48: U0CAROL is on call until 11:00, then U0DAVE
    inc = clocked.declare("SEV1 payments down")
    clocked.run_until(START + 53 * M)  # level 2 at 10:53; the repeat's level 1 falls due at 10:57
    assert clocked.chain(inc.id)[3] == START + 57 * M
    clocked.clock.set(START + 62 * M)  # no scheduler from 10:54 to 11:02, across the handoff
    clocked.jobs = clocked.new_scheduler()
    assert clocked.run_due() == ["escalation:1"]
    late = clocked.events(inc.id, PagePeople)[-1]
    # The page is resolved at the moment it is sent: the event and its timeline row say the same.
    assert (late.cycle, late.level, late.at) == (1, 0, START + 62 * M)
    *_, (_, _, text, data, at) = clocked.timeline(inc.id, "paged")
    assert (data["people"], at) == (["U0DAVE"], START + 62 * M)
    assert text == "Paged <@U0DAVE> (level 1 (pass 2)): not acknowledged within 4m"
    assert clocked.effects(inc.id, "escalation")[-1] == (START + 57 * M, START + 62 * M)


def test_acknowledging_stops_the_chain_and_resolving_closes_it(database_url: str) -> None:
    with scheduled(database_url) as s:
        inc = s.declare("SEV1 payments down")
        s.clock.advance(minutes=2)
        s.incidents.acknowledge(inc.id, "U0BOB")
        assert "escalation:1" not in s.due()
        assert s.chain(inc.id)[0] == "acknowledged"
        assert s.events(inc.id, PagerAcknowledged) == [PagerAcknowledged(by="U0BOB")]
        assert s.run_until(START + 25 * M) == []
        assert len(s.events(inc.id, PagePeople)) == 1
        s.incidents.resolve(inc.id, "U0BOB", "fixed")
        s.due()
        assert s.chain(inc.id)[0] == "stopped"
        assert s.events(inc.id, PagerResolved) == [PagerResolved()]
        assert s.run_until(START + timedelta(hours=2), step=5 * M) == []  # no reminder either


def test_escalate_pages_the_next_level_now_once_and_the_chain_goes_on_from_it(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV1 payments down")
    clocked.clock.advance(minutes=1)
    said = clocked.escalation.escalate(inc.id, "U0ALICE")
    assert said == "Paging level 2 of the *chain* escalation policy now."
    page = clocked.events(inc.id, PagePeople)[-1]
    assert (page.level, page.by, page.at, page.reason) == (1, "U0ALICE", START + M, "escalated by <@U0ALICE>")
    clocked.clock.advance(seconds=5)
    with pytest.raises(UserError, match="just requested"):
        clocked.escalation.escalate(inc.id, "U0ALICE")  # a double click
    assert clocked.chain(inc.id) == ("active", 0, 1, START + 5 * M)  # level 2 waits its 4m from the click
    assert clocked.run_until(START + 5 * M) == [(START + 5 * M, "escalation:1")]
    assert _pages(clocked, inc.id)[-1] == (1, 0, "not acknowledged within 4m", "10:05")
    rows = clocked.timeline(inc.id, "escalated", "paged")
    assert [(kind, actor) for kind, actor, *_ in rows] == [
        ("paged", None), ("escalated", "U0ALICE"), ("paged", "U0ALICE"), ("escalated", None), ("paged", None)
    ]


def test_escalating_an_acknowledged_incident_pages_without_restarting_the_chain(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV1 payments down")
    clocked.incidents.acknowledge(inc.id, "U0BOB")
    clocked.due()
    clocked.clock.advance(minutes=1)
    clocked.escalation.escalate(inc.id, "U0BOB")
    assert clocked.chain(inc.id) == ("acknowledged", 0, 1, None)
    assert clocked.run_until(START + 20 * M) == []


def test_a_severity_without_a_policy_pauses_the_chain_and_another_policy_restarts_it(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV1 payments down")
    clocked.clock.advance(minutes=1)
    clocked.incidents.change_severity(inc.id, "U0ALICE", "SEV2")  # SEV2 pages nobody
    assert "escalation:1" not in clocked.due()
    assert clocked.chain(inc.id)[0] == "paused"
    assert clocked.run_until(START + 8 * M) == []
    clocked.incidents.change_severity(inc.id, "U0ALICE", "SEV3")  # the slow policy, from its level 1
    assert clocked.run_due() == ["escalation:1"]
    assert _pages(clocked, inc.id)[-1] == (0, 0, "severity changed to SEV3", "10:08")
    assert clocked.chain(inc.id) == ("active", 0, 0, START + 8 * M + timedelta(hours=1))


def test_reminders_fall_due_at_the_cadence_count_the_unanswered_and_reset_on_update(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV2 search is slow")
    fired = clocked.run_until(START + 20 * M)
    assert fired == [(START + 10 * M, "nudge:1"), (START + 20 * M, "nudge:1")]
    clocked.clock.set(START + 25 * M)
    clocked.incidents.post_update(inc.id, "U0BOB", "index is cold")
    assert clocked.run_until(START + 35 * M) == [(START + 35 * M, "nudge:1")]
    clocked.clock.set(START + 36 * M)
    clocked.reminders.snooze(inc.id, "U0BOB")
    assert clocked.run_until(START + 51 * M - timedelta(seconds=30)) == []
    assert clocked.run_until(START + 51 * M) == [(START + 51 * M, "nudge:1")]
    reminders = clocked.events(inc.id, UpdateReminder)
    assert [(r.due_at.strftime("%H:%M"), r.ignored) for r in reminders] == [
        ("10:10", 1), ("10:20", 2), ("10:35", 1), ("10:51", 1)
    ]
    assert [r.since_seconds for r in reminders] == [600, 1200, 600, 1560]
    texts = [text for _, _, text, *_ in clocked.timeline(inc.id, "nudged")]
    assert texts[1] == "Update reminder: 20m since the last update (1 earlier reminder unanswered)"
    clocked.incidents.resolve(inc.id, "U0BOB", "warmed")
    assert list(clocked.due()) == [f"{ARCHIVE_EFFECT}:{inc.id}"]  # no more reminders; the channel's clean-up
    assert clocked.run_until(START + timedelta(hours=2), step=5 * M) == []


def test_a_reminder_missed_while_no_scheduler_ran_is_sent_once_and_the_cadence_restarts_from_it(
    clocked: Scheduled,
) -> None:
    inc = clocked.declare("SEV2 search is slow")
    clocked.clock.set(START + 27 * M)  # past 10:10 and past the 10:20 a reminder at 10:10 would have set
    clocked.jobs = clocked.new_scheduler()
    assert clocked.run_due() == ["nudge:1"]
    assert clocked.run_due() == []
    assert clocked.effects(inc.id, "nudge") == [(START + 10 * M, START + 27 * M)]
    assert clocked.due() == {"nudge:1": START + 37 * M}
    schedulers = [clocked.new_scheduler() for _ in range(3)]
    clocked.clock.set(START + 37 * M)
    assert [s.fire("nudge", inc.id) for s in schedulers] == [True, False, False]


def test_a_long_running_rule_pages_once_when_due_acknowledged_or_not(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV3 slow leak")
    clocked.clock.advance(minutes=30)
    clocked.incidents.acknowledge(inc.id, "U0ERIN")
    fired = clocked.run_until(START + timedelta(hours=5), step=10 * M)
    assert fired == [(START + timedelta(hours=2), "long_running:1")]
    (page,) = clocked.events(inc.id, LongRunningPage)
    assert (page.targets, page.at, page.reason, page.policy_id) == (
        ("user:U0FRANK",), START + timedelta(hours=2), "SEV3 open for over 2h", "slow"
    )
    row = clocked.timeline(inc.id, "paged")[-1]
    assert (row[3]["people"], row[3]["level"], row[3]["rule"]) == (["U0FRANK"], None, "open too long")
