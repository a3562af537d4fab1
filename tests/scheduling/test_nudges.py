"""Update reminders at the severity's cadence: on time, reset by updates, snoozed, never after resolve."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.scheduling.job_kinds import EARLY
from bot.slack import ids
from tests.harness import BotHarness, action_ids, wait_until
from tests.scheduling.helpers import (
    fast_bot,
    fired,
    nudges,
    pages,
    reminder_text,
    running,
    stop_scheduling,
    timeline,
    ts,
)

pytestmark = pytest.mark.slow  # wall-clock runs; the decisions are in test_firing.py

CADENCE = 3.0
LAG = 2.5  # generous: CI machines are noisy


@pytest.fixture
def bot(database_url: str) -> Iterator[BotHarness]:
    yield from running(fast_bot(database_url))


def test_reminders_come_at_the_cadence_and_updates_reset_them(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 search is slow")
    declared = inc.declared_at.timestamp()
    first = wait_until(lambda: nudges(bot, inc.channel_id), timeout=CADENCE + 6, what="first reminder")[0]
    assert declared + CADENCE - 0.5 <= ts(first) <= declared + CADENCE + LAG
    text = reminder_text(first)
    assert text.startswith(":alarm_clock: <!channel> it has been")  # no commander yet
    assert "since the last update" in text
    assert action_ids(first) == [ids.POST_UPDATE, ids.NUDGE_NO_CHANGE, ids.NUDGE_SNOOZE]

    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.command("update identified the index is cold", channel=inc.channel_id)
    bot.settle()
    updated_at = bot.container.services.incidents.get(inc.id).last_update_at
    assert updated_at is not None
    count = len(nudges(bot, inc.channel_id))
    second = wait_until(lambda: nudges(bot, inc.channel_id)[count:], timeout=CADENCE + 6, what="next reminder")[0]
    assert ts(second) >= updated_at.timestamp() + CADENCE - 0.5
    assert ts(second) <= updated_at.timestamp() + CADENCE + LAG
    assert reminder_text(second).startswith(":alarm_clock: <@U0BOB> it has been")

    bot.command("resolve index warmed", channel=inc.channel_id)
    bot.settle()
    after_resolve = len(nudges(bot, inc.channel_id))
    time.sleep(CADENCE + 1.5)
    bot.settle()
    assert len(nudges(bot, inc.channel_id)) == after_resolve


def test_third_unanswered_reminder_also_calls_the_comms_lead(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 exports stuck")
    bot.command("role comms <@U0DAVE|dave>", channel=inc.channel_id)
    found = wait_until(lambda: len(nudges(bot, inc.channel_id)) >= 3 and nudges(bot, inc.channel_id),
                       timeout=3 * CADENCE + 8, what="three reminders")
    first, second, third = found[:3]
    assert "<@U0DAVE>" not in reminder_text(first) and "<@U0DAVE>" not in reminder_text(second)
    assert reminder_text(third).endswith("\n:loudspeaker: <@U0DAVE>: 2 reminders have gone unanswered.")
    # Evenly spaced: each reminder falls due a cadence after the previous one was sent, and is not posted
    # before it falls due: a reminder every cadence, not a burst.
    reminders = fired(bot, inc.id, "nudge")[:3]
    for (earlier, sent_at), (due, _) in itertools.pairwise(reminders):
        assert (due - max(earlier, sent_at)).total_seconds() == CADENCE
    for message, (due, _) in zip((first, second, third), reminders, strict=True):
        assert ts(message) >= due.timestamp() - EARLY.total_seconds()


def test_no_change_posts_a_heartbeat_and_snooze_pushes_the_reminder(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 login flaky")
    first = wait_until(lambda: nudges(bot, inc.channel_id), timeout=CADENCE + 6, what="reminder")[0]
    bot.driver.click_button("U0CAROL", inc.channel_id, first.ts, ids.NUDGE_NO_CHANGE)
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.last_update_by == "U0CAROL"
    assert "still investigating" in fresh.last_update_text
    assert fresh.next_update_due_at is not None and fresh.last_update_at is not None
    assert (fresh.next_update_due_at - fresh.last_update_at).total_seconds() == CADENCE

    bot.driver.click_button("U0CAROL", inc.channel_id, first.ts, ids.NUDGE_SNOOZE)
    bot.settle()
    snoozed = bot.container.services.incidents.get(inc.id)
    assert snoozed.next_update_due_at is not None
    left = snoozed.next_update_due_at.timestamp() - time.time()
    assert 14 * 60 < left <= 15 * 60
    assert any("Snoozed" in (e.text or "") for e in bot.workspace.ephemerals("U0CAROL"))
    [(_, actor, text, _)] = timeline(bot, inc.id, "snoozed")
    assert actor == "U0CAROL" and text == "Update reminder snoozed for 15m"
    nudged = timeline(bot, inc.id, "nudged")
    assert nudged and nudged[0][1] is None and "since the last update" in nudged[0][2]
    count = len(nudges(bot, inc.channel_id))
    time.sleep(CADENCE + 1.5)
    assert len(nudges(bot, inc.channel_id)) == count


def test_a_rate_limited_reminder_is_retried_after_the_delay_and_posted_once(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 rate limited reminder")
    # The reminder's chat.postMessage meets two 429s with Retry-After: 2.
    bot.workspace.fail_next("chat.postMessage", retry_after=2, times=2)
    first = wait_until(lambda: nudges(bot, inc.channel_id), timeout=CADENCE + 12, what="reminder after retries")[0]
    limited = [c for c in bot.workspace.calls_to("chat.postMessage") if c.status == 429]
    assert len(limited) == 2
    assert ts(first) - limited[0].time >= 2 * 2 - 0.5  # two Retry-After waits honoured
    stop_scheduling(bot)
    # Every reminder posted once: one message per fired due time, no duplicate from the retries; each one is
    # a timeline row.
    assert len(nudges(bot, inc.channel_id)) == len(fired(bot, inc.id, "nudge"))
    assert len(timeline(bot, inc.id, "nudged")) == len(fired(bot, inc.id, "nudge"))


def test_third_unanswered_reminder_calls_the_next_escalation_level_when_nobody_has_comms(bot: BotHarness) -> None:
    inc = bot.declare("SEV3 reports delayed")  # reminders every 4s; the fast policy; no comms lead
    page = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="level 1 page")[0]
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ACK)  # the chain stays at level 1
    found = wait_until(lambda: len(nudges(bot, inc.channel_id)) >= 3 and nudges(bot, inc.channel_id),
                       timeout=3 * 4 + 8, what="three reminders")
    first, second, third = found[:3]
    # Level 2 of the policy is the secondary schedule: carol@example.com, resolved to her Slack user.
    assert "<@U0CAROL>" not in reminder_text(first) and "<@U0CAROL>" not in reminder_text(second)
    assert reminder_text(third).endswith("\n:loudspeaker: <@U0CAROL>: 2 reminders have gone unanswered.")


def test_changing_severity_rebases_the_reminder_cadence(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 queue slow")  # reminders every 3s
    assert inc.last_update_at is not None
    bot.command("severity SEV3", channel=inc.channel_id)  # every 4s, from the last update
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.next_update_due_at == inc.last_update_at + timedelta(seconds=4)
    wait_until(lambda: nudges(bot, inc.channel_id), timeout=4 + 6, what="the reminder at the new cadence")
    [(due, _), *_] = fired(bot, inc.id, "nudge")
    assert due == inc.last_update_at + timedelta(seconds=4)

    bot.command("severity SEV1", channel=inc.channel_id)  # no update_every: reminders stop
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).next_update_due_at is None
    count = len(nudges(bot, inc.channel_id))
    time.sleep(4 + 1.5)
    bot.settle()
    assert len(nudges(bot, inc.channel_id)) == count
