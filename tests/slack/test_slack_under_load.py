"""Slack under load: tiers respected, 30% failures survived exactly once, one stalled incident delays no other."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from bot.services.read_models import IncidentView
from bot.slack.blocks import broadcast as broadcast_blocks
from tests.harness import BotHarness, block_text, shows, start_bot, wait_until
from tests.scheduling.helpers import fast_bot, fired, nudges, pages, stop_scheduling

pytestmark = pytest.mark.slow

# The emulator's limits and the bot's budget both run this many times faster than Slack's (bursts as
# Slack's), so a minute of Tier 2 passes in three seconds.
SPEEDUP = 20.0


def _emulated(threads: int = 24) -> tuple[Workspace, EmulatorServer]:
    ws = Workspace()
    return ws, EmulatorServer(ws, threads=threads).start()


def _all_at_once(bot: BotHarness, commands: list[tuple[str, str | None]]) -> None:
    """Send every slash command at the same moment, as many people would; each is acknowledged."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        answers = list(pool.map(lambda c: bot.command(c[0], channel=c[1]), commands))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]


def _open_incidents(bot: BotHarness, count: int, timeout: float = 30) -> list[IncidentView]:
    def all_there() -> list[IncidentView] | None:
        found = bot.container.services.incidents.list_open()
        return found if len(found) >= count else None

    found = wait_until(all_there, timeout=timeout, what=f"{count} incidents")
    assert len(found) == count
    return sorted(found, key=lambda i: i.id)


def _cards(bot: BotHarness, inc: IncidentView) -> list[Any]:
    assert inc.channel_id
    return [m for m in bot.workspace.messages(inc.channel_id) if m.text.startswith(f"{inc.ref} [")]


def _broadcasts(bot: BotHarness, inc: IncidentView) -> list[Any]:
    channel = bot.workspace.channel_id("incidents")
    heads = [(m, [b for b in m.blocks if b.get("block_id") == broadcast_blocks.HEAD]) for m in bot.workspace.messages(channel)]
    return [m for m, head in heads if head and f"· {inc.ref}" in block_text(head[0])]


def test_thirty_concurrent_declarations_drain_within_slacks_tiers(sqlite_url: str) -> None:
    ws, emulator = _emulated()
    limits = ws.enforce_rate_limits(speedup=SPEEDUP)
    bot = start_bot(sqlite_url, workspace=ws, emulator=emulator, slack_rate_limit_factor=SPEEDUP)
    try:
        started = time.monotonic()
        _all_at_once(bot, [(f"SEV2 checkout shard {n} down", None) for n in range(30)])
        _open_incidents(bot, 30)
        bot.settle(timeout=90)
        elapsed = time.monotonic() - started
        incidents = bot.container.services.incidents.list_open()
        for inc in incidents:
            assert len(_cards(bot, inc)) == 1 and len(_broadcasts(bot, inc)) == 1, inc.ref
            assert [p.ts for p in ws.pins(str(inc.channel_id))] == [inc.card_ts]
        creates = ws.calls_to("conversations.create")
        assert len([c for c in creates if c.ok]) == 30
        # Queued and drained at the allowed rate instead of discovered: (almost) no 429 was collected.
        assert limits.total_refused <= 2, dict(limits.refused)
        # And the rate was a real constraint: Tier 2 allows 20 at once, then one every 3 s (sped up).
        assert elapsed >= (30 - 20) * 3 / SPEEDUP * 0.9
        # Sent all at once, that burst would have collected 429s.
        for _ in range(30):
            limits.check("conversations.create")
        assert limits.refused["conversations.create"] >= 10
    finally:
        bot.stop()


