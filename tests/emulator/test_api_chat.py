"""chat.* methods and the Web API envelope, through the real slack_sdk WebClient."""

from __future__ import annotations

import json

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace

SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]


def error_of(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def test_post_by_name_and_id_appends_increasing_ts(client: WebClient, workspace: Workspace) -> None:
    incidents = workspace.channel_by_name("incidents")
    assert incidents is not None
    first = client.chat_postMessage(channel="incidents", text="one", blocks=SECTION)
    second = client.chat_postMessage(channel=incidents.id, text="two")
    assert first["channel"] == second["channel"] == incidents.id
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == SECTION
    assert [m.text for m in workspace.messages("incidents")] == ["one", "two"]
    assert [c.method for c in workspace.calls] == ["chat.postMessage", "chat.postMessage"]
    assert workspace.calls[0].ok and workspace.calls[0].args["channel"] == "incidents"


def test_post_to_user_id_opens_dm(client: WebClient, workspace: Workspace) -> None:
    response = client.chat_postMessage(channel="U0BOB", text="you are paged")
    assert response["channel"].startswith("D")
    assert [m.text for m in workspace.dm_messages("U0BOB")] == ["you are paged"]
    assert workspace.dm_messages("U0CAROL") == []


def test_thread_replies_are_kept_apart(client: WebClient, workspace: Workspace) -> None:
    parent = client.chat_postMessage(channel="incidents", text="parent")["ts"]
    reply = client.chat_postMessage(channel="incidents", text="reply", thread_ts=parent)
    nested = client.chat_postMessage(channel="incidents", text="reply to reply", thread_ts=reply["ts"])
    assert nested["message"]["thread_ts"] == parent
    assert [m.text for m in workspace.messages("incidents")] == ["parent"]
    assert [m.text for m in workspace.messages("incidents", include_threads=True)] == [
        "parent",
        "reply",
        "reply to reply",
    ]
    assert [m.text for m in workspace.thread("incidents", parent)] == ["parent", "reply", "reply to reply"]
    history = client.conversations_history(channel=workspace.channel_id("incidents"))
    assert history["messages"][0]["reply_count"] == 2


def test_post_errors(client: WebClient, workspace: Workspace) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="general", text="x")
    assert error_of(exc) == "not_in_channel"
    assert "not a member of #general" in workspace.warnings[-1]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C404", text="x")
    assert error_of(exc) == "channel_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage", json={"channel": "incidents"})
    assert error_of(exc) == "no_text"
    client.conversations_archive(channel=workspace.channel_id("incidents"))
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="incidents", text="x")
    assert error_of(exc) == "is_archived"
    assert [c.error for c in workspace.calls if not c.ok] == [
        "not_in_channel",
        "channel_not_found",
        "no_text",
        "is_archived",
    ]


def test_invalid_blocks_explained(client: WebClient, workspace: Workspace) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3214}}]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="incidents", text="long", blocks=blocks)
    assert error_of(exc) == "invalid_blocks"
    messages = exc.value.response["response_metadata"]["messages"]
    assert messages == [
        "[ERROR] section text is 3,214 characters; Slack's limit is 3,000 [json-pointer:/blocks/0/text/text]"
    ]
    assert "section text is 3,214 characters; Slack's limit is 3,000" in workspace.warnings[-1]
    assert workspace.messages("incidents") == []


def test_too_many_blocks_and_too_long_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="incidents", text="x", blocks=[{"type": "divider"}] * 51)
    assert error_of(exc) == "invalid_blocks"
    big = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 2900}} for _ in range(5)]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="incidents", text="x", blocks=big)
    assert error_of(exc) == "msg_blocks_too_long"


def test_missing_fallback_text_is_a_warning_not_an_error(
    emulator: EmulatorServer, workspace: Workspace
) -> None:
    response = requests.post(
        emulator.api_url + "chat.postMessage",
        timeout=5,
        headers={"Authorization": "Bearer xoxb-1"},
        data={"channel": "incidents", "blocks": json.dumps(SECTION)},
    )
    assert response.json()["ok"] is True
    assert "without top-level 'text'" in workspace.warnings[-1]


