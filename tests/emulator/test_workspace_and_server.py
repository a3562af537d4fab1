"""Workspace state, events and helpers; the server's port and mounts; the driver's view handling."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
import requests

from bot.emulator.driver import SlackDriver, sign
from bot.emulator.models import User
from bot.emulator.server import BackgroundServer, EmulatorServer
from bot.emulator.workspace import Workspace


def test_ts_unique_and_increasing_across_threads(workspace: Workspace) -> None:
    found: list[str] = []

    def post() -> None:
        for _ in range(200):
            found.append(workspace.post_message(workspace.channel_id("general"), "U0BOB", "x").ts)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 800
    stored = [m.ts for m in workspace.messages("general")]
    assert stored == sorted(stored, key=float)
    assert all(len(ts.split(".")[1]) == 6 for ts in stored)


def test_seed_and_precreated_things() -> None:
    ws = Workspace()
    dave = ws.user_by_name("dave")
    assert dave is not None and dave.title == "Engineering manager"
    assert ws.usergroups["S0LEADS"].users == ["U0ALICE", "U0DAVE"]
    assert "UBOT" in ws.get_channel("#incidents").members
    assert "UBOT" not in ws.get_channel("general").members
    bare = Workspace(seed=False)
    assert list(bare.users) == ["UBOT"] and bare.channels == {}
    bare.add_user(User("U0FRANK", "frank", email="frank@example.com"))
    war_room = bare.create_channel("war-room", creator="U0FRANK", members=["UBOT"], topic="t")
    assert war_room.members == ["U0FRANK", "UBOT"] and bare.channel_by_name("war-room") is war_room


def test_subscribe_events_unsubscribe_and_broken_listener(workspace: Workspace) -> None:
    events: list[dict[str, Any]] = []

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    workspace.subscribe(broken)
    stop = workspace.subscribe(events.append)
    channel = workspace.create_channel("inc-5")
    message = workspace.post_message(channel.id, "UBOT", "hello")
    workspace.warn("something odd")
    stop()
    workspace.post_message(channel.id, "UBOT", "unseen")
    assert [e["type"] for e in events] == ["channel_created", "message_posted", "warning"]
    assert events[1]["message"]["text"] == "hello" and events[1]["ts"] == message.ts
    assert workspace.warnings == ["something odd"]


def test_wait_for_wakes_on_change_and_times_out(workspace: Workspace) -> None:
    timer = threading.Timer(
        0.1,
        lambda: workspace.post_message(
            workspace.channel_id("general"),
            "U0BOB",
            "late",
        ),
    )
    timer.start()
    assert workspace.wait_for(lambda: workspace.messages("general"), timeout=5)[0].text == "late"
    with pytest.raises(TimeoutError):
        workspace.wait_for(lambda: False, timeout=0.1)


def hello_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"playground {environ['PATH_INFO']}".encode()]


def test_port_zero_mounts_and_404(workspace: Workspace) -> None:
    server = EmulatorServer(workspace)
    server.emulator_app.mount("/playground", hello_app)
    with server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}/"
        assert server.api_url == server.url + "api/" and workspace.base_url == server.url
        assert requests.get(server.url + "playground/x", timeout=5).text == "playground /playground/x"
        assert requests.get(server.url + "nothing", timeout=5).status_code == 404
        assert requests.get(server.api_url + "auth.test?token=xoxb-q", timeout=5).json()["ok"] is True
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "playground/x", timeout=2)


class ScriptedBot:
    """A stand-in bot endpoint that checks Slack's signature and answers what the test scripted."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.answer: dict[str, Any] | None = None
        self.payloads: list[dict[str, Any]] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        expected = sign(self.secret, int(environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"]), body)
        if environ["HTTP_X_SLACK_SIGNATURE"] != expected:
            start_response("401 Unauthorized", [])
            return [b""]
        self.payloads.append(json.loads(parse_qs(body)["payload"][0]))
        out = json.dumps(self.answer).encode() if self.answer else b""
        start_response("200 OK", [("Content-Type", "application/json")])
        return [out]


@pytest.fixture
def scripted(workspace: Workspace, emulator: EmulatorServer) -> Iterator[tuple[ScriptedBot, SlackDriver]]:
    bot = ScriptedBot("s3cret")
    with BackgroundServer(bot) as server:
        yield bot, SlackDriver(server.url, "s3cret", workspace)


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "cb",
    "private_metadata": "pm",
    "title": {"type": "plain_text", "text": "T"},
    "submit": {"type": "plain_text", "text": "Go"},
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "note",
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "v", "initial_value": "draft"},
        },
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [
                {"type": "button", "action_id": "more", "text": {"type": "plain_text", "text": "More"}}
            ],
        },
    ],
}