def test_thirty_percent_slack_failures_still_deliver_everything_exactly_once(sqlite_url: str) -> None:
    ws, emulator = _emulated()
    bot = fast_bot(sqlite_url, workspace=ws, emulator=emulator, slack_rate_limit_factor=SPEEDUP)
    try:
        # Bolt looks the bot up (auth.test) on its first request and refuses that request if Slack fails
        # it; this test is about the outbox, so the bot has answered once before Slack turns flaky.
        assert bot.command("help").status_code == 200
        wait_until(lambda: ws.calls_to("auth.test"), what="Bolt's first auth.test")
        ws.fail_randomly(0.3, seed=9)
        _all_at_once(bot, [(f"SEV2 region {n} degraded", None) for n in range(20)])
        incidents = _open_incidents(bot, 20)
        wait_until(lambda: all(bot.container.services.incidents.get(i.id).channel_id for i in incidents),
                   timeout=60, what="every incident's channel")
        _all_at_once(bot, [(f"update identified cause {i.ref} found", bot.container.services.incidents
                            .get(i.id).channel_id) for i in incidents])

        def everything_delivered() -> bool:
            for inc in incidents:
                fresh = bot.container.services.incidents.get(inc.id)
                channel = str(fresh.channel_id)
                if not (fresh.card_ts and fresh.broadcast_ts and nudges(bot, channel)):
                    return False
                if not [m for m in ws.messages(channel) if f"cause {inc.ref} found" in m.text]:
                    return False
            return True

        wait_until(everything_delivered, timeout=90, interval=0.25, what="every card, update and nudge")
        stop_scheduling(bot)
        bot.settle(timeout=90)
        broadcast = ws.channel_id("incidents")
        assert len([c for c in ws.calls_to("conversations.create") if c.ok]) == 20
        for inc in incidents:
            fresh = bot.container.services.incidents.get(inc.id)
            channel = str(fresh.channel_id)
            assert len(_cards(bot, fresh)) == 1 and len(_broadcasts(bot, fresh)) == 1, fresh.ref
            updates = [m for m in ws.messages(channel) if m.text == f"Update: cause {inc.ref} found"]
            thread = [m for m in ws.replies(broadcast, str(fresh.broadcast_ts))
                      if m.text == f"{inc.ref} update: cause {inc.ref} found"]
            assert len(updates) == 1 and len(thread) == 1, fresh.ref
            assert len(nudges(bot, channel)) == len(fired(bot, inc.id, "nudge")) >= 1, fresh.ref
        faults = ws.conditions.random_faults
        assert faults is not None and faults.injected >= 100  # the failures were real and many
    finally:
        bot.stop()


def _latency(bot: BotHarness, text: str, arrived: Callable[[IncidentView], Any]) -> float:
    before = {i.id for i in bot.container.services.incidents.list_open()}
    sent = time.monotonic()
    assert bot.command(text).status_code == 200
    inc = wait_until(lambda: next((i for i in bot.container.services.incidents.list_open()
                                   if i.id not in before), None), what="incident row")
    wait_until(lambda: arrived(bot.container.services.incidents.get(inc.id)), timeout=15, interval=0.02,
               what=f"{text} to arrive")
    return time.monotonic() - sent


def test_one_incidents_stalled_channel_does_not_delay_other_incidents(sqlite_url: str) -> None:
    ws, emulator = _emulated()
    ws.delay_calls(0.05)  # every call takes a little while, as over a real network
    bot = fast_bot(sqlite_url, workspace=ws, emulator=emulator)

    def card_and_page(inc: IncidentView) -> bool:
        page = [p for p in pages(bot, "U0BOB") if shows(p, inc.ref)]
        return bool(inc.card_ts and page)

    try:
        normal = _latency(bot, "SEV1 baseline incident", card_and_page)
        stalled = bot.declare("SEV1 the stalled one")
        stall = ws.stall_channel(str(stalled.channel_id), seconds=10)
        bot.command("update investigating still looking", channel=stalled.channel_id)
        wait_until(lambda: stall.stalled_calls >= 1, what="the stalled incident's update to hang")
        with ThreadPoolExecutor(max_workers=3) as pool:
            others = list(pool.map(lambda n: _latency(bot, f"SEV1 unrelated outage {n}", card_and_page),
                                   range(3)))
        # Each other incident's card and page came about as fast as without the stall (not after 10 s).
        assert not stall.released and stall.stalled_calls >= 1
        assert max(others) <= normal + 1.5, (normal, others)
        stall.release()
        bot.settle(timeout=30)
        assert len([m for m in ws.messages(str(stalled.channel_id))
                    if m.text == "Update: still looking"]) == 1
    finally:
        for stall in ws.conditions.stalls.values():
            stall.release()
        bot.stop()


def test_five_concurrent_declarations_on_a_slow_slack_all_get_their_cards_promptly(sqlite_url: str) -> None:
    ws, emulator = _emulated()
    ws.delay_calls(0.2)
    bot = start_bot(sqlite_url, workspace=ws, emulator=emulator)
    try:
        _latency(bot, "SEV3 first alone", lambda inc: inc.card_ts)
        bot.settle()
        calls_before = len(ws.calls)
        _latency(bot, "SEV3 second alone", lambda inc: inc.card_ts)
        bot.settle()
        per_declaration = (len(ws.calls) - calls_before) * 0.2  # Slack's time for one declaration
        with ThreadPoolExecutor(max_workers=5) as pool:
            together = list(pool.map(lambda n: _latency(bot, f"SEV3 together {n}", lambda inc: inc.card_ts),
                                     range(5)))
        # One after another, the last card would wait for five declarations' Slack time; side by side,
        # every card comes long before that.
        assert per_declaration >= 1.0
        assert max(together) <= 5 * per_declaration * 0.5, (per_declaration, together)
    finally:
        bot.stop()
