"""The playground over HTTP, driving the real bot: page, state, composer, clicks, modals, SSE, warnings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import requests

from bot.playground.runner import Playground
from bot.playground.scenario import replay
from bot.playground.scenario_file import parse_scenario
from tests.harness import wait_until


def get(pg: Playground, path: str, **params: str) -> Any:
    response = requests.get(pg.url + path.lstrip("/"), params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def post(pg: Playground, route: str, **body: Any) -> Any:
    response = requests.post(f"{pg.url}playground/{route}", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def channel_id(pg: Playground, name: str) -> str:
    channel = pg.workspace.channel_by_name(name)
    assert channel is not None
    return channel.id


def incident_entry(pg: Playground, user: str) -> Any:
    channels = get(pg, "/playground/state", user=user)["channels"]
    return next((c for c in channels if c["label"].startswith("incident-")), None)


def declare(pg: Playground, text: str = "/incident SEV1 payments down", user: str = "U0ALICE") -> str:
    assert post(pg, "send", user=user, channel=channel_id(pg, "incidents"), text=text) == {"ok": True}
    incident = wait_until(lambda: incident_entry(pg, user), what="incident channel in the sidebar")
    return str(incident["id"])


def messages(pg: Playground, channel: str, user: str = "U0ALICE") -> list[dict[str, Any]]:
    data = get(pg, f"/playground/channel/{channel}", user=user)
    assert data["ok"] is True
    return list(data["messages"])


def find_card(pg: Playground, channel: str, user: str) -> Any:
    return next(
        (m for m in messages(pg, channel, user) if 'data-action-id="incident_resolve"' in m["html"]), None
    )


def card(pg: Playground, channel: str, user: str) -> dict[str, Any]:
    return wait_until(
        lambda: find_card(pg, channel, user),
        what="incident card",
    )


def test_page_and_assets_are_served(playground: Playground) -> None:
    page = requests.get(playground.url, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/playground/static/app.js" in page.text
    script = requests.get(playground.url + "playground/static/app.js", timeout=10)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "EventSource" in script.text
    assert requests.get(playground.url + "playground/static/app.css", timeout=10).status_code == 200
    assert requests.get(playground.url + "playground/static/../runner.py", timeout=10).status_code == 404
    assert requests.get(playground.url + "healthz", timeout=10).status_code == 200


def test_state_shows_people_and_only_the_channels_each_can_see(playground: Playground) -> None:
    playground.workspace.create_channel("secret-plans", creator="U0BOB", is_private=True)
    alice = get(playground, "/playground/state", user="U0ALICE")
    names = {u["name"] for u in alice["users"] if not u["is_bot"]}
    assert {"alice", "bob", "carol", "dave"} <= names
    labels = {c["label"] for c in alice["channels"]}
    assert {"general", "incidents"} <= labels
    assert "secret-plans" not in labels
    assert alice["default_channel"] == channel_id(playground, "incidents")
    bob = get(playground, "/playground/state", user="U0BOB")
    assert "secret-plans" in {c["label"] for c in bob["channels"]}
    assert get(playground, "/playground/state", user="nobody")["me"] == "U0ALICE"


def test_slash_command_declares_and_the_ack_is_only_visible_to_the_reporter(playground: Playground) -> None:
    incident_channel = declare(playground)
    incidents = channel_id(playground, "incidents")
    mine = wait_until(
        lambda: [m for m in messages(playground, incidents, "U0ALICE") if m["ephemeral"]],
        what="ephemeral ack",
    )
    assert "Declaring" in mine[0]["html"]
    assert not [m for m in messages(playground, incidents, "U0BOB") if m["ephemeral"]]
    assert "INC-" in card(playground, incident_channel, "U0ALICE")["html"]


def test_unknown_slash_command_is_refused_like_slack(playground: Playground) -> None:
    general = channel_id(playground, "general")
    post(playground, "send", user="U0DAVE", channel=general, text="/deploy now")
    [notice] = [m for m in messages(playground, general, "U0DAVE") if m["ephemeral"]]
    assert "is not a valid command" in notice["html"]


def test_button_click_reaches_the_bot_as_the_acting_user(playground: Playground) -> None:
    incident_channel = declare(playground)
    the_card = card(playground, incident_channel, "U0BOB")
    result = post(
        playground,
        "action",
        user="U0BOB",
        channel=incident_channel,
        message_ts=the_card["ts"],
        block_id=None,
        action_id="incident_ack",
        value=None,
    )
    assert result == {"ok": True}
    wait_until(
        lambda: any(
            "Acknowledged by" in m["html"] and "@bob" in m["html"]
            for m in messages(playground, incident_channel)
        ),
        what="acknowledgement by bob",
    )


def test_modal_opens_checks_required_fields_shows_app_errors_and_submits(playground: Playground) -> None:
    incident_channel = declare(playground)
    the_card = card(playground, incident_channel, "U0ALICE")
    post(
        playground,
        "action",
        user="U0ALICE",
        channel=incident_channel,
        message_ts=the_card["ts"],
        action_id="incident_post_update",
        value=None,
    )
    view = wait_until(
        lambda: get(playground, "/playground/modal", user="U0ALICE")["view"], what="update modal"
    )
    assert 'data-block-id="summary"' in view["html"]
    assert get(playground, "/playground/modal", user="U0BOB")["view"] is None

    empty = post(playground, "submit", user="U0ALICE", view_id=view["id"], values={})
    assert empty == {"ok": False, "errors": {"summary": "Please complete this required field."}}

    blank = post(
        playground,
        "submit",
        user="U0ALICE",
        view_id=view["id"],
        values={"summary": {"summary_input": "   "}, "status": {"status_select": "identified"}},
    )
    assert blank["ok"] is False
    assert blank["errors"] == {"summary": "Please write what changed."}
    assert get(playground, "/playground/modal", user="U0ALICE")["view"]["errors"] == blank["errors"]

    done = post(
        playground,
        "submit",
        user="U0ALICE",
        view_id=view["id"],
        values={
            "summary": {"summary_input": "Failing over to the backup processor"},
            "status": {"status_select": "identified"},
            "impact": {"impact_input": ""},
        },
    )
    assert done == {"ok": True}
    assert get(playground, "/playground/modal", user="U0ALICE")["view"] is None
    wait_until(
        lambda: any(
            "Failing over to the backup processor" in m["html"] and "Identified" in m["html"]
            for m in messages(playground, incident_channel)
        ),
        what="posted update",
    )


def test_closing_a_modal(playground: Playground) -> None:
    post(playground, "send", user="U0CAROL", channel=channel_id(playground, "general"), text="/incident")
    view = wait_until(
        lambda: get(playground, "/playground/modal", user="U0CAROL")["view"], what="declare modal"
    )
    assert post(playground, "close", user="U0CAROL", view_id=view["id"]) == {"ok": True}
    assert get(playground, "/playground/modal", user="U0CAROL")["view"] is None


def test_plain_messages_threads_mentions_and_escaping(playground: Playground) -> None:
    general = channel_id(playground, "general")
    post(
        playground,
        "send",
        user="U0BOB",
        channel=general,
        text="ping @dave about #incidents <script>alert(1)</script>",
    )
    [message] = messages(playground, general)
    assert '<span class="mention" data-user-id="U0DAVE">@dave</span>' in message["html"]
    assert "#incidents</span>" in message["html"]
    assert "&lt;script&gt;" in message["html"] and "<script>" not in message["html"]
    assert message["user_name"] == "Bob Baker"

    post(playground, "send", user="U0DAVE", channel=general, text="on it", thread_ts=message["ts"])
    [parent] = messages(playground, general)
    assert parent["reply_count"] == 1
    thread = get(playground, f"/playground/thread/{general}/{message['ts']}", user="U0BOB")["messages"]
    assert [m["html"] for m in thread][1] == "on it"


def test_sending_into_a_channel_joins_it(playground: Playground) -> None:
    incident_channel = declare(playground)
    assert "U0DAVE" not in playground.workspace.channels[incident_channel].members
    post(playground, "send", user="U0DAVE", channel=incident_channel, text="Manager here, watching.")
    assert "U0DAVE" in playground.workspace.channels[incident_channel].members


def test_bad_requests_are_answered_not_crashed(playground: Playground) -> None:
    missing = requests.post(playground.url + "playground/send", json={"user": "U0ALICE"}, timeout=10)
    assert missing.status_code == 400
    gone = post(playground, "send", user="U0ALICE", channel="C404", text="hello")
    assert gone == {"ok": False, "error": "That channel does not exist."}
    stale = post(playground, "submit", user="U0ALICE", view_id="V404", values={})
    assert stale["ok"] is False
    assert requests.get(playground.url + "playground/channel/C404", timeout=10).status_code == 404


def read_events(lines: Iterator[str], wanted: str, limit: int = 200) -> dict[str, Any]:
    for raw in lines:
        if raw and raw.startswith("data: "):
            event = json.loads(raw.removeprefix("data: "))
            if event.get("type") == wanted:
                return dict(event)
        limit -= 1
        if limit == 0:
            break
    raise AssertionError(f"no {wanted} event")


def test_live_events_and_warnings_reach_the_page(playground: Playground) -> None:
    with requests.get(playground.url + "playground/events", stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        lines = stream.iter_lines(chunk_size=1, decode_unicode=True)
        assert read_events(lines, "hello") == {"type": "hello"}
        general = channel_id(playground, "general")
        post(playground, "send", user="U0ALICE", channel=general, text="hello")
        posted = read_events(lines, "message_posted")
        assert posted["channel"] == general
        assert "message" not in posted  # payloads stay on the server

        misuse = requests.post(
            playground.url + "api/chat.postMesage",
            timeout=10,
            headers={"Authorization": "Bearer xoxb-playground-local"},
            data={"channel": general},
        )
        assert misuse.json()["error"] == "unknown_method"
        warning = read_events(lines, "warning")
        assert "chat.postMesage" in warning["text"]
    assert any("chat.postMesage" in w for w in get(playground, "/playground/state")["warnings"])


def test_cleared_warnings_stay_cleared_for_every_page(playground: Playground) -> None:
    ws = playground.workspace
    ws.warn("first misuse")
    ws.warn("second misuse")
    assert get(playground, "/playground/state")["warnings"] == ["first misuse", "second misuse"]
    assert post(playground, "warnings/clear", user="U0ALICE") == {"ok": True, "cleared": 2}
    assert get(playground, "/playground/state", user="U0BOB")["warnings"] == []  # a reload, another page
    ws.warn("third misuse")
    assert get(playground, "/playground/state")["warnings"] == ["third misuse"]
    assert ws.warnings == ["first misuse", "second misuse", "third misuse"]  # still logged and kept


def test_scenario_notes_are_narrated_in_the_page(playground: Playground) -> None:
    assert get(playground, "/playground/state")["narration"] is None
    with requests.get(playground.url + "playground/events", stream=True, timeout=10) as stream:
        lines = stream.iter_lines(chunk_size=1, decode_unicode=True)
        read_events(lines, "hello")
        replay(playground, parse_scenario({"pace": 0, "steps": [{"as": "alice", "wait": "1s", "note": "The rollback goes out."}]}), speed=50)
        assert read_events(lines, "narration")["text"] == "The rollback goes out."
    assert get(playground, "/playground/state")["narration"] == "The rollback goes out."
