"""Write before ack: what the bot acknowledged is saved first, and a request a stopped process left is redone once.

A request a killed process acknowledged but never handled is, in the database, exactly a saved row whose lease
ran out. These tests leave such rows the way the listener saves them (the payload Slack sends, captured from
the emulator's driver), move the clock past the lease and let the pending-request sweep redo them through the
Bolt app's own listener code; each is then left a second time, as a crash after the change but before the row
was removed would, and must change nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import text

from bot.emulator.driver import SlackDriver
from bot.services.pending import LEASE
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.listeners.durable import DATABASE_UNREACHABLE, request_key
from bot.storage import pending
from bot.storage import repositories as repo
from tests.harness import SIGNING_SECRET, BotHarness, find_button, start_bot, wait_until


class Clock:
    """The wall clock, moved ahead whenever the test says (rows written with the real time stay due)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self()


@pytest.fixture
def clocked(database_url: str) -> Iterator[tuple[BotHarness, Clock]]:
    clock = Clock()
    harness = start_bot(database_url, clock=clock)
    try:
        yield harness, clock
    finally:
        harness.stop()


class Captured(SlackDriver):
    """A driver that builds each request exactly as Slack sends it and keeps it instead of sending it."""

    def __init__(self, bot: BotHarness) -> None:
        super().__init__(bot.bot_url, SIGNING_SECRET, bot.workspace)
        self.bodies: list[dict[str, Any]] = []

    def post(self, body: str, *args: Any, **kwargs: Any) -> requests.Response:
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        self.bodies.append(json.loads(form["payload"]) if "payload" in form else form)
        response = requests.Response()
        response.status_code, response._content = 200, b""
        return response

    def last(self) -> dict[str, Any]:
        return self.bodies[-1]


def _left_by_a_killed_process(bot: BotHarness, clock: Clock, kind: str, body: dict[str, Any], key: str) -> None:
    """The row the listener saved before it acked, then died; its lease runs out; a live process redoes it."""
    bot.container.services.pending.save(key, kind, body)
    clock.advance(seconds=LEASE.total_seconds() + 1)
    bot.container.services.pending.redo_lapsed()
    wait_until(lambda: bot.container.services.pending.count() == 0, what="the request to be redone")
    bot.settle()


def _twice(bot: BotHarness, clock: Clock, kind: str, body: dict[str, Any], key: str) -> None:
    _left_by_a_killed_process(bot, clock, kind, body, key)
    _left_by_a_killed_process(bot, clock, kind, body, key)  # a crash after the change, before the row went


def _command(bot: BotHarness, user: str, channel: str, words: str) -> tuple[dict[str, Any], str]:
    driver = Captured(bot)
    driver.slash_command(user, channel, words)
    body = driver.last()
    return body, request_key("command", body)


def _timeline(bot: BotHarness, incident: IncidentView) -> list[str]:
    with bot.container.uow() as session:
        return [e.kind for e in repo.timeline(session, incident.id)]


def _calls(bot: BotHarness, method: str) -> int:
    return len([c for c in bot.workspace.calls if c.method == method and c.ok])


def test_an_acknowledged_declaration_is_finished_once_by_the_process_that_redoes_it(
    clocked: tuple[BotHarness, Clock],
) -> None:
    bot, clock = clocked
    general = bot.workspace.channel_by_name("general").id
    body, key = _command(bot, "U0ALICE", general, "SEV3 search results empty")
    _twice(bot, clock, "command", body, key)

    [incident] = bot.container.services.incidents.list_open()
    assert (incident.title, incident.severity.id, incident.reporter_id) == ("search results empty", "SEV3", "U0ALICE")
    assert incident.channel_id and incident.card_ts
    assert _calls(bot, "conversations.create") == 1
    cards = [m for m in bot.workspace.messages(incident.channel_id) if m.blocks and m.blocks[0]["type"] == "header"]
    assert len(cards) == 1
    assert _timeline(bot, incident).count("declared") == 1