def test_form_encoded_body_with_blocks_string(emulator: EmulatorServer, workspace: Workspace) -> None:
    response = requests.post(
        emulator.api_url + "chat.postMessage",
        timeout=5,
        data={"token": "xoxb-form", "channel": "incidents", "text": "hi", "blocks": json.dumps(SECTION)},
    )
    assert response.status_code == 200
    assert response.json()["message"]["blocks"] == SECTION
    broken = requests.post(
        emulator.api_url + "chat.postMessage",
        timeout=5,
        data={"token": "xoxb-form", "channel": "incidents", "text": "hi", "blocks": "[{"},
    )
    assert broken.json() == {"ok": False, "error": "invalid_blocks_format"}


def test_auth_errors_and_unknown_method(emulator: EmulatorServer, workspace: Workspace) -> None:
    url = emulator.api_url
    assert requests.post(url + "auth.test", timeout=5).json() == {"ok": False, "error": "not_authed"}
    bad = requests.post(url + "auth.test", headers={"Authorization": "Bearer xoxp-user"}, timeout=5)
    assert bad.status_code == 200 and bad.json() == {"ok": False, "error": "invalid_auth"}
    unknown = requests.post(url + "chat.postMesage", headers={"Authorization": "Bearer xoxb-1"}, timeout=5)
    assert unknown.json() == {"ok": False, "error": "unknown_method"}
    assert "chat.postMesage" in workspace.warnings[-1]


def test_auth_test_identifies_bot(client: WebClient) -> None:
    data = client.auth_test().data
    assert isinstance(data, dict)
    assert (data["user_id"], data["bot_id"], data["team_id"]) == ("UBOT", "BBOT", "T0EMULATE")


def test_update(client: WebClient, workspace: Workspace) -> None:
    posted = client.chat_postMessage(channel="incidents", text="v1", blocks=SECTION)
    channel = posted["channel"]
    updated = client.chat_update(channel=channel, ts=posted["ts"], text="v2")
    assert updated["text"] == "v2"
    message = workspace.message("incidents", posted["ts"])
    assert message is not None
    assert message.text == "v2" and message.blocks == SECTION and message.edits[0]["text"] == "v1"
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=channel, ts="1.000001", text="x")
    assert error_of(exc) == "message_not_found"
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=channel, ts=posted["ts"], text="x" * 4001)
    assert error_of(exc) == "msg_too_long"
    human = workspace.post_message(channel, "U0ALICE", "mine")
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=channel, ts=human.ts, text="x")
    assert error_of(exc) == "cant_update_message"


def test_ephemeral(client: WebClient, workspace: Workspace) -> None:
    client.chat_postEphemeral(channel="incidents", user="U0ALICE", text="only you")
    assert [e.text for e in workspace.ephemerals("U0ALICE")] == ["only you"]
    assert workspace.ephemerals("U0BOB") == []
    workspace.create_channel("quiet", members=["U0BOB"])
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="quiet", user="U0ALICE", text="x")
    assert error_of(exc) == "user_not_in_channel"


def test_delete_and_permalink(client: WebClient, workspace: Workspace) -> None:
    posted = client.chat_postMessage(channel="incidents", text="bye")
    link = client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])["permalink"]
    assert link == f"https://emulated.slack.com/archives/{posted['channel']}/p{posted['ts'].replace('.', '')}"
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert workspace.messages("incidents") == []
    with pytest.raises(SlackApiError) as exc:
        client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])
    assert error_of(exc) == "message_not_found"


def test_empty_messages_and_unknown_ephemeral_users_warn(client: WebClient, workspace: Workspace) -> None:
    with pytest.raises(SlackApiError) as empty:
        client.api_call("chat.postMessage", json={"channel": "incidents"})
    assert error_of(empty) == "no_text"
    assert workspace.warnings == ["chat.postMessage: no text, blocks or attachments; Slack refuses an empty message"]
    with pytest.raises(SlackApiError) as nobody:
        client.chat_postEphemeral(channel="incidents", user="U0NOBODY", text="psst")
    assert error_of(nobody) == "user_not_found"
    assert workspace.warnings[-1] == "chat.postEphemeral: no user 'U0NOBODY' in the workspace"
    with pytest.raises(SlackApiError) as blank:
        client.api_call("chat.postEphemeral", json={"channel": "incidents", "user": "U0ALICE"})
    assert error_of(blank) == "no_text"
    assert workspace.warnings[-1] == "chat.postEphemeral: no text or blocks; Slack refuses an empty message"
