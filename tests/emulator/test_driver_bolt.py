"""The driver's signed requests go through a real Bolt app whose WebClient talks back to the emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.emulator.driver import SlackDriver, sign
from bot.emulator.server import BackgroundServer, EmulatorServer
from bot.emulator.workspace import Workspace

SECRET = "test-signing-secret"
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "report",
    "private_metadata": "incident-7",
    "title": {"type": "plain_text", "text": "Report"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "sev",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "1"},
                    {"text": {"type": "plain_text", "text": "SEV2"}, "value": "2"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "lead",
            "optional": True,
            "label": {"type": "plain_text", "text": "Lead"},
            "element": {"type": "users_select", "action_id": "who"},
        },
    ],
}
BUTTONS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Incident declared*"}},
    {
        "type": "actions",
        "block_id": "controls",
        "elements": [
            {
                "type": "button",
                "action_id": "ack",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": "incident-7",
            },
            {
                "type": "static_select",
                "action_id": "severity",
                "placeholder": {"type": "plain_text", "text": "Sev"},
                "options": [{"text": {"type": "plain_text", "text": "SEV1"}, "value": "1"}],
            },
        ],
    },
]


def build_app(client: WebClient, seen: list[dict[str, Any]]) -> App:
    """A minimal bot: acks, records what it got, and calls back into the emulator."""
    app = App(signing_secret=SECRET, token="xoxb-test", token_verification_enabled=False, client=client)

    @app.command("/incident")
    def command(ack: Any, command: dict[str, Any], client: WebClient, respond: Any) -> None:
        ack()
        seen.append({"kind": "command", "body": command})
        if command["text"] == "modal":
            client.views_open(trigger_id=command["trigger_id"], view=MODAL)
        else:
            client.chat_postMessage(channel="incidents", text="Incident declared", blocks=BUTTONS)
            respond(text="Declared it for you")

    @app.action("ack")
    def ack_button(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append({"kind": "action", "body": body})
        respond(replace_original=True, text=f"Acknowledged by <@{body['user']['id']}>")

    @app.action("severity")
    def severity(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.append({"kind": "select", "body": body})

    @app.view("report")
    def report(ack: Any, view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        seen.append({"kind": "view", "body": body})
        if not values["summary"]["text"]["value"]:
            ack(response_action="errors", errors={"summary": "Say what happened"})
            return
        ack()
        client.chat_postMessage(channel="incidents", text=values["summary"]["text"]["value"])

    @app.event("message")
    def message(event: dict[str, Any], body: dict[str, Any], client: WebClient, request: Any) -> None:
        seen.append(
            {
                "kind": "event",
                "body": event,
                "envelope": body,
                "retry": request.headers.get("x-slack-retry-num", [None])[0],
            }
        )
        client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="noted")

    return app


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    """What the bot's listeners received."""
    return []


@pytest.fixture
def driver(
    workspace: Workspace, emulator: EmulatorServer, seen: list[dict[str, Any]]
) -> Iterator[SlackDriver]:
    """A Bolt app served by waitress, and a driver pointed at it."""
    client = WebClient(base_url=emulator.api_url, token="xoxb-test")
    handler = SlackRequestHandler(build_app(client, seen))
    with BackgroundServer(handler) as bot:
        drv = SlackDriver(bot.url, SECRET, workspace)
        yield drv
        drv.close()