def test_acknowledged_incident_verbs_are_redone_once(clocked: tuple[BotHarness, Clock]) -> None:
    bot, clock = clocked
    inc = bot.declare("SEV2 checkout slow")
    for words in (
        "update identified a bad deploy",
        "severity SEV1",
        "role ic <@U0BOB|bob>",
        "note rolled back at 10:02",
        "followup add a canary for the checkout deploy",
        "followup done 1",
        "resolve rolled back",
    ):
        body, key = _command(bot, "U0ALICE", inc.channel_id, words)
        _twice(bot, clock, "command", body, key)
    kinds = _timeline(bot, inc)
    for kind in ("update", "severity_changed", "role_assigned", "note", "followup_added", "followup_done", "resolved"):
        assert kinds.count(kind) == 1, (kind, kinds)
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.status.value == "resolved" and fresh.severity.id == "SEV1"
    assert [r.user_id for r in fresh.roles if r.user_id] == ["U0BOB"]


def test_acknowledged_card_clicks_are_redone_once(clocked: tuple[BotHarness, Clock]) -> None:
    bot, clock = clocked
    inc = bot.declare("SEV2 queue backlog")
    bot.workspace.join(inc.channel_id, "U0BOB")  # reopening is for the channel's members until there is an IC
    driver = Captured(bot)
    driver.click_button("U0BOB", inc.channel_id, str(inc.card_ts), ids.ACK)
    body = driver.last()
    _twice(bot, clock, f"click:{ids.ACK}", body, request_key(f"click:{ids.ACK}", body))
    assert _timeline(bot, inc).count("acknowledged") == 1
    assert bot.container.services.incidents.get(inc.id).acknowledged_by == "U0BOB"

    bot.command("resolve drained", channel=inc.channel_id)
    bot.settle()
    card = bot.workspace.message(inc.channel_id, str(inc.card_ts))
    find_button(card, ids.REOPEN)
    driver.click_button("U0BOB", inc.channel_id, str(inc.card_ts), ids.REOPEN)
    body = driver.last()
    _twice(bot, clock, f"click:{ids.REOPEN}", body, request_key(f"click:{ids.REOPEN}", body))
    assert _timeline(bot, inc).count("reopened") == 1
    assert bot.container.services.incidents.get(inc.id).status.is_open


def _open_modal(bot: BotHarness, inc: IncidentView, button: str, user: str = "U0ALICE") -> None:
    bot.driver.click_button(user, inc.channel_id, str(inc.card_ts), button)
    wait_until(lambda: bot.workspace.open_view(user), what="the modal")


def _submit(bot: BotHarness, values: dict[str, dict[str, Any]], user: str = "U0ALICE") -> dict[str, Any]:
    driver = Captured(bot)
    driver.submit_view(user, values=values)
    return driver.last()