def test_submit_defaults_update_push_clear(
    workspace: Workspace, scripted: tuple[ScriptedBot, SlackDriver]
) -> None:
    bot, driver = scripted
    first = workspace.show_modal("U0ALICE", MODAL)
    bot.answer = {
        "response_action": "update",
        "view": {**MODAL, "title": {"type": "plain_text", "text": "U"}},
    }
    driver.submit_view("U0ALICE")
    assert bot.payloads[-1]["view"]["state"]["values"] == {
        "note": {"v": {"type": "plain_text_input", "value": "draft"}}
    }
    assert bot.payloads[-1]["view"]["private_metadata"] == "pm"
    assert workspace.open_view("U0ALICE") is first and first.body["title"]["text"] == "U"
    bot.answer = {"response_action": "push", "view": MODAL}
    driver.submit_view("U0ALICE", values={"note": {"v": "final"}})
    assert bot.payloads[-1]["view"]["state"]["values"]["note"]["v"]["value"] == "final"
    assert len(workspace.view_stack("U0ALICE")) == 2
    too_long = {"type": "plain_text", "text": "x" * 30}
    bot.answer = {"response_action": "update", "view": {**MODAL, "title": too_long}}
    driver.submit_view("U0ALICE")
    assert "rejected by Slack (invalid_arguments)" in workspace.warnings[-1]
    bot.answer = None
    driver.submit_view("U0ALICE")
    assert workspace.open_view("U0ALICE") is first
    bot.answer = {"response_action": "clear"}
    driver.submit_view("U0ALICE")
    assert workspace.open_view("U0ALICE") is None
    with pytest.raises(LookupError):
        driver.submit_view("U0ALICE")
    with pytest.raises(LookupError):
        workspace.show_modal("U0BOB", MODAL)
        driver.submit_view("U0BOB", values={"nope": {"v": "x"}})


def test_view_action_and_close_with_notify(
    workspace: Workspace, scripted: tuple[ScriptedBot, SlackDriver]
) -> None:
    bot, driver = scripted
    view = workspace.show_modal("U0CAROL", MODAL)
    driver.view_action("U0CAROL", "more", values={"note": {"v": "typing"}})
    payload = bot.payloads[-1]
    assert payload["container"] == {"type": "view", "view_id": view.id}
    assert payload["actions"][0]["action_id"] == "more" and payload["actions"][0]["block_id"] == "acts"
    assert payload["view"]["state"]["values"]["note"]["v"]["value"] == "typing"
    driver.close_view("U0CAROL")
    assert bot.payloads[-1]["type"] == "view_closed"
    assert workspace.open_view("U0CAROL") is None


def test_trigger_from_driver_opens_a_view_once(
    workspace: Workspace, emulator: EmulatorServer, scripted: tuple[ScriptedBot, SlackDriver]
) -> None:
    _, driver = scripted
    incidents = workspace.channel_by_name("incidents")
    assert incidents is not None
    message = workspace.post_message(incidents.id, "UBOT", "x", blocks=MODAL["blocks"][1:])
    driver.click_button("U0DAVE", "incidents", message.ts, "more")
    headers = {"Authorization": "Bearer xoxb-t"}
    data = {"trigger_id": driver.last_trigger_id, "view": json.dumps(MODAL)}
    first = requests.post(emulator.api_url + "views.open", data=data, headers=headers, timeout=5).json()
    again = requests.post(emulator.api_url + "views.open", data=data, headers=headers, timeout=5).json()
    assert first["ok"] is True and again == {"ok": False, "error": "expired_trigger_id"}
    assert workspace.open_view("U0DAVE") is not None
