"""The exact payloads the driver sends for commands, ephemeral clicks, shortcuts and events."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
import requests

from bot.emulator.driver import SlackDriver, sign
from bot.emulator.server import BackgroundServer, EmulatorServer
from bot.emulator.workspace import Workspace

SECRET = "recorder-secret"


class Recorder:
    """A bot endpoint that verifies the signature and keeps every decoded request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        ok = environ["HTTP_X_SLACK_SIGNATURE"] == sign(
            SECRET, int(environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"]), raw
        )
        if environ["CONTENT_TYPE"] == "application/json":
            body: dict[str, Any] = json.loads(raw)
        else:
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            body = json.loads(form["payload"]) if "payload" in form else form
        self.requests.append({"body": body, "signed": ok, "retry": environ.get("HTTP_X_SLACK_RETRY_NUM")})
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]


@pytest.fixture
def recorded(workspace: Workspace, emulator: EmulatorServer) -> Iterator[tuple[Recorder, SlackDriver]]:
    recorder = Recorder()
    with BackgroundServer(recorder) as server:
        driver = SlackDriver(server.url, SECRET, workspace)
        yield recorder, driver
        driver.close()


def test_slash_command_form(recorded: tuple[Recorder, SlackDriver], workspace: Workspace) -> None:
    recorder, driver = recorded
    driver.slash_command("U0BOB", "general", "declare sev2 api slow", command="/inc")
    sent = recorder.requests[-1]
    assert sent["signed"]
    body = sent["body"]
    assert body["command"] == "/inc" and body["text"] == "declare sev2 api slow"
    assert (body["user_id"], body["user_name"], body["channel_name"]) == ("U0BOB", "bob", "general")
    assert body["team_id"] == workspace.team_id and body["trigger_id"] == driver.last_trigger_id
    assert body["response_url"] == driver.last_response_url


def test_click_in_ephemeral_message(recorded: tuple[Recorder, SlackDriver], workspace: Workspace) -> None:
    recorder, driver = recorded
    blocks = [
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "confirm", "text": {"type": "plain_text", "text": "OK"}},
                {"type": "users_select", "action_id": "assign"},
            ],
        }
    ]
    eph = workspace.post_ephemeral(workspace.channel_id("incidents"), "U0CAROL", "Sure?", blocks)
    driver.click_button("U0CAROL", "incidents", eph.ts, "confirm")
    body = recorder.requests[-1]["body"]
    assert body["container"]["is_ephemeral"] is True and "message" not in body
    assert body["actions"][0]["block_id"] == "emulated-block-0" and "value" not in body["actions"][0]
    driver.select_option("U0CAROL", "incidents", eph.ts, "assign", "U0DAVE")
    assert recorder.requests[-1]["body"]["actions"][0]["selected_user"] == "U0DAVE"
    requests.post(driver.last_response_url or "", json={"replace_original": True, "text": "Done"}, timeout=5)
    assert [e.text for e in workspace.ephemerals("U0CAROL")] == ["Done"]


def test_events_from_people(recorded: tuple[Recorder, SlackDriver], workspace: Workspace) -> None:
    recorder, driver = recorded
    message, _ = driver.user_message("U0ALICE", "incidents", "<@UBOT> status?")
    kinds = [r["body"]["event"]["type"] for r in recorder.requests]
    assert kinds == ["message", "app_mention"]
    assert recorder.requests[0]["body"]["event"]["ts"] == message.ts
    driver.user_joins("U0BOB", "general", inviter="U0DAVE")
    joined = recorder.requests[-1]["body"]["event"]
    assert (joined["type"], joined["user"], joined["inviter"]) == ("member_joined_channel", "U0BOB", "U0DAVE")
    assert "U0BOB" in workspace.get_channel("general").members
    driver.add_reaction("U0BOB", "incidents", message.ts, "eyes")
    reaction = recorder.requests[-1]["body"]["event"]
    assert reaction["item"] == {
        "type": "message",
        "channel": workspace.channel_id("incidents"),
        "ts": message.ts,
    }
    assert workspace.messages("incidents")[0].reactions == {"eyes": ["U0BOB"]}
    driver.open_home("U0DAVE")
    assert recorder.requests[-1]["body"]["event"]["type"] == "app_home_opened"
    assert all(r["signed"] for r in recorder.requests)


def test_shortcuts(recorded: tuple[Recorder, SlackDriver], workspace: Workspace) -> None:
    recorder, driver = recorded
    driver.global_shortcut("U0ALICE", "declare_incident")
    body = recorder.requests[-1]["body"]
    assert (body["type"], body["callback_id"]) == ("shortcut", "declare_incident")
    message = workspace.post_message(workspace.channel_id("general"), "U0BOB", "db is slow")
    driver.message_shortcut("U0ALICE", "general", message.ts, "declare_from_message")
    body = recorder.requests[-1]["body"]
    assert body["type"] == "message_action" and body["message"]["text"] == "db is slow"


def test_legacy_files_upload_multipart(emulator: EmulatorServer, workspace: Workspace) -> None:
    response = requests.post(
        emulator.api_url + "files.upload",
        headers={"Authorization": "Bearer xoxb-1"},
        data={"channels": "incidents", "title": "Log", "initial_comment": "see log"},
        files={"file": ("app.log", b"line 1\nline 2\n")},
        timeout=5,
    )
    file = response.json()["file"]
    assert workspace.files[file["id"]].content == b"line 1\nline 2\n"
    assert workspace.messages("incidents")[-1].files == [file["id"]]
    assert "deprecated" in workspace.warnings[0]