def test_acknowledged_modal_submissions_are_redone_once(clocked: tuple[BotHarness, Clock]) -> None:
    bot, clock = clocked
    inc = bot.declare("SEV2 login errors")

    _open_modal(bot, inc, ids.ASSIGN_ROLES)
    body = _submit(bot, {f"{ids.ROLE_BLOCK_PREFIX}ic": {ids.ROLE_SELECT: "U0CAROL"}})
    _twice(bot, clock, f"view:{ids.ROLES_VIEW}", body, f"view:{body['view']['id']}")

    _open_modal(bot, inc, ids.POST_UPDATE)
    body = _submit(bot, {ids.SUMMARY[0]: {ids.SUMMARY[1]: "found the bad certificate"}})
    _twice(bot, clock, f"view:{ids.UPDATE_VIEW}", body, f"view:{body['view']['id']}")

    _open_modal(bot, inc, ids.RESOLVE)
    body = _submit(bot, {ids.RESOLUTION[0]: {ids.RESOLUTION[1]: "certificate renewed"}})
    _twice(bot, clock, f"view:{ids.RESOLVE_VIEW}", body, f"view:{body['view']['id']}")

    kinds = _timeline(bot, inc)
    assert [kinds.count(k) for k in ("role_assigned", "update", "resolved")] == [1, 1, 1], kinds
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.status.value == "resolved" and [r.user_id for r in fresh.roles if r.user_id] == ["U0CAROL"]

    # The declare form, submitted and acknowledged, then redone.
    bot.command("", user="U0BOB")
    wait_until(lambda: bot.workspace.open_view("U0BOB"), what="declare modal")
    body = _submit(
        bot,
        {ids.TITLE[0]: {ids.TITLE[1]: "dns flapping"}, ids.SEVERITY[0]: {ids.SEVERITY[1]: "SEV3"}},
        user="U0BOB",
    )
    _twice(bot, clock, f"view:{ids.DECLARE_VIEW}", body, f"view:{body['view']['id']}")
    declared = [i for i in bot.container.services.incidents.list_open() if i.title == "dns flapping"]
    assert len(declared) == 1 and declared[0].reporter_id == "U0BOB" and declared[0].channel_id


def test_each_handled_request_leaves_nothing_to_redo(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 slow builds")
    bot.command("update still looking", channel=inc.channel_id)
    bot.command("severity SEV9", channel=inc.channel_id)  # refused at once: nothing was saved
    bot.command("severity SEV3", channel=inc.channel_id)  # refused by the use case: the row goes too
    bot.driver.click_button("U0BOB", inc.channel_id, str(inc.card_ts), ids.ACK)
    bot.settle()
    assert bot.container.services.pending.count() == 0
    assert bot.container.services.pending.redo_lapsed() == 0


def test_a_request_being_handled_is_not_taken_over_before_its_lease_lapses(
    clocked: tuple[BotHarness, Clock],
) -> None:
    bot, clock = clocked
    body, key = _command(bot, "U0ALICE", bot.workspace.channel_by_name("general").id, "SEV3 cache misses")
    pending_requests = bot.container.services.pending
    pending_requests.save(key, "command", body)
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert pending_requests.redo_lapsed() == 0
    assert bot.container.services.incidents.list_open() == []
    # Two replicas looking at once: one takes it, the other finds it taken.
    now = clock.advance(seconds=2)
    with bot.container.uow() as session:
        assert pending.take_over(session, key, now, now + LEASE) is not None
    with bot.container.uow() as session:
        assert pending.take_over(session, key, now, now + LEASE) is None


def test_nothing_is_promised_when_the_request_cannot_be_saved(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 flaky tests")
    with bot.container.engine.begin() as conn:
        conn.execute(text("DROP TABLE pending_requests"))
    r = bot.command("SEV2 payments slow")
    assert r.status_code == 200 and DATABASE_UNREACHABLE in r.text
    r = bot.command("update rolling back", channel=inc.channel_id)
    assert DATABASE_UNREACHABLE in r.text
    bot.driver.click_button("U0BOB", inc.channel_id, str(inc.card_ts), ids.ACK)
    wait_until(
        lambda: any(DATABASE_UNREACHABLE in (e.text or "") for e in bot.workspace.ephemerals("U0BOB")),
        what="the click's answer",
    )
    bot.settle()
    assert [i.title for i in bot.container.services.incidents.list_open()] == ["flaky tests"]
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.acknowledged_by is None and fresh.last_update_text == ""
    # Reading works as before: only what changes something needs the row.
    assert "1 open incident" in _said(bot, lambda: bot.command("list"))


def _said(bot: BotHarness, act: Callable[[], Any]) -> str:
    before = len(bot.workspace.ephemerals("U0ALICE"))
    act()
    wait_until(lambda: len(bot.workspace.ephemerals("U0ALICE")) > before, what="an answer")
    return " ".join(e.text or "" for e in bot.workspace.ephemerals("U0ALICE")[before:])
