"""Card buttons and modals: declare form, assign roles, post update, resolve, acknowledge, join."""

from __future__ import annotations

from bot.emulator.payloads import state_values
from bot.slack import ids
from bot.storage import repositories as repo
from tests.harness import BotHarness, find_action, find_block, has_action, shows, wait_until


def test_declare_modal_from_bare_command_and_title_only(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    bot.command("", user="U0BOB")
    view = wait_until(lambda: ws.open_view("U0BOB"), what="declare modal")
    assert view.body["callback_id"] == ids.DECLARE_VIEW

    # A title without severity opens the modal with the title prefilled.
    ws.close_top_modal("U0BOB")
    bot.command("cart totals are wrong", user="U0BOB")
    view = wait_until(lambda: ws.open_view("U0BOB"), what="prefilled modal")
    assert find_action(view.body["blocks"], ids.TITLE[1]).get("initial_value") == "cart totals are wrong"

    # Submitting without a severity answers a field error and creates nothing.
    r = bot.driver.submit_view("U0BOB", values={ids.TITLE[0]: {ids.TITLE[1]: "cart totals are wrong"}})
    assert r.json()["response_action"] == "errors" and ids.SEVERITY[0] in r.json()["errors"]
    assert bot.container.services.incidents.list_open() == []

    r = bot.driver.submit_view(
        "U0BOB",
        values={
            ids.TITLE[0]: {ids.TITLE[1]: "cart totals are wrong"},
            ids.SEVERITY[0]: {ids.SEVERITY[1]: "SEV2"},
            ids.DESCRIPTION[0]: {ids.DESCRIPTION[1]: "Totals off by tax"},
            ids.COMMANDER[0]: {ids.COMMANDER[1]: "U0CAROL"},
        },
    )
    assert r.status_code == 200
    bot.settle()
    [inc] = bot.container.services.incidents.list_open()
    assert (
        inc.severity.id == "SEV2" and inc.commander_id == "U0CAROL" and inc.description == "Totals off by tax"
    )
    assert {"U0BOB", "U0CAROL"} <= set(ws.channel(inc.channel_id).members)


def test_double_submission_of_the_declare_modal_creates_one_incident(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    bot.command("SEV1", user="U0BOB")  # severity without title: modal with severity preselected
    view = wait_until(lambda: ws.open_view("U0BOB"), what="modal")
    assert find_action(view.body["blocks"], ids.SEVERITY[1])["initial_option"]["value"] == "SEV1"
    values = {
        ids.TITLE[0]: {ids.TITLE[1]: {"type": "plain_text_input", "value": "queue backlog"}},
        ids.SEVERITY[0]: {ids.SEVERITY[1]: {"type": "static_select", "selected_option": {"value": "SEV1"}}},
    }
    payload = {**bot.driver._base("view_submission", "U0BOB"), "view": ws.view_json(view, {"values": values})}
    # The same submission twice (a double click, or Slack retrying it): one incident, one declaration.
    assert bot.driver._interactive(payload).status_code == 200
    assert bot.driver._interactive(payload).status_code == 200
    bot.settle()
    [inc] = bot.container.services.incidents.list_open()
    assert inc.title == "queue backlog"
    assert len(ws.calls_to("conversations.create")) == 1


def test_card_buttons_update_roles_resolve(bot: BotHarness) -> None:
    ws = bot.workspace
    inc = bot.declare("SEV2 webhooks delayed")
    ch, card_ts = inc.channel_id, inc.card_ts
    ws.join(ch, "U0BOB")  # before an IC is assigned, the card's role and resolve buttons are for members

    # Acknowledge, then a second click says who already did.
    bot.driver.click_button("U0BOB", ch, card_ts, ids.ACK)
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).acknowledged_by == "U0BOB"
    card = ws.message(ch, card_ts)
    assert not has_action(card, ids.ACK)
    bot.driver.click_button("U0CAROL", ch, card_ts, ids.POST_UPDATE)  # still works after ack
    ws.close_top_modal("U0CAROL")

    # Post update through the modal.
    bot.driver.click_button("U0BOB", ch, card_ts, ids.POST_UPDATE)
    wait_until(lambda: ws.open_view("U0BOB"), what="update modal")
    r = bot.driver.submit_view(
        "U0BOB",
        values={
            ids.STATUS[0]: {ids.STATUS[1]: "monitoring"},
            ids.SUMMARY[0]: {ids.SUMMARY[1]: "Queue drained, watching"},
            ids.IMPACT[0]: {ids.IMPACT[1]: "Webhooks up to 10 minutes late"},
        },
    )
    assert r.status_code == 200
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.status.value == "monitoring" and fresh.mitigated_at is not None
    assert shows(ws.message(ch, card_ts), "Webhooks up to 10 minutes late")

    # Assign roles through the modal: one select per role.
    bot.driver.click_button("U0BOB", ch, card_ts, ids.ASSIGN_ROLES)
    view = wait_until(lambda: ws.open_view("U0BOB"), what="roles modal")
    assert shows(find_block(view.body["blocks"], f"{ids.ROLE_BLOCK_PREFIX}scribe"), "Scribe")
    assert shows(view.body["blocks"], "Communications Lead")
    bot.driver.submit_view(
        "U0BOB",
        values={
            f"{ids.ROLE_BLOCK_PREFIX}ic": {ids.ROLE_SELECT: "U0BOB"},
            f"{ids.ROLE_BLOCK_PREFIX}scribe": {ids.ROLE_SELECT: "U0DAVE"},
        },
    )
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.commander_id == "U0BOB" and fresh.holder("scribe") == "U0DAVE"
    assert "U0DAVE" in ws.channel(ch).members

    # Resolve through the modal; an empty summary is refused in place.
    bot.driver.click_button("U0BOB", ch, card_ts, ids.RESOLVE)
    wait_until(lambda: ws.open_view("U0BOB"), what="resolve modal")
    r = bot.driver.submit_view("U0BOB", values={ids.RESOLUTION[0]: {ids.RESOLUTION[1]: "  "}})
    assert r.json()["response_action"] == "errors"
    r = bot.driver.submit_view(
        "U0BOB",
        values={
            ids.RESOLUTION[0]: {ids.RESOLUTION[1]: "Scaled the consumer"},
            ids.ROOT_CAUSE[0]: {ids.ROOT_CAUSE[1]: "Consumer pool too small"},
        },
    )
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.status.value == "resolved" and fresh.resolution_summary == "Scaled the consumer"
    assert fresh.root_cause == "Consumer pool too small"
    notice = next(m for m in ws.messages(ch) if shows(m, "Resolved:"))
    assert shows(notice, "*Root cause*\nConsumer pool too small")


def test_double_ack_is_idempotent(bot: BotHarness) -> None:
    ws = bot.workspace
    inc = bot.declare("SEV1 api 5xx")
    bot.command("ack", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    bot.command("ack", user="U0CAROL", channel=inc.channel_id)
    bot.settle()
    assert any("Already acknowledged by <@U0BOB>" in (e.text or "") for e in ws.ephemerals("U0CAROL"))
    with bot.container.uow() as session:
        from bot.storage import repositories as repo

        assert [e.kind for e in repo.timeline(session, inc.id)].count("acknowledged") == 1


def test_join_button_on_broadcast_post(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 dashboards blank")
    broadcast = ws.channel_by_name("incidents")
    assert "U0DAVE" not in ws.channel(inc.channel_id).members
    bot.driver.click_button("U0DAVE", broadcast.id, inc.broadcast_ts, ids.JOIN)
    bot.settle()
    assert "U0DAVE" in ws.channel(inc.channel_id).members


def test_roles_modal_refuses_bots_and_says_so(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV3 queue backlog")
    ch = inc.channel_id or ""
    card_ts = bot.container.services.incidents.get(inc.id).card_ts or ""
    ws.join(ch, "U0BOB")  # roles are handed out by the channel's members until there is an IC
    bot.driver.click_button("U0BOB", ch, card_ts, ids.ASSIGN_ROLES)
    wait_until(lambda: ws.open_view("U0BOB"), what="roles modal")
    bot.driver.submit_view(
        "U0BOB",
        values={
            f"{ids.ROLE_BLOCK_PREFIX}ic": {ids.ROLE_SELECT: "UBOT"},
            f"{ids.ROLE_BLOCK_PREFIX}scribe": {ids.ROLE_SELECT: "U0DAVE"},
        },
    )
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.commander_id is None and fresh.holder("scribe") == "U0DAVE"  # the valid pick still counts
    # Bob is in the incident channel, so the refusal is an ephemeral there.
    refusal = wait_until(
        lambda: next((m for m in ws.ephemerals("U0BOB", ch) if "not a person" in (m.text or "")), None),
        what="the refusal",
    )
    assert "<@UBOT>" in refusal.text


def test_a_slack_hiccup_looking_up_a_user_is_not_called_an_unknown_user(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV3 queue backlog")
    ws.fail_next("users.info", "ratelimited", http_status=429, retry_after=1)
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    message = wait_until(
        lambda: next((e for e in ws.ephemerals("U0ALICE", inc.channel_id) if "<@U0BOB>" in e.text), None),
        what="the answer",
    )
    assert "try again" in message.text and "not a person" not in message.text
    assert bot.container.services.incidents.get(inc.id).commander_id is None
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).commander_id == "U0BOB"


def test_a_double_submitted_update_form_posts_once(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 webhooks delayed")
    ch = inc.channel_id or ""
    card_ts = bot.container.services.incidents.get(inc.id).card_ts or ""
    bot.driver.click_button("U0ALICE", ch, card_ts, ids.POST_UPDATE)
    view = wait_until(lambda: ws.open_view("U0ALICE"), what="update modal")
    values = state_values(list(view.body["blocks"]), {ids.SUMMARY[0]: {ids.SUMMARY[1]: "Queue draining"}})
    payload = {**bot.driver._base("view_submission", "U0ALICE"), "view": ws.view_json(view, {"values": values})}
    # The same submission twice, as a double click or a Slack retry delivers it.
    assert bot.driver._interactive(payload).status_code == 200
    assert bot.driver._interactive(payload).status_code == 200
    bot.settle()
    with bot.container.uow() as session:
        updates = [e for e in repo.timeline(session, inc.id) if e.kind == "update"]
    assert [e.text for e in updates] == ["Queue draining"]
    assert [m.text for m in ws.messages(ch) if m.text.startswith("Update:")] == ["Update: Queue draining"]


def test_a_slack_failure_inside_a_listener_gets_a_friendly_message_not_a_trace(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    ws.fail_next("views.open", "internal_error", http_status=500)
    r = bot.command("", user="U0BOB")  # opens the declare form: views.open fails
    assert r.status_code == 200
    message = wait_until(
        lambda: next(iter(ws.ephemerals("U0BOB")), None) or next(iter(ws.dm_messages("U0BOB")), None),
        what="a friendly message",
    )
    assert "Traceback" not in message.text and "SlackApiError" not in message.text
    assert "try again" in message.text.lower()
    assert bot.container.services.incidents.list_open() == []
