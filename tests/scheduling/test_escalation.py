"""Paging through Slack on the wall clock: declare, levels and repeats, acknowledgement, escalate now, on call.

Which step fires when (resolve and severity changes included) is decided in test_firing.py on a
controllable clock; these runs check the same chain end to end, with bounds on real lag.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import pairwise

import pytest

from bot.scheduling.job_kinds import EARLY
from bot.slack import ids
from tests.harness import BotHarness, find_button, has_action, wait_until
from tests.scheduling.helpers import fast_bot, fired, notices, page_text, pages, running, timeline, ts

LAG = 2.5  # a step fires within this long of its due time
DELIVERY = 6.0  # and reaches Slack within this long (generous: the outbox on a loaded machine)


pytestmark = pytest.mark.slow


@pytest.fixture
def bot(database_url: str) -> Iterator[BotHarness]:
    yield from running(fast_bot(database_url))


def test_unacknowledged_page_walks_the_chain_repeats_then_says_nobody_acked(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 payments down")
    # Level 1 (primary: U0BOB) at once; level 2 (secondary: carol@example.com -> U0CAROL) after respond_within 3s;
    # then the chain repeats once (2s each) and the channel hears nobody acknowledged.
    bob = wait_until(lambda: pages(bot, "U0BOB"), timeout=10, what="level 1 page")[0]
    assert find_button(bob, ids.ACK)["value"] == find_button(bob, ids.ESCALATE)["value"] == str(inc.id)
    assert f"<#{inc.channel_id}>" in page_text(bob) and "SEV1" in page_text(bob)
    assert page_text(bob).endswith("\n_Escalation level 1: SEV1 declared_")
    assert "U0BOB" in bot.workspace.channel(inc.channel_id).members
    carol = wait_until(lambda: pages(bot, "U0CAROL"), timeout=12, what="level 2 page")[0]
    assert "U0CAROL" in bot.workspace.channel(inc.channel_id).members
    wait_until(lambda: notices(bot, inc.channel_id, "not acknowledged within 3s"), what="channel told why")
    bob2 = wait_until(lambda: pages(bot, "U0BOB")[1:], timeout=12, what="repeat of level 1")[0]
    carol2 = wait_until(lambda: pages(bot, "U0CAROL")[1:], timeout=12, what="repeat of level 2")[0]
    nobody = wait_until(lambda: notices(bot, inc.channel_id, "Nobody acknowledged"), timeout=12, what="exhausted")
    broadcast = bot.workspace.channel_by_name("incidents")
    assert broadcast is not None
    wait_until(lambda: notices(bot, broadcast.id, "Nobody acknowledged"), what="the broadcast channel told")

    # Each step fell due when the previous one had waited its full time, fired on time, and was posted after
    # it fell due: level 1 at declaration, then respond_within (3s), then escalate_after (2s) per step.
    steps = fired(bot, inc.id, "escalation")
    assert len(steps) == 5
    dues = [due.timestamp() for due, _ in steps]
    # Level 1 is paged in the declaration's own transaction: due and fired at the declaration, not when the
    # leader next re-syncs.
    assert steps[0] == (inc.declared_at, inc.declared_at)
    for ((earlier, _), (later, _)), wait in zip(pairwise(steps), (3, 2, 2, 2), strict=True):
        assert (later - earlier).total_seconds() >= wait
    for due, at in steps:
        assert (at - due).total_seconds() <= LAG
    for message, due_ts in zip((bob, carol, bob2, carol2, nobody[0]), dues, strict=True):
        assert due_ts - EARLY.total_seconds() <= ts(message) <= due_ts + DELIVERY

    time.sleep(3)
    bot.settle()
    assert len(pages(bot, "U0BOB")) == 2 and len(pages(bot, "U0CAROL")) == 2
    assert len(notices(bot, inc.channel_id, "Nobody acknowledged")) == 1
    assert len(notices(bot, broadcast.id, "Nobody acknowledged")) == 1

    # Every step is a timeline row: who was paged, at which level and why; each escalation; the end.
    rows = timeline(bot, inc.id, "paged", "escalated", "nobody_acknowledged")
    assert [kind for kind, *_ in rows] == [
        "paged", "escalated", "paged", "escalated", "paged", "escalated", "paged", "nobody_acknowledged"
    ]
    assert all(actor is None for _, actor, _, _ in rows)
    paged = [data for kind, _, _, data in rows if kind == "paged"]
    assert [(d["people"], d["level"], d["cycle"]) for d in paged] == [
        (["U0BOB"], 0, 0), (["carol@example.com"], 1, 0), (["U0BOB"], 0, 1), (["carol@example.com"], 1, 1)
    ]
    assert [d["reason"] for d in paged] == [
        "SEV1 declared", "not acknowledged within 3s", "not acknowledged within 2s", "not acknowledged within 2s"
    ]
    assert rows[0][2] == "Paged <@U0BOB> (level 1): SEV1 declared"
    assert rows[1][2] == "Escalated to level 2: not acknowledged within 3s"
    assert "paged 2 times" in rows[-1][2]


def test_acknowledge_in_the_dm_stops_the_chain_and_a_second_ack_says_who(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 api 500s")
    page = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="page")[0]
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ACK)
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.acknowledged_by == "U0BOB"
    time.sleep(4.5)  # past respond_within
    bot.settle()
    assert pages(bot, "U0CAROL") == []
    assert len(pages(bot, "U0BOB")) == 1
    # The DM's buttons are gone by now (edited in place); acknowledging again says who already did.
    assert not has_action(bot.workspace.message(page.channel, page.ts), ids.ACK)
    bot.command("ack", channel=inc.channel_id, user="U0BOB")
    wait_until(lambda: any("Already acknowledged by <@U0BOB>" in (e.text or "")
                           for e in bot.workspace.ephemerals("U0BOB")), what="already acknowledged")
    assert bot.container.services.incidents.get(inc.id).acknowledged_at == fresh.acknowledged_at


def test_escalate_command_pages_the_next_level_now(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 queue backlog")
    wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="page")
    before = time.time()
    bot.command("escalate", channel=inc.channel_id, user="U0ALICE")
    carol = wait_until(lambda: pages(bot, "U0CAROL"), timeout=5, what="escalated page")[0]
    assert ts(carol) - before < LAG
    assert "Escalation level 2: escalated by <@U0ALICE>" in page_text(carol)
    bot.settle()
    assert notices(bot, inc.channel_id, "escalated by <@U0ALICE>")
    escalated = timeline(bot, inc.id, "escalated", "paged")
    assert [(kind, actor) for kind, actor, _, _ in escalated] == [
        ("paged", None), ("escalated", "U0ALICE"), ("paged", "U0ALICE")
    ]
    assert escalated[-1][3]["people"] == ["carol@example.com"] and escalated[-1][3]["level"] == 1


def test_escalate_button_in_the_dm_pages_the_next_level(bot: BotHarness) -> None:
    bot.declare("SEV1 cache stampede")
    page = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="page")[0]
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ESCALATE)
    carol = wait_until(lambda: pages(bot, "U0CAROL"), timeout=DELIVERY, what="escalated page")[0]
    assert "Escalation level 2: escalated by <@U0BOB>" in page_text(carol)


def test_oncall_command_lists_who_is_on_call_and_the_next_handoff(bot: BotHarness) -> None:
    general = bot.workspace.channel_by_name("general")
    assert general is not None
    bot.command("oncall", channel=general.id)
    reply = wait_until(lambda: [e for e in bot.workspace.ephemerals("U0ALICE") if "On call now" in (e.text or "")],
                       what="on-call answer")[0]
    assert "*primary* (Europe/Paris): <@U0BOB>" in reply.text
    assert "*secondary* (America/New_York): <@U0CAROL>" in reply.text  # email resolved
    assert "<!date^" in reply.text


def test_a_page_held_by_rate_limits_is_not_sent_once_acknowledged(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 search timeouts")
    bob = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="level 1 page")[0]
    bot.settle()
    # Level 2 falls due after respond_within (3s); Slack rate-limits opening its DM, so the page waits.
    bot.workspace.fail_next("conversations.open", "ratelimited", http_status=429, retry_after=3)
    wait_until(
        lambda: [c for c in bot.workspace.calls if c.method == "conversations.open" and c.status == 429],
        timeout=10,
        what="the level 2 DM rate-limited",
    )
    bot.driver.click_button("U0BOB", bob.channel, bob.ts, ids.ACK)
    wait_until(lambda: bot.container.services.incidents.get(inc.id).acknowledged_by == "U0BOB", what="the ack")
    time.sleep(4.5)  # past the Retry-After, and past the next escalate_after
    bot.settle()
    assert pages(bot, "U0CAROL") == []
    assert notices(bot, inc.channel_id, "Paged level 2") == []
    assert notices(bot, inc.channel_id, "Nobody acknowledged") == []
    assert len(pages(bot, "U0BOB")) == 1


def test_raising_to_a_severity_with_another_policy_pages_that_policy_from_level_1(bot: BotHarness) -> None:
    inc = bot.declare("SEV4 slow reports")  # the lingering policy: level 1 waits 10 minutes
    wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="lingering level 1 page")
    bot.command("severity SEV1", channel=inc.channel_id)  # the fast policy
    bob2 = wait_until(lambda: pages(bot, "U0BOB")[1:], timeout=5, what="level 1 of the new policy")[0]
    assert page_text(bob2).endswith("\n_Escalation level 1: severity changed to SEV1_")
    # Then SEV1's respond_within (3s) later, level 2 of the new policy, not 10 minutes.
    wait_until(lambda: pages(bot, "U0CAROL"), timeout=8, what="level 2 of the new policy")
    paged = [data for _, _, _, data in timeline(bot, inc.id, "paged")]
    assert [(d["policy"], d["level"]) for d in paged[:3]] == [("lingering", 0), ("fast", 0), ("fast", 1)]


def test_double_clicking_escalate_escalates_once(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 checkout errors")
    page = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="level 1 page")[0]
    bot.settle()
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ESCALATE)
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ESCALATE)
    bot.settle()
    # Checked before level 2's escalate_after (2s) runs out and the chain moves on by itself.
    assert len(pages(bot, "U0CAROL")) == 1
    assert len(pages(bot, "U0BOB")) == 1  # not paged again as the next pass's level 1
    manual = [row for row in timeline(bot, inc.id, "escalated") if row[1] == "U0BOB"]
    assert len(manual) == 1
    wait_until(lambda: [e for e in bot.workspace.ephemerals("U0BOB") if "just requested" in (e.text or "")],
               what="the second click told it was already requested")
