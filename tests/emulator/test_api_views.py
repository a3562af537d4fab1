"""views.* methods: trigger_id rules, validation, update by id/external id with hashes, push, publish."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1_732_380_000.0

    def __call__(self) -> float:
        return self.now


def modal(title: str = "Declare", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}],
        **extra,
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def workspace(clock: FakeClock) -> Workspace:
    return Workspace(clock=clock)


@pytest.fixture
def views_client(workspace: Workspace) -> Iterator[WebClient]:
    with EmulatorServer(workspace) as server:
        yield WebClient(base_url=server.api_url, token="xoxb-test")


def error_of(call: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as exc:
        call(**kwargs)
    return exc.value


def test_open_within_3_seconds_once(views_client: WebClient, workspace: Workspace, clock: FakeClock) -> None:
    trigger = workspace.issue_trigger("U0ALICE")
    clock.now += 2.9
    view = views_client.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["callback_id"] == "declare"
    opened = workspace.open_view("U0ALICE")
    assert opened is not None and opened.id == view["id"]
    reused = error_of(views_client.views_open, trigger_id=trigger, view=modal())
    assert reused.response["error"] == "expired_trigger_id"


def test_expired_and_unknown_triggers(
    views_client: WebClient, workspace: Workspace, clock: FakeClock
) -> None:
    trigger = workspace.issue_trigger("U0ALICE")
    clock.now += 3.5
    assert (
        error_of(views_client.views_open, trigger_id=trigger, view=modal()).response["error"]
        == "expired_trigger_id"
    )
    assert "3.5 s" in workspace.warnings[-1]
    assert (
        error_of(views_client.views_open, trigger_id="123.456.abc", view=modal()).response["error"]
        == "invalid_trigger_id"
    )
    assert workspace.open_view("U0ALICE") is None


def test_invalid_view_is_invalid_arguments_and_keeps_trigger(
    views_client: WebClient, workspace: Workspace
) -> None:
    trigger = workspace.issue_trigger("U0BOB")
    error = error_of(
        views_client.views_open, trigger_id=trigger, view=modal("A title far too long for Slack")
    )
    assert error.response["error"] == "invalid_arguments"
    assert (
        "modal title is 30 characters; Slack's limit is 24"
        in error.response["response_metadata"]["messages"][0]
    )
    assert "modal title is 30 characters" in workspace.warnings[-1]
    views_client.views_open(trigger_id=trigger, view=modal())


def test_view_too_large(views_client: WebClient, workspace: Workspace) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "z" * 2990}} for _ in range(90)]
    error = error_of(
        views_client.views_open,
        trigger_id=workspace.issue_trigger("U0BOB"),
        view={**modal(), "blocks": blocks},
    )
    assert error.response["error"] == "view_too_large"


def test_update_by_id_and_external_id_with_hash(views_client: WebClient, workspace: Workspace) -> None:
    opened = views_client.views_open(
        trigger_id=workspace.issue_trigger("U0ALICE"), view=modal(external_id="declare-U0ALICE")
    )["view"]
    updated = views_client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 2"))[
        "view"
    ]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert updated["title"]["text"] == "Step 2"
    stale = error_of(views_client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal())
    assert stale.response["error"] == "hash_conflict"
    by_external = views_client.views_update(external_id="declare-U0ALICE", view=modal("Step 3"))["view"]
    assert by_external["id"] == opened["id"]
    assert error_of(views_client.views_update, view_id="V404", view=modal()).response["error"] == "not_found"
    workspace.close_top_modal("U0ALICE")
    assert (
        error_of(views_client.views_update, view_id=opened["id"], view=modal()).response["error"]
        == "not_found"
    )


def test_push_up_to_three(views_client: WebClient, workspace: Workspace) -> None:
    first = views_client.views_open(trigger_id=workspace.issue_trigger("U0DAVE"), view=modal())["view"]
    second = views_client.views_push(trigger_id=workspace.issue_trigger("U0DAVE"), view=modal("Two"))["view"]
    assert second["previous_view_id"] == first["id"] and second["root_view_id"] == first["id"]
    views_client.views_push(trigger_id=workspace.issue_trigger("U0DAVE"), view=modal("Three"))
    error = error_of(views_client.views_push, trigger_id=workspace.issue_trigger("U0DAVE"), view=modal())
    assert error.response["error"] == "push_limit_reached"
    assert [v.body["title"]["text"] for v in workspace.view_stack("U0DAVE")] == ["Declare", "Two", "Three"]


def test_publish_home(views_client: WebClient, workspace: Workspace) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Incidents"}}],
    }
    first = views_client.views_publish(user_id="U0CAROL", view=home)["view"]
    again = views_client.views_publish(user_id="U0CAROL", view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"]
    assert (
        error_of(views_client.views_publish, user_id="U0CAROL", view=home, hash=first["hash"]).response[
            "error"
        ]
        == "hash_conflict"
    )
    assert (
        error_of(views_client.views_publish, user_id="U0CAROL", view=modal()).response["error"]
        == "invalid_arguments"
    )
    assert workspace.home_view("U0CAROL") is not None
