"""Publishing through the real app: the command and the card's button open the form, a submission publishes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bot.emulator.payloads import state_values
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.storage import publications
from bot.storage import repositories as repo
from tests.harness import (
    SHIPPED_PLAYBOOKS,
    BotHarness,
    find_action,
    find_block,
    has_action,
    private_sev1_playbooks,
    shows,
    start_bot,
    wait_until,
)


def told(bot: BotHarness, user: str, needle: str) -> str:
    """The ephemeral answer to ``user`` that contains ``needle``."""

    def find() -> str | None:
        texts = [(e.text or "") + str(e.blocks) for e in bot.workspace.ephemerals(user)]
        return next((t for t in texts if needle in t), None)

    return wait_until(find, what=f"an answer to {user} containing {needle!r}")


def updates(bot: BotHarness, incident: IncidentView) -> list[Any]:
    with bot.container.uow() as session:
        return [
            (u.public_title, u.public_status, u.message, u.components, u.published_by)
            for u in publications.updates_of(session, incident.id)
        ]


def entries(bot: BotHarness, incident: IncidentView, kind: str) -> list[tuple[str | None, str]]:
    with bot.container.uow() as session:
        return [(e.actor_id, e.text) for e in repo.timeline(session, incident.id) if e.kind == kind]


def with_commander(bot: BotHarness, title: str = "SEV2 db-primary OOM") -> IncidentView:
    """Alice declares, Bob is the IC; Carol is in the channel without a role."""
    inc = bot.declare(title)
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.workspace.join(inc.channel_id, "U0CAROL")
    bot.settle()
    return bot.container.services.incidents.get(inc.id)


def open_form(bot: BotHarness, user: str) -> Any:
    return wait_until(lambda: bot.workspace.open_view(user), what="the publish form").body


def test_publish_by_command_then_by_the_card_button(bot: BotHarness) -> None:
    ws = bot.workspace
    inc = with_commander(bot)
    bot.command("public We are seeing errors at checkout.", user="U0BOB", channel=inc.channel_id)
    form = open_form(bot, "U0BOB")
    assert form["callback_id"] == ids.PUBLISH_VIEW
    blocks = form["blocks"]
    # Prefilled: the incident title (editable), investigating, every component operational, the typed text.
    assert find_action(blocks, ids.PUBLIC_TITLE[1])["initial_value"] == "db-primary OOM"
    assert find_action(blocks, ids.PUBLIC_STATUS[1])["initial_option"]["value"] == "investigating"
    assert find_action(blocks, ids.PUBLIC_MESSAGE[1])["initial_value"] == "We are seeing errors at checkout."
    api = find_block(blocks, f"{ids.PUBLIC_COMPONENT_PREFIX}api")
    assert api["element"]["initial_option"]["value"] == "operational"
    assert shows(find_block(blocks, ids.PUBLISH_PREVIEW_BLOCK), "We are seeing errors at checkout.")

    r = bot.driver.submit_view(
        "U0BOB",
        values={
            ids.PUBLIC_TITLE[0]: {ids.PUBLIC_TITLE[1]: "Checkout errors"},
            ids.PUBLIC_STATUS[0]: {ids.PUBLIC_STATUS[1]: "identified"},
            f"{ids.PUBLIC_COMPONENT_PREFIX}payments": {ids.PUBLIC_COMPONENT_SELECT: "partial_outage"},
        },
    )
    assert r.status_code == 200
    bot.settle()
    [first] = updates(bot, inc)
    assert first[:3] == ("Checkout errors", "identified", "We are seeing errors at checkout.")
    assert {"id": "payments", "status": "partial_outage"} in first[3] and first[4] == "U0BOB"
    [(actor, text)] = entries(bot, inc, "published")
    assert actor == "U0BOB" and "Checkout errors" in text and "Payment processing: partial outage" in text
    assert any(
        shows(m, "published to the status page", "Checkout errors") for m in ws.messages(inc.channel_id)
    )

    # The card's button opens the form again, prefilled with what is public now.
    card = ws.message(inc.channel_id, inc.card_ts)
    assert has_action(card, ids.PUBLISH)
    bot.driver.click_button("U0BOB", inc.channel_id, inc.card_ts, ids.PUBLISH)
    blocks = open_form(bot, "U0BOB")["blocks"]
    assert find_action(blocks, ids.PUBLIC_TITLE[1])["initial_value"] == "Checkout errors"
    assert find_action(blocks, ids.PUBLIC_STATUS[1])["initial_option"]["value"] == "identified"
    payments = find_block(blocks, f"{ids.PUBLIC_COMPONENT_PREFIX}payments")
    assert payments["element"]["initial_option"]["value"] == "partial_outage"
    # Without typed text the message comes from templates/external_notification.md, public facts only.
    message = find_action(blocks, ids.PUBLIC_MESSAGE[1])["initial_value"]
    assert "Service disruption notice" in message and "Payment processing" in message
    assert "db-primary" not in message and "U0BOB" not in message
    bot.driver.submit_view(
        "U0BOB",
        values={
            ids.PUBLIC_STATUS[0]: {ids.PUBLIC_STATUS[1]: "monitoring"},
            ids.PUBLIC_MESSAGE[0]: {ids.PUBLIC_MESSAGE[1]: "A fix is deployed; we are watching."},
        },
    )
    bot.settle()
    assert [u[1] for u in updates(bot, inc)] == ["identified", "monitoring"]


def test_a_bystander_is_refused_and_nothing_is_published(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = with_commander(bot)
    bot.command("public all good", user="U0CAROL", channel=inc.channel_id)
    refusal = told(bot, "U0CAROL", "can publish the status of")
    assert "<@U0BOB>" in refusal
    assert bot.workspace.open_view("U0CAROL") is None
    # The card button says the same, and an empty message in the form is refused in place.
    bot.driver.click_button("U0CAROL", inc.channel_id, inc.card_ts, ids.PUBLISH)
    wait_until(
        lambda: len([e for e in bot.workspace.ephemerals("U0CAROL") if "can publish" in (e.text or "")]) >= 2
    )
    assert bot.workspace.open_view("U0CAROL") is None
    bot.command("public", user="U0BOB", channel=inc.channel_id)
    open_form(bot, "U0BOB")
    # Bob's form submitted as Carol (a forged payload): refused in the form, nothing published.
    ws = bot.workspace
    view = ws.open_view("U0BOB")
    assert view is not None
    forged = {
        **bot.driver._base("view_submission", "U0CAROL"),
        "view": ws.view_json(view, {"values": state_values(view.body["blocks"])}),
    }
    answer = bot.driver._interactive(forged).json()
    assert answer["response_action"] == "errors" and "can publish" in answer["errors"][ids.PUBLIC_MESSAGE[0]]
    r = bot.driver.submit_view("U0BOB", values={ids.PUBLIC_MESSAGE[0]: {ids.PUBLIC_MESSAGE[1]: "  "}})
    assert r.json()["response_action"] == "errors" and ids.PUBLIC_MESSAGE[0] in r.json()["errors"]
    bot.settle()
    assert updates(bot, inc) == [] and entries(bot, inc, "published") == []


def test_suggest_severity_reminds_at_declaration_and_offers_the_resolution(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV1 payments down")
    reminder = [m for m in ws.messages(inc.channel_id) if shows(m, "publish to the status page")]
    assert len(reminder) == 1 and has_action(reminder[0], ids.PUBLISH)
    quiet = bot.declare("SEV3 slow reports")  # optional: no reminder, the card still offers publishing
    assert not [m for m in ws.messages(quiet.channel_id) if shows(m, "publish to the status page")]
    assert has_action(ws.message(quiet.channel_id, quiet.card_ts), ids.PUBLISH)
    assert updates(bot, inc) == []  # nothing is ever published by itself

    bot.command("resolve rolled back the release", channel=inc.channel_id)
    bot.settle()
    notice = next(m for m in ws.messages(inc.channel_id) if has_action(m, ids.PUBLISH_RESOLUTION))
    assert updates(bot, inc) == []
    bot.driver.click_button("U0ALICE", inc.channel_id, notice.ts, ids.PUBLISH_RESOLUTION)
    blocks = open_form(bot, "U0ALICE")["blocks"]
    assert find_action(blocks, ids.PUBLIC_STATUS[1])["initial_option"]["value"] == "resolved"
    message = find_action(blocks, ids.PUBLIC_MESSAGE[1])["initial_value"]
    assert "resolved" in message and "rolled back" not in message
    bot.driver.submit_view("U0ALICE")
    bot.settle()
    [(title, status, _, components, by)] = updates(bot, inc)
    assert (title, status, by) == ("payments down", "resolved", "U0ALICE")
    assert {c["status"] for c in components} == {"operational"}


def _never_sev3(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    path = target / "severities.yaml"
    text = path.read_text()
    start = text.index("  SEV3:")
    end = text.index("    emoji:", start)
    path.write_text(text[:end] + "    status_page: never\n" + text[end:])
    return target


def test_status_page_never_refuses_publishing(sqlite_url: str, tmp_path: Path) -> None:
    bot = start_bot(sqlite_url, playbooks_dir=_never_sev3(tmp_path))
    try:
        inc = bot.declare("SEV3 reports slow")
        assert not has_action(bot.workspace.message(inc.channel_id, inc.card_ts), ids.PUBLISH)
        bot.command("public reports are slow", channel=inc.channel_id)
        refusal = told(bot, "U0ALICE", "never publishes to the status page")
        assert "Nothing was published" in refusal
        bot.settle()
        assert bot.workspace.open_view("U0ALICE") is None and updates(bot, inc) == []
    finally:
        bot.stop()


def test_private_incidents_are_never_published(sqlite_url: str, tmp_path: Path) -> None:
    bot = start_bot(sqlite_url, playbooks_dir=private_sev1_playbooks(tmp_path))
    try:
        inc = bot.declare("SEV1 leaked credentials")
        ws = bot.workspace
        assert not [m for m in ws.messages(inc.channel_id) if shows(m, "publish to the status page")]
        assert not has_action(ws.message(inc.channel_id, inc.card_ts), ids.PUBLISH)
        bot.command("public something", channel=inc.channel_id)
        assert "private incidents are never published" in told(bot, "U0ALICE", "never published")
        bot.command("resolve rotated the keys", channel=inc.channel_id)
        bot.settle()
        assert not [m for m in ws.messages(inc.channel_id) if has_action(m, ids.PUBLISH_RESOLUTION)]
        assert updates(bot, inc) == []
    finally:
        bot.stop()
