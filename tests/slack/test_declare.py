"""Declaring through the real Bolt endpoint: channel, topic, invites, pinned card, broadcast, link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.slack import ids
from tests.harness import BotHarness, find_button, has_action, shows, wait_until


def test_slash_command_declares_incident_end_to_end(bot: BotHarness) -> None:
    ws = bot.workspace
    response = bot.command("SEV1 payments down", user="U0ALICE")
    assert response.status_code == 200
    assert "Declaring" in response.text  # the immediate ephemeral answer

    incident = wait_until(lambda: bot.container.services.incidents.list_open(), what="incident")[0]
    incident = bot.wait_delivered(incident.id)

    today = datetime.now(UTC).date().isoformat()
    assert re.fullmatch(r"INC-\d{4}-\d{4}", incident.ref)
    assert incident.channel_name == f"incident-{today}-payments-down"
    channel = ws.channel(incident.channel_id)
    assert channel is not None and not channel.is_private
    assert "SEV1" in channel.topic and "Investigating" in channel.topic
    assert incident.ref in channel.purpose
    assert "U0ALICE" in channel.members

    pins = ws.pins(incident.channel_id)
    assert len(pins) == 1 and pins[0].ts == incident.card_ts
    card = pins[0]
    buttons = {
        ids.ACK: "Acknowledge",
        ids.ASSIGN_ROLES: "Assign roles",
        ids.POST_UPDATE: "Post update",
        ids.ESCALATE: "Escalate",
        ids.RESOLVE: "Resolve",
    }
    for action_id, label in buttons.items():
        assert find_button(card, action_id)["text"]["text"] == label
    assert shows(card, "payments down")

    broadcast = ws.channel_by_name("incidents")
    posts = ws.messages(broadcast.id)
    assert any(
        shows(m, f"<#{incident.channel_id}")
        and has_action(m, ids.JOIN)
        and find_button(m, ids.JOIN)["text"]["text"] == "Join channel"
        for m in posts
    )
    assert incident.broadcast_ts

    # The reporter got the link through the response_url.
    wait_until(
        lambda: any(incident.channel_id in (e.text or "") for e in ws.ephemerals("U0ALICE")), what="link"
    )
