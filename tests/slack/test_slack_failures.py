"""Slack failing: names taken, rate limits, 5xx and outages lose nothing and are retried."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.pages import PAGING_KINDS
from bot.slack import ids
from bot.storage import repositories as repo
from bot.storage.models import OutboxMessage
from tests.harness import BotHarness, has_action, shows, wait_until


def test_name_taken_even_by_archived_channels_gets_a_suffix(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    today = datetime.now(UTC).date().isoformat()
    ws.create_channel(f"incident-{today}-payments-down", creator="U0BOB")
    second = ws.create_channel(f"incident-{today}-payments-down-2", creator="U0BOB")
    ws.update_channel(second.id, is_archived=True)
    inc = bot.declare("SEV1 payments down")
    assert inc.channel_name == f"incident-{today}-payments-down-3"


def test_rate_limited_channel_creation_is_retried_after_retry_after(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    ws.fail_next("conversations.create", "ratelimited", http_status=429, retry_after=1, times=2)
    r = bot.command("SEV2 image uploads failing")
    assert r.status_code == 200
    # The incident row and its timeline exist at once, before Slack has accepted anything.
    inc = wait_until(
        lambda: next(iter(bot.container.services.incidents.list_open()), None), what="incident row"
    )
    with bot.container.uow() as session:
        assert [e.kind for e in repo.timeline(session, inc.id) if e.kind not in PAGING_KINDS] == ["declared"]
    inc = bot.wait_delivered(inc.id, timeout=20)
    creates = ws.calls_to("conversations.create")
    assert [c.error for c in creates][:2] == ["ratelimited", "ratelimited"]
    assert creates[-1].ok and len(ws.pins(inc.channel_id)) == 1
    # Retry-After was honoured: the retry came at least a second after the refusal.
    assert creates[1].time - creates[0].time >= 0.9


def test_server_errors_mid_declaration_resume_without_duplicates(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    ws.fail_next("pins.add", "internal_error", http_status=500, times=2)
    ws.fail_next("chat.postMessage", "internal_error", http_status=503, times=1)
    inc = bot.declare("SEV1 db failover")
    bot.settle(30)
    assert len(ws.calls_to("conversations.create")) == 1  # the channel was not made twice
    cards = [m for m in ws.messages(inc.channel_id) if has_action(m, ids.ACK)]
    assert len(cards) == 1 and ws.pins(inc.channel_id)[0].ts == cards[0].ts
    broadcast = ws.channel_by_name("incidents")
    assert len([m for m in ws.messages(broadcast.id) if shows(m, inc.ref)]) == 1


def test_slack_outage_keeps_work_queued_until_slack_is_back(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 search down")
    ws.fail_next("chat.postMessage", "internal_error", http_status=500, times=3)
    bot.command("update identified index corrupted", channel=inc.channel_id)

    def failed_and_kept() -> bool:
        with bot.container.uow() as session:
            pending = session.query(OutboxMessage).filter(OutboxMessage.state == "pending").all()
            return bool(pending and pending[0].last_error)

    wait_until(failed_and_kept, what="the refused update to wait in the outbox")
    with bot.container.uow() as session:
        # Nothing lost: the update is in the database while Slack refuses it.
        assert any(e.kind == "update" for e in repo.timeline(session, inc.id))
    bot.settle(30)
    assert any(shows(m, "index corrupted") for m in ws.messages(inc.channel_id))


def test_already_in_channel_and_self_invites_are_not_errors(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV3 flaky tests in prod")
    bot.command("role ic <@U0ALICE|alice>", channel=inc.channel_id)  # already a member
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).commander_id == "U0ALICE"
    with bot.container.uow() as session:
        assert session.query(OutboxMessage).filter(OutboxMessage.state != "done").count() == 0
    invites = ws.calls_to("conversations.invite")
    assert all("UBOT" not in str(c.args.get("users", "")) for c in invites)


def test_event_retries_are_processed_once_and_joiners_see_the_card(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 payroll export stuck")
    event = {
        "type": "member_joined_channel",
        "user": "U0DAVE",
        "channel": inc.channel_id,
        "channel_type": "C",
        "team": ws.team_id,
    }
    first = bot.driver.user_joins("U0DAVE", inc.channel_id)
    assert first.status_code == 200
    event_id = bot.driver.last_event_id
    retry = bot.driver.send_event(event, retry_num=1, event_id=event_id)
    assert retry.status_code == 200
    bot.settle()
    greetings = [
        e for e in ws.ephemerals("U0DAVE", inc.channel_id) if shows(e, "payroll export stuck")
    ]
    assert len(greetings) == 1


def test_a_step_slack_refuses_for_good_does_not_cost_the_steps_after_it(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    ws.fail_next("pins.add", "not_pinnable", http_status=200)
    ws.fail_next("conversations.setPurpose", "restricted_action", http_status=200)
    inc = bot.declare("SEV1 checkout errors")
    bot.settle()
    # The pin and the purpose were refused; the card, the reporter's link and the broadcast still happened.
    assert ws.pins(inc.channel_id) == []
    assert any(has_action(m, ids.ACK) for m in ws.messages(inc.channel_id))
    assert any(inc.ref in e.text and "declared" in e.text for e in ws.ephemerals("U0ALICE"))
    broadcast = ws.channel_by_name("incidents")
    assert any(shows(m, inc.ref) for m in ws.messages(broadcast.id))
    # The declaration's timeline row links to the card.
    with bot.container.uow() as session:
        [declared] = [e for e in repo.timeline(session, inc.id) if e.kind == "declared"]
        assert declared.channel_ts and declared.permalink

    # The card message vanished (deleted by someone): updates still reach the channel and the broadcast.
    ws.fail_next("chat.update", "message_not_found", http_status=200)
    bot.command("update identified bad config pushed", channel=inc.channel_id)
    bot.settle()
    assert any(shows(m, "bad config pushed") for m in ws.messages(inc.channel_id))
    thread = ws.replies(broadcast.id, bot.container.services.incidents.get(inc.id).broadcast_ts or "")
    assert any(shows(m, "bad config pushed") for m in thread)
    with bot.container.uow() as session:
        states = {m.event: m.state for m in session.query(OutboxMessage).all()}
    assert states["incident.updated"] == "done" and states["incident.declared"] == "done"


def test_a_refused_channel_is_reported_to_the_reporter_and_pages_still_go_out(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    ws.fail_next("conversations.create", "restricted_action", http_status=200)
    assert bot.command("SEV1 everything is on fire").status_code == 200
    told = wait_until(
        lambda: next(
            (e for e in ws.ephemerals("U0ALICE") if "refused to create its channel" in e.text), None
        ),
        what="the reporter to be told",
    )
    assert "restricted_action" in told.text and "INC-" in told.text
    inc = bot.container.services.incidents.list_open()[0]
    assert inc.channel_id is None  # recorded, not lost
    # The on-call person is paged by DM all the same.
    wait_until(
        lambda: any(
            shows(m, inc.ref) for user in ("U0ALICE", "U0BOB", "U0CAROL") for m in ws.dm_messages(user)
        ),
        what="page DM without a channel",
    )
