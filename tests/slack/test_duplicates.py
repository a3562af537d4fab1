"""Declaring the same title twice within a minute: the answer offers Open INC-… and Declare a new incident anyway."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import ids
from bot.slack.blocks.duplicates import channel_url
from tests.harness import BotHarness, find_button, has_action, wait_until


def _offer(bot: BotHarness, user: str = "U0ALICE") -> Any:
    """The latest answer offering to declare anyway (ephemeral, or a DM where the bot cannot post ephemerally)."""

    def latest() -> Any:
        seen = [*bot.workspace.ephemerals(user), *bot.workspace.dm_messages(user)]
        return next((m for m in reversed(seen) if has_action(m.blocks, ids.DECLARE_ANYWAY)), None)

    return wait_until(latest, what="the duplicate declaration answer")


def _anyway(bot: BotHarness, offer: Any, user: str = "U0ALICE", value: str | None = None) -> None:
    r = bot.driver.click_button(user, offer.channel, offer.ts, ids.DECLARE_ANYWAY, value=value)
    assert r.status_code == 200
    bot.settle()


def _open(bot: BotHarness) -> list[tuple[str, str]]:
    return sorted((i.title, i.severity.id) for i in bot.container.services.incidents.list_open())


def _said(bot: BotHarness, needle: str, user: str = "U0ALICE") -> str:
    return wait_until(
        lambda: next((e.text for e in bot.workspace.ephemerals(user) if needle in (e.text or "")), None),
        what=f"an answer saying {needle!r}",
    )


def test_a_double_submit_offers_the_incident_and_declaring_anyway_declares_once(bot: BotHarness) -> None:
    first = bot.declare("SEV2 orders failing")
    bot.command("SEV2 orders failing")
    offer = _offer(bot)
    bot.settle()
    assert _open(bot) == [("orders failing", "SEV2")]
    assert f"*{first.ref}*" in offer.text and "Not declaring it twice" in offer.text
    opener = find_button(offer.blocks, ids.OPEN_CHANNEL)
    assert opener["text"]["text"] == f"Open {first.ref}" and opener["url"] == channel_url(str(first.channel_id))
    assert find_button(offer.blocks, ids.DECLARE_ANYWAY)["text"]["text"] == "Declare a new incident anyway"

    # Opening the channel is a link; Slack still tells the app, which acknowledges and changes nothing.
    r = bot.driver.click_button("U0ALICE", offer.channel, offer.ts, ids.OPEN_CHANNEL)
    assert r.status_code == 200
    bot.settle()
    assert len(_open(bot)) == 1

    _anyway(bot, offer)
    _anyway(bot, offer)  # clicked twice: still one more incident
    assert _open(bot) == [("orders failing", "SEV2"), ("orders failing", "SEV2")]
    second = next(i for i in bot.container.services.incidents.list_open() if i.id != first.id)
    assert second.channel_id and second.channel_id != first.channel_id and second.reporter_id == "U0ALICE"
    assert "already declared this one anyway" in _said(bot, "already declared this one anyway")


def test_another_severity_for_the_same_title_is_new_only_once_confirmed(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    first = bot.declare("SEV3 search slow")
    bot.command("SEV1 search slow")
    offer = _offer(bot)
    bot.settle()
    assert _open(bot) == [("search slow", "SEV3")]  # not yet: it may be the same problem
    assert f"({first.severity.id})" in offer.text and "You asked for *SEV1*" in offer.text
    assert "/incident severity SEV1" in offer.text

    _anyway(bot, offer)
    assert _open(bot) == [("search slow", "SEV1"), ("search slow", "SEV3")]
    assert bot.container.services.incidents.get(first.id).severity.id == "SEV3"


def test_a_forged_declare_anyway_value_is_refused_and_declares_nothing(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    bot.declare("SEV3 cache misses")
    bot.command("SEV3 cache misses")
    offer = _offer(bot)
    _anyway(bot, offer, value="not a declaration")
    assert "does not belong to a declaration" in _said(bot, "does not belong to a declaration")
    forged = json.dumps({"s": "SEV0", "t": "cache misses", "k": "command:forged"})
    _anyway(bot, offer, value=forged)
    assert "no longer a severity" in _said(bot, "no longer a severity")
    assert _open(bot) == [("cache misses", "SEV3")]


def test_the_declare_form_submitted_twice_offers_the_same_choice(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    first = bot.declare("SEV2 dns flapping", user="U0BOB")
    bot.command("", user="U0BOB")
    wait_until(lambda: ws.open_view("U0BOB"), what="declare modal")
    values: dict[str, dict[str, Any]] = {
        ids.TITLE[0]: {ids.TITLE[1]: "dns flapping"},
        ids.SEVERITY[0]: {ids.SEVERITY[1]: "SEV2"},
    }
    bot.driver.submit_view("U0BOB", values=values)
    offer = _offer(bot, "U0BOB")
    bot.settle()
    assert f"*{first.ref}*" in offer.text and len(_open(bot)) == 1
    _anyway(bot, offer, user="U0BOB")
    assert _open(bot) == [("dns flapping", "SEV2"), ("dns flapping", "SEV2")]
