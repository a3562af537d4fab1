"""A page DM is edited in place once its page is answered: who acknowledged, escalated past, or resolved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack import ids
from tests.harness import BotHarness, carries, has_action, shows, wait_until
from tests.scheduling.helpers import fast_bot, page_now, pages, running


@pytest.fixture
def bot(database_url: str) -> Iterator[BotHarness]:
    yield from running(fast_bot(database_url))


def _has_buttons(message: Any) -> bool:
    return any(b.get("type") == "actions" for b in message.blocks)


def _says(bot: BotHarness, page: Any, needle: str) -> Any:
    """Wait until the page DM reads ``needle``; it must have lost its buttons by then."""
    message = wait_until(lambda: (m := page_now(bot, page)) is not None and shows(m, needle) and m,
                         timeout=10, what=f"the page DM to say {needle!r}")
    assert not _has_buttons(message), message.blocks
    assert not has_action(message, ids.ACK) and not has_action(message, ids.ESCALATE)
    assert shows(message, "You were paged") and not carries(message, "You are being paged")
    return message


def test_acknowledging_in_the_dm_edits_it_to_say_who(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 api 500s")
    page = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="page")[0]
    assert _has_buttons(page_now(bot, page))
    bot.driver.click_button("U0BOB", page.channel, page.ts, ids.ACK)
    edited = _says(bot, page, "Acknowledged by <@U0BOB>")
    assert shows(edited, inc.ref, "Escalation level 1: SEV1 declared")
    assert len(bot.workspace.dm_messages("U0BOB")) == 1  # edited, not posted again


def test_escalation_past_a_level_edits_its_dm_then_the_ack_edits_both(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 checkout down")
    bob = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="level 1 page")[0]
    carol = wait_until(lambda: pages(bot, "U0CAROL"), timeout=12, what="level 2 page")[0]
    _says(bot, bob, "escalated to level 2")
    assert _has_buttons(page_now(bot, carol))  # the level being paged keeps its buttons
    bot.command("ack", channel=inc.channel_id, user="U0CAROL")
    _says(bot, carol, "Acknowledged by <@U0CAROL>")
    both = _says(bot, bob, "Acknowledged by <@U0CAROL>")
    assert shows(both, "escalated to level 2")


def test_the_escalate_button_edits_the_dm_it_was_clicked_in(bot: BotHarness) -> None:
    bot.declare("SEV1 cache stampede")
    bob = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="page")[0]
    bot.driver.click_button("U0BOB", bob.channel, bob.ts, ids.ESCALATE)
    wait_until(lambda: pages(bot, "U0CAROL"), timeout=6, what="escalated page")
    _says(bot, bob, "escalated to level 2")


def test_resolving_edits_every_page_dm(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 dns flapping")
    bob = wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="page")[0]
    bot.command("resolve dns fixed", channel=inc.channel_id)
    _says(bot, bob, f"{inc.ref} is resolved")
    bot.settle()
    assert pages(bot, "U0CAROL") == []