def test_slash_command_is_accepted_and_bot_posts_back(
    workspace: Workspace, driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    response = driver.slash_command("U0ALICE", "incidents", "declare db down")
    assert response.status_code == 200
    posted = workspace.wait_for(lambda: workspace.messages("incidents"))
    assert posted[0].text == "Incident declared"
    assert posted[0].user == "UBOT"
    ephemeral = workspace.wait_for(lambda: workspace.ephemerals("U0ALICE"))
    assert ephemeral[0].text == "Declared it for you"
    body = seen[0]["body"]
    assert body["user_id"] == "U0ALICE"
    assert body["channel_id"] == workspace.channel_id("incidents")
    assert body["response_url"].startswith(workspace.base_url)


def test_bad_signature_and_stale_timestamp_are_rejected(
    driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    assert driver.slash_command("U0ALICE", "incidents", "x", signature="v0=" + "0" * 64).status_code == 401
    old = int(time.time()) - 600
    assert driver.slash_command("U0ALICE", "incidents", "x", timestamp=old).status_code == 401
    assert seen == []


def test_tampered_click_is_rejected_and_only_once(
    workspace: Workspace, driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command("U0ALICE", "incidents", "declare")
    message = workspace.wait_for(lambda: workspace.messages("incidents"))[0]
    driver.tamper_next(signature="v0=" + "f" * 64)
    assert driver.click_button("U0BOB", "incidents", message.ts, "ack").status_code == 401
    assert driver.click_button("U0BOB", "incidents", message.ts, "ack").status_code == 200
    workspace.wait_for(lambda: len(seen) == 2)
    assert [s["kind"] for s in seen] == ["command", "action"]


def test_sign_matches_slacks_documented_example() -> None:
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmib"
        "IGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body) == expected


def test_button_click_carries_message_context_and_response_url_replaces(
    workspace: Workspace, driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command("U0ALICE", "incidents", "declare")
    message = workspace.wait_for(lambda: workspace.messages("incidents"))[0]
    response = driver.click_button("U0BOB", "incidents", message.ts, "ack")
    assert response.status_code == 200
    workspace.wait_for(lambda: message.text.startswith("Acknowledged"))
    assert message.text == "Acknowledged by <@U0BOB>"
    body = next(s["body"] for s in seen if s["kind"] == "action")
    assert body["type"] == "block_actions"
    assert body["container"] == {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": False,
    }
    assert body["message"]["ts"] == message.ts
    assert body["channel"]["name"] == "incidents"
    assert body["actions"][0]["value"] == "incident-7"
    assert body["actions"][0]["block_id"] == "controls"
    assert body["trigger_id"]


def test_select_option_sends_selected_option(
    workspace: Workspace, driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command("U0ALICE", "incidents", "declare")
    message = workspace.wait_for(lambda: workspace.messages("incidents"))[0]
    driver.select_option("U0BOB", "incidents", message.ts, "severity", "1")
    workspace.wait_for(lambda: any(s["kind"] == "select" for s in seen))
    action = next(s for s in seen if s["kind"] == "select")["body"]["actions"][0]
    assert action["selected_option"] == {"text": {"type": "plain_text", "text": "SEV1"}, "value": "1"}
    with pytest.raises(LookupError):
        driver.select_option("U0BOB", "incidents", message.ts, "severity", "9")
    with pytest.raises(LookupError):
        driver.click_button("U0BOB", "incidents", message.ts, "no-such-button")


def test_modal_open_error_then_submit_closes_it(
    workspace: Workspace, driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command("U0CAROL", "incidents", "modal")
    view = workspace.wait_for(lambda: workspace.open_view("U0CAROL"))
    assert view.callback_id == "report"

    rejected = driver.submit_view("U0CAROL", values={"summary": {"text": ""}, "sev": {"pick": "2"}})
    assert rejected.json() == {"response_action": "errors", "errors": {"summary": "Say what happened"}}
    assert workspace.open_view("U0CAROL") is view
    assert view is not None
    assert view.errors == {"summary": "Say what happened"}

    accepted = driver.submit_view(
        "U0CAROL", values={"summary": {"text": "db down"}, "sev": {"pick": "1"}, "lead": {"who": "U0ALICE"}}
    )
    assert accepted.status_code == 200
    assert workspace.open_view("U0CAROL") is None
    workspace.wait_for(lambda: workspace.messages("incidents"))
    assert workspace.messages("incidents")[-1].text == "db down"
    submitted = [s["body"] for s in seen if s["kind"] == "view"][-1]["view"]
    assert submitted["private_metadata"] == "incident-7"
    assert submitted["state"]["values"]["sev"]["pick"]["selected_option"]["value"] == "1"
    assert submitted["state"]["values"]["lead"]["who"] == {"type": "users_select", "selected_user": "U0ALICE"}


def test_user_message_event_reaches_bot(
    workspace: Workspace, driver: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    message, response = driver.user_message("U0ALICE", "incidents", "anyone looking at this?")
    assert response.status_code == 200
    replies = workspace.wait_for(lambda: workspace.replies("incidents", message.ts))
    assert replies[0].text == "noted"
    event = next(s["body"] for s in seen if s["kind"] == "event")
    assert event["user"] == "U0ALICE" and event["ts"] == message.ts


def test_event_retry_headers_are_sent(
    driver: SlackDriver, seen: list[dict[str, Any]], workspace: Workspace
) -> None:
    event = {
        "type": "message",
        "channel": workspace.channel_id("incidents"),
        "user": "U0BOB",
        "text": "again",
        "ts": workspace.new_ts(),
    }
    driver.send_event(event)
    first_id = driver.last_event_id
    retried = driver.send_event(event, retry_num=1, event_id=first_id)
    assert retried.status_code == 200
    assert driver.last_event_id == first_id
    workspace.wait_for(lambda: len([s for s in seen if s["kind"] == "event"]) == 2)
    first, second = (s for s in seen if s["kind"] == "event")
    assert (first["retry"], second["retry"]) == (None, "1")
    assert first["envelope"]["event_id"] == second["envelope"]["event_id"] == first_id
    assert first["envelope"]["type"] == "event_callback"


def test_raw_post_without_signature_headers_is_refused(driver: SlackDriver) -> None:
    response = requests.post(
        driver.endpoint,
        data=b"command=%2Fincident",
        timeout=5,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
