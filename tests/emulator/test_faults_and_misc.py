"""Injected 429/5xx failures, pins, bookmarks, reactions, users, usergroups and file uploads."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace


def test_rate_limit_answers_429_with_retry_after(client: WebClient, workspace: Workspace) -> None:
    workspace.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="incidents", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"
    assert exc.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="incidents", text="x")["ok"] is True
    assert [(c.status, c.error) for c in workspace.calls_to("chat.postMessage")] == [
        (429, "ratelimited"),
        (200, None),
    ]


def test_rate_limit_retry_handler_recovers(emulator: EmulatorServer, workspace: Workspace) -> None:
    client = WebClient(
        base_url=emulator.api_url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    workspace.fail_next("conversations.create", retry_after=0, times=2)
    assert client.conversations_create(name="inc-9")["ok"] is True
    assert [c.status for c in workspace.calls_to("conversations.create")] == [429, 429, 200]


def test_server_errors_json_and_html(client: WebClient, workspace: Workspace) -> None:
    workspace.fail_next("chat.update", error="internal_error", http_status=500)
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C1", ts="1.1", text="x")
    assert exc.value.response.status_code == 500 and exc.value.response["error"] == "internal_error"
    workspace.fail_next("chat.update", http_status=503, error="service_unavailable", html=True)
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C1", ts="1.1", text="x")
    assert exc.value.response.status_code == 503
    assert "non-JSON" in str(exc.value.response["error"])


def test_faults_only_hit_their_method(client: WebClient, workspace: Workspace) -> None:
    workspace.fail_next("pins.add", error="channel_not_found", http_status=200)
    assert client.auth_test()["ok"] is True
    with pytest.raises(SlackApiError) as exc:
        client.pins_add(channel="C1", timestamp="1.1")
    assert exc.value.response.status_code == 200 and exc.value.response["error"] == "channel_not_found"


def test_pins_bookmarks_reactions(client: WebClient, workspace: Workspace) -> None:
    posted = client.chat_postMessage(channel="incidents", text="summary")
    channel = posted["channel"]
    client.pins_add(channel=channel, timestamp=posted["ts"])
    with pytest.raises(SlackApiError) as exc:
        client.pins_add(channel=channel, timestamp=posted["ts"])
    assert exc.value.response["error"] == "already_pinned"
    assert [m.text for m in workspace.pins("incidents")] == ["summary"]
    assert client.pins_list(channel=channel)["items"][0]["message"]["ts"] == posted["ts"]
    bookmark = client.bookmarks_add(
        channel_id=channel, title="Runbook", type="link", link="https://runbooks.example.com/db"
    )["bookmark"]
    assert bookmark["title"] == "Runbook"
    assert workspace.bookmarks("incidents")[0]["link"] == "https://runbooks.example.com/db"
    client.reactions_add(channel=channel, timestamp=posted["ts"], name="eyes")
    assert workspace.messages("incidents")[0].reactions == {"eyes": ["UBOT"]}


def test_users_and_groups(client: WebClient) -> None:
    assert client.users_info(user="U0DAVE")["user"]["real_name"] == "Dave Diaz"
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0NOBODY")
    assert exc.value.response["error"] == "user_not_found"
    assert client.users_lookupByEmail(email="Bob@Example.com")["user"]["id"] == "U0BOB"
    with pytest.raises(SlackApiError) as exc:
        client.users_lookupByEmail(email="nobody@example.com")
    assert exc.value.response["error"] == "users_not_found"
    assert {m["id"] for m in client.users_list()["members"]} >= {"UBOT", "U0ALICE", "U0DAVE"}
    assert client.usergroups_users_list(usergroup="S0LEADS")["users"] == ["U0ALICE", "U0DAVE"]


def test_file_upload_v2_shares_into_channel(client: WebClient, workspace: Workspace) -> None:
    channel = workspace.channel_by_name("incidents")
    assert channel is not None
    response = client.files_upload_v2(
        channel=channel.id,
        content="timeline\n",
        filename="timeline.md",
        title="Timeline",
        initial_comment="Postmortem draft",
    )
    file_id = response["files"][0]["id"]
    assert workspace.files[file_id].content == b"timeline\n"
    assert workspace.files[file_id].title == "Timeline"
    shared = workspace.messages("incidents")[-1]
    assert shared.text == "Postmortem draft" and shared.files == [file_id]
