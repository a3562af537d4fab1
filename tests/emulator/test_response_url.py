"""response_url messages: ephemeral by default, in_channel, replace/delete original, 5 uses in 30 min."""

from __future__ import annotations

import pytest
import requests
from slack_sdk.webhook import WebhookClient

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace


@pytest.fixture
def channel_id(workspace: Workspace) -> str:
    channel = workspace.channel_by_name("incidents")
    assert channel is not None
    return channel.id


def test_default_is_ephemeral_and_in_channel_posts(
    emulator: EmulatorServer, workspace: Workspace, channel_id: str
) -> None:
    url = workspace.issue_response_url("U0ALICE", channel_id)
    assert url.startswith(emulator.url + "response/")
    hook = WebhookClient(url)
    assert hook.send(text="just for you").status_code == 200
    assert [e.text for e in workspace.ephemerals("U0ALICE")] == ["just for you"]
    assert hook.send(text="for everyone", response_type="in_channel").body == "ok"
    assert [m.text for m in workspace.messages("incidents")] == ["for everyone"]


def test_replace_and_delete_original(emulator: EmulatorServer, workspace: Workspace, channel_id: str) -> None:
    message = workspace.post_message(channel_id, "UBOT", "Acknowledge?")
    url = workspace.issue_response_url("U0BOB", channel_id, message.ts)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Acked by <@U0BOB>"}}]
    assert (
        requests.post(
            url, json={"replace_original": True, "text": "Acked", "blocks": blocks}, timeout=5
        ).status_code
        == 200
    )
    assert message.text == "Acked" and message.blocks == blocks
    assert requests.post(url, json={"delete_original": True}, timeout=5).status_code == 200
    assert workspace.messages("incidents") == []


def test_replace_ephemeral_original(emulator: EmulatorServer, workspace: Workspace, channel_id: str) -> None:
    eph = workspace.post_ephemeral(channel_id, "U0BOB", "Pick a severity")
    url = workspace.issue_response_url("U0BOB", channel_id, eph.ts, is_ephemeral=True)
    requests.post(url, json={"replace_original": True, "text": "SEV2 chosen"}, timeout=5)
    assert [e.text for e in workspace.ephemerals("U0BOB")] == ["SEV2 chosen"]


def test_five_uses_then_refused(emulator: EmulatorServer, workspace: Workspace, channel_id: str) -> None:
    url = workspace.issue_response_url("U0ALICE", channel_id)
    statuses = [requests.post(url, json={"text": f"n{i}"}, timeout=5).status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert "more than 5 times" in workspace.warnings[-1]


def test_expires_after_30_minutes(emulator: EmulatorServer, workspace: Workspace, channel_id: str) -> None:
    url = workspace.issue_response_url("U0ALICE", channel_id)
    workspace.response_urls[url.rsplit("/", 1)[1]].created -= 31 * 60
    response = requests.post(url, json={"text": "late"}, timeout=5)
    assert (response.status_code, response.text) == (404, "expired_url")


def test_invalid_blocks_rejected(emulator: EmulatorServer, workspace: Workspace, channel_id: str) -> None:
    url = workspace.issue_response_url("U0ALICE", channel_id)
    blocks = [{"type": "header", "text": {"type": "mrkdwn", "text": "Title"}}]
    response = requests.post(url, json={"text": "x", "blocks": blocks}, timeout=5)
    assert (response.status_code, response.text) == (400, "invalid_blocks")
    assert "header text must be plain_text" in workspace.warnings[-1]
    assert workspace.ephemerals("U0ALICE") == []


def test_a_message_without_text_warns(emulator: EmulatorServer, workspace: Workspace, channel_id: str) -> None:
    url = workspace.issue_response_url("U0ALICE", channel_id)
    response = requests.post(url, json={"response_type": "in_channel"}, timeout=5)
    assert (response.status_code, response.text) == (400, "no_text")
    assert workspace.warnings == ["response_url: a message needs text or blocks; Slack answers no_text"]
    assert workspace.messages("incidents") == []
