"""conversations.* methods through the real slack_sdk WebClient."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.workspace import Workspace


def fails_with(error: str, call: object, *args: object, **kwargs: object) -> SlackApiError:
    assert callable(call)
    with pytest.raises(SlackApiError) as exc:
        call(*args, **kwargs)
    assert exc.value.response["error"] == error
    return exc.value


def test_create_makes_bot_member(client: WebClient, workspace: Workspace) -> None:
    channel = client.conversations_create(name="inc-42-db-down")["channel"]
    assert channel["id"].startswith("C") and channel["is_member"] is True and channel["is_private"] is False
    assert workspace.get_channel("inc-42-db-down").members == ["UBOT"]
    private = client.conversations_create(name="inc-43", is_private=True)["channel"]
    assert private["is_private"] is True


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("Inc-UPPER", "invalid_name_specials"),
        ("inc 42", "invalid_name_specials"),
        ("inc.42", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("incidents", "name_taken"),
    ],
)
def test_create_name_rules(client: WebClient, name: str, error: str) -> None:
    fails_with(error, client.conversations_create, name=name)


def test_create_accepts_80_chars_and_archived_names_stay_taken(client: WebClient) -> None:
    channel = client.conversations_create(name="a" * 80)["channel"]
    client.conversations_archive(channel=channel["id"])
    fails_with("name_taken", client.conversations_create, name="a" * 80)
    fails_with("already_archived", client.conversations_archive, channel=channel["id"])


def test_invite_all_or_nothing_and_force(client: WebClient, workspace: Workspace) -> None:
    channel_id = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U0ALICE,U0BOB")
    assert workspace.get_channel(channel_id).members == ["UBOT", "U0ALICE", "U0BOB"]
    error = fails_with(
        "already_in_channel", client.conversations_invite, channel=channel_id, users="U0CAROL,U0ALICE"
    )
    assert error.response["errors"] == [{"user": "U0ALICE", "ok": False, "error": "already_in_channel"}]
    assert "U0CAROL" not in workspace.get_channel(channel_id).members
    forced = client.conversations_invite(channel=channel_id, users="U0CAROL,U0ALICE,U0NOBODY", force=True)
    assert [e["error"] for e in forced["errors"]] == ["already_in_channel", "user_not_found"]
    assert "U0CAROL" in workspace.get_channel(channel_id).members
    fails_with("cant_invite_self", client.conversations_invite, channel=channel_id, users="UBOT")
    fails_with("user_not_found", client.conversations_invite, channel=channel_id, users="U0NOBODY")


def test_invite_needs_membership_and_open_channel(client: WebClient, workspace: Workspace) -> None:
    general = workspace.channel_by_name("general")
    assert general is not None
    fails_with("not_in_channel", client.conversations_invite, channel=general.id, users="U0ALICE")
    channel_id = client.conversations_create(name="inc-2")["channel"]["id"]
    client.conversations_archive(channel=channel_id)
    fails_with("is_archived", client.conversations_invite, channel=channel_id, users="U0ALICE")


def test_member_joined_events_are_published(client: WebClient, workspace: Workspace) -> None:
    events: list[dict[str, object]] = []
    workspace.subscribe(events.append)
    channel_id = client.conversations_create(name="inc-3")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U0DAVE")
    kinds = [e["type"] for e in events]
    assert "channel_created" in kinds
    assert {"type": "member_joined", "channel": channel_id, "user": "U0DAVE"}.items() <= next(
        e for e in events if e["type"] == "member_joined"
    ).items()


def test_joins_are_recorded_with_their_time_and_inviter_once(client: WebClient, workspace: Workspace) -> None:
    channel_id = client.conversations_create(name="inc-4")["channel"]["id"]
    before = workspace.new_ts()
    client.conversations_invite(channel=channel_id, users="U0DAVE,U0ERIN")
    workspace.join(channel_id, "U0ALICE")
    workspace.join(channel_id, "U0DAVE")  # already in: nothing new
    joins = workspace.channels[channel_id].joins
    assert [(j.user, j.inviter) for j in joins] == [("U0DAVE", "UBOT"), ("U0ERIN", "UBOT"), ("U0ALICE", None)]
    assert all(j.channel == channel_id for j in joins)
    assert float(before) < float(joins[0].ts) < float(joins[1].ts) < float(joins[2].ts)
    assert client.conversations_history(channel=channel_id)["messages"] == []


def test_topic_and_purpose(client: WebClient, workspace: Workspace) -> None:
    channel_id = client.conversations_create(name="inc-4")["channel"]["id"]
    client.conversations_setTopic(channel=channel_id, topic="SEV1 | investigating")
    client.conversations_setPurpose(channel=channel_id, purpose="db down")
    info = client.conversations_info(channel=channel_id)["channel"]
    assert info["topic"]["value"] == "SEV1 | investigating" and info["purpose"]["value"] == "db down"
    fails_with("too_long", client.conversations_setTopic, channel=channel_id, topic="t" * 251)
    client.conversations_setTopic(channel=channel_id, topic="t" * 250)
    fails_with("channel_not_found", client.conversations_info, channel="C404")


def test_list_types_archived_and_pagination(client: WebClient) -> None:
    for n in range(5):
        client.conversations_create(name=f"inc-list-{n}")
    archived = client.conversations_create(name="inc-old")["channel"]["id"]
    client.conversations_archive(channel=archived)
    client.conversations_create(name="inc-secret", is_private=True)
    names: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.conversations_list(limit=3, cursor=cursor, exclude_archived=True)
        names += [c["name"] for c in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert names == ["general", "incidents", *(f"inc-list-{n}" for n in range(5))]
    every = client.conversations_list(types="public_channel,private_channel", limit=100)["channels"]
    assert {"inc-old", "inc-secret"} <= {c["name"] for c in every}


def test_join_members_open(client: WebClient, workspace: Workspace) -> None:
    general = workspace.channel_by_name("general")
    assert general is not None
    assert client.conversations_join(channel=general.id)["channel"]["is_member"] is True
    assert "UBOT" in client.conversations_members(channel=general.id)["members"]
    dm = client.conversations_open(users="U0ALICE")["channel"]["id"]
    assert dm.startswith("D")
    assert client.conversations_open(users="U0ALICE")["channel"]["id"] == dm
    fails_with("user_not_found", client.conversations_open, users="U0NOBODY")
    secret = workspace.create_channel("secret", creator="U0ALICE", is_private=True)
    fails_with("method_not_supported_for_channel_type", client.conversations_join, channel=secret.id)


def test_history_and_replies(client: WebClient, workspace: Workspace) -> None:
    channel = workspace.channel_by_name("incidents")
    assert channel is not None
    first = client.chat_postMessage(channel=channel.id, text="first")["ts"]
    client.chat_postMessage(channel=channel.id, text="in thread", thread_ts=first)
    client.chat_postMessage(channel=channel.id, text="second")
    history = client.conversations_history(channel=channel.id)["messages"]
    assert [m["text"] for m in history] == ["second", "first"]
    replies = client.conversations_replies(channel=channel.id, ts=first)["messages"]
    assert [m["text"] for m in replies] == ["first", "in thread"]
    fails_with("thread_not_found", client.conversations_replies, channel=channel.id, ts="1.000001")


def test_misuse_without_a_slack_error_page_still_warns(client: WebClient, workspace: Workspace) -> None:
    channel_id = client.conversations_create(name="inc-5")["channel"]["id"]
    fails_with("invalid_arguments", client.api_call, "conversations.setTopic", json={"channel": channel_id})
    assert workspace.warnings[-1] == "conversations.setTopic called without required argument 'topic'"
    assert workspace.channels[channel_id].topic == ""
    failed = fails_with("user_not_found", client.conversations_invite, channel=channel_id, users="U0BOB,U0NOBODY")
    assert failed.response["errors"] == [{"user": "U0NOBODY", "ok": False, "error": "user_not_found"}]
    assert workspace.warnings[-1] == "conversations.invite: no user 'U0NOBODY' in the workspace"
    assert len(workspace.warnings) == 2
