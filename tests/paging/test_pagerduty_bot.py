"""The bot with the PagerDuty pager beside Slack DMs, against the local fake Events API: trigger on declare,
acknowledge on the Slack ack, resolve on resolve, and an ack after the chain ran out still sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack import ids
from tests.harness import BotHarness, wait_until
from tests.paging.test_pagerduty import FakeEvents
from tests.scheduling.helpers import fast_bot, notices, pages, running


@pytest.fixture
def events() -> Iterator[FakeEvents]:
    server = FakeEvents()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def bot(database_url: str, events: FakeEvents) -> Iterator[BotHarness]:
    yield from running(
        fast_bot(database_url, pagerduty_routing_key="R0UTING", pagerduty_events_url=events.url)
    )


def _actions(events: FakeEvents) -> list[str]:
    return [str(e["event_action"]) for e in events.events]


def test_declare_ack_and_resolve_reach_pagerduty_with_one_dedup_key(bot: BotHarness, events: FakeEvents) -> None:
    inc = bot.declare("SEV1 payments down")
    page = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="the Slack page")[0]
    wait_until(lambda: "trigger" in _actions(events), timeout=5, what="the PagerDuty trigger")
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ACK)
    wait_until(lambda: "acknowledge" in _actions(events), timeout=10, what="the PagerDuty acknowledge")
    bot.command("resolve card reader fixed", channel=inc.channel_id)
    wait_until(lambda: "resolve" in _actions(events), timeout=10, what="the PagerDuty resolve")
    bot.settle()
    assert _actions(events) == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in events.events} == {f"incident-bot-{inc.ref}"}
    assert all(e["routing_key"] == "R0UTING" for e in events.events)
    assert "payments down" in events.events[0]["payload"]["summary"]


def test_an_ack_after_nobody_acknowledged_still_reaches_pagerduty(bot: BotHarness, events: FakeEvents) -> None:
    inc = bot.declare("SEV1 api 500s")
    # Level 1, level 2 after 3s, then the repeat (2s each): nobody acknowledged after about 9s.
    wait_until(lambda: notices(bot, inc.channel_id, "Nobody acknowledged"), timeout=20, what="the chain to run out")
    assert set(_actions(events)) == {"trigger"}
    bot.command("ack", channel=inc.channel_id, user="U0CAROL")
    wait_until(lambda: "acknowledge" in _actions(events), timeout=10, what="the PagerDuty acknowledge")
    bot.settle()
    assert _actions(events).count("acknowledge") == 1
