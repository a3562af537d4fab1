"""A delivery Slack refuses for good is never silent: counted, logged and told to the IC, channel or reporter."""

from __future__ import annotations

import logging

import pytest

from bot.cli_outbox import retry_outbox
from bot.domain.events import DeliveryFailed
from bot.storage.models import OutboxMessage
from tests.harness import BotHarness, block_texts


def _rows(bot: BotHarness) -> list[tuple[int, str, str]]:
    with bot.container.uow() as session:
        return [(m.id, m.event, m.state) for m in session.query(OutboxMessage).order_by(OutboxMessage.id)]


def _failed(bot: BotHarness) -> float:
    return bot.container.metrics.registry.get_sample_value("incident_bot_outbox_failed_total") or 0.0


def _notices(messages: list[object]) -> list[str]:
    return [" ".join(block_texts(m)) for m in messages if "refused" in " ".join(block_texts(m))]


def test_a_refused_update_is_counted_logged_and_told_to_the_ic_by_dm_once(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    inc = bot.declare("SEV2 archived too early")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.settle()
    bot.workspace.update_channel(inc.channel_id, is_archived=True)  # Slack now refuses every post there
    caplog.set_level(logging.ERROR, logger="bot.services.failures")
    bot.command("update identified the cache is cold", channel=inc.channel_id)
    bot.settle()

    dead = [(mid, kind) for mid, kind, state in _rows(bot) if state == "dead"]
    assert dead == [(dead[0][0], "incident.updated")]
    assert _failed(bot) == 1
    assert any(inc.ref in r.getMessage() and "incident.updated" in r.getMessage() for r in caplog.records)
    (notice,) = _notices(bot.workspace.dm_messages("U0BOB"))
    assert inc.ref in notice and "a status update" in notice and "is_archived" in notice
    assert f"incident-bot outbox retry {dead[0][0]}" in notice
    assert _notices(bot.workspace.dm_messages("U0ALICE")) == []
    assert [kind for _, kind, state in _rows(bot) if kind == DeliveryFailed.kind] == [DeliveryFailed.kind]


def test_without_an_ic_a_message_refused_in_the_channel_is_told_there(bot: BotHarness) -> None:
    inc = bot.declare("SEV3 one bad message")
    assert inc.commander_id is None
    bot.workspace.fail_next("chat.postMessage", "msg_blocks_too_long", http_status=200)
    bot.command("note the dashboards lag by five minutes", channel=inc.channel_id)
    bot.settle()
    (notice,) = _notices(bot.messages(inc.channel_id))
    assert "a note" in notice and "msg_blocks_too_long" in notice
    assert _notices(bot.workspace.dm_messages("U0ALICE")) == []


def test_without_an_ic_a_broken_channel_is_told_to_the_reporter_and_a_failed_notice_is_not_told_again(
    bot: BotHarness,
) -> None:
    inc = bot.declare("SEV3 channel gone")
    bot.workspace.update_channel(inc.channel_id, is_archived=True)
    bot.command("update monitoring watching the error rate", channel=inc.channel_id)
    bot.settle()
    (notice,) = _notices(bot.workspace.dm_messages("U0ALICE"))
    assert "a status update" in notice and "is_archived" in notice

    # The DM itself refused: the notice fails, is counted, and no notice about the notice follows.
    before = _failed(bot)
    bot.workspace.fail_next("conversations.open", "user_disabled", http_status=200)
    bot.command("update monitoring still watching", channel=inc.channel_id)
    bot.settle()
    assert _failed(bot) == before + 2
    notices = [state for _, kind, state in _rows(bot) if kind == DeliveryFailed.kind]
    assert notices == ["done", "dead"]
    assert len(_notices(bot.workspace.dm_messages("U0ALICE"))) == 1


def test_a_failed_update_retried_by_the_operator_goes_out_once_its_cause_is_fixed(bot: BotHarness) -> None:
    inc = bot.declare("SEV3 replay me")
    bot.workspace.update_channel(inc.channel_id, is_archived=True)
    bot.command("update identified a full disk", channel=inc.channel_id)
    bot.settle()
    (mid,) = [mid for mid, kind, state in _rows(bot) if state == "dead" and kind == "incident.updated"]
    bot.workspace.update_channel(inc.channel_id, is_archived=False)
    assert retry_outbox(bot.settings.database_url, mid) == 0
    bot.container.dispatcher.kick()
    bot.settle()
    assert (mid, "incident.updated", "done") in _rows(bot)
    updates = [
        m for m in bot.messages(inc.channel_id) if m.ts != inc.card_ts and "a full disk" in " ".join(block_texts(m))
    ]
    assert len(updates) == 1
    assert _failed(bot) == 1  # the replay did not fail again
