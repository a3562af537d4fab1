"""JSON log lines name the Slack request and the incident; tokens, secrets and request bodies never appear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import configure_logging
from bot.slack.gateway import QUICK_RETRIES
from tests.harness import SIGNING_SECRET, BotHarness, start_bot, wait_until

TOKEN = "xoxb-test-token"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The bot's own handler and formatter, writing into a buffer (pytest's handlers restored after)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", json_lines=True, secrets=[TOKEN, SIGNING_SECRET], stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.fixture
def bot(captured: io.StringIO, sqlite_url: str) -> Iterator[BotHarness]:
    harness = start_bot(sqlite_url)  # built after logging is configured, as `incident-bot serve` does
    try:
        yield harness
    finally:
        harness.stop()


def test_a_listener_line_carries_the_event_id_and_the_incident(bot: BotHarness, captured: io.StringIO) -> None:
    inc = bot.declare("SEV2 checkout errors")
    bot.workspace.fail_next("chat.postEphemeral", "channel_not_found", http_status=200)
    bot.driver.user_joins("U0BOB", inc.channel_id)
    event_id = bot.driver.last_event_id
    line = wait_until(
        lambda: next((r for r in lines(captured) if r["msg"].startswith("could not greet")), None),
        what="the greeting failure logged",
    )
    assert line["request_id"] == event_id
    assert line["incident"] == inc.ref
    assert line["logger"] == "bot.slack.listeners.events"


def test_an_outbox_line_carries_the_incident_it_delivers_for(bot: BotHarness, captured: io.StringIO) -> None:
    inc = bot.declare("SEV2 search slow")
    # The gateway tries a 5xx again twice itself; the third refusal hands the message back to the outbox.
    bot.workspace.fail_next("chat.postMessage", "internal_error", http_status=500, times=QUICK_RETRIES + 1)
    bot.command("update identified hot shard", channel=inc.channel_id)
    line = wait_until(
        lambda: next((r for r in lines(captured) if r["msg"].startswith("will retry incident.updated")), None),
        what="the retry logged",
    )
    assert line["incident"] == inc.ref and "request_id" not in line
    # Lines outside any incident or request carry neither.
    assert any("incident" not in r and "request_id" not in r for r in lines(captured))


def test_a_bad_signature_is_logged_without_the_body_and_secrets_never_appear(
    bot: BotHarness, captured: io.StringIO
) -> None:
    bot.driver.tamper_next(signature="v0=forged")
    response = bot.command("SEV1 forged-request-marker")
    assert response.status_code == 401
    logging.getLogger("bot.test").warning("config was %s / %s / xoxp-1234-abcd", TOKEN, SIGNING_SECRET)
    records = lines(captured)
    refused = [r for r in records if "invalid request signature" in r["msg"]]
    assert len(refused) == 1 and refused[0]["logger"] == "slack_bolt.RequestVerification"
    assert refused[0]["request_id"]
    text = captured.getvalue()
    assert "forged-request-marker" not in text and "v0=forged" not in text
    assert TOKEN not in text and SIGNING_SECRET not in text and "xoxp-1234" not in text
    assert "config was [redacted] / [redacted] / [redacted]" in text
