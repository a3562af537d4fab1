"""The broadcast declaration kept current, `/incident summary` posted then edited, and newcomers' catch-up."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.events import IncidentUpdated
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks import broadcast as b
from bot.slack.blocks import summary as s
from bot.storage import followups, outbox
from bot.storage import repositories as repo
from tests.harness import BotHarness, block_text, find_block, find_button, wait_until


def _broadcast(bot: BotHarness, inc: IncidentView) -> Any:
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.broadcast_channel_id and fresh.broadcast_ts
    message = bot.workspace.message(fresh.broadcast_channel_id, fresh.broadcast_ts)
    assert message is not None
    return message


def _edits_of(bot: BotHarness, ts: str | None) -> int:
    return len([c for c in bot.workspace.calls_to("chat.update") if c.args.get("ts") == ts and c.ok])


def test_the_broadcast_declaration_follows_every_change(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 checkout slow")
    ch = inc.channel_id
    first = _broadcast(bot, inc)
    assert "Investigating" in block_text(find_block(first, b.FACTS))
    assert "_unassigned_" in block_text(find_block(first, b.FACTS))
    assert "not yet" in block_text(find_block(first, b.FACTS))
    assert find_button(first, ids.JOIN)["value"] == str(inc.id)

    bot.command("role ic <@U0BOB|bob>", channel=ch)
    bot.settle()
    bot.command("role scribe <@U0CAROL|carol>", channel=ch)
    bot.settle()
    facts = block_text(find_block(_broadcast(bot, inc), b.FACTS))
    assert "*Incident Commander*\n<@U0BOB>" in facts
    assert "<@U0CAROL>" in block_text(find_block(_broadcast(bot, inc), b.ROLES))

    bot.command("severity sev1", channel=ch)
    bot.settle()
    bot.command("update identified Stripe webhooks time out", user="U0BOB", channel=ch)
    bot.settle()
    message = _broadcast(bot, inc)
    assert fresh_severity(bot, inc).label in block_text(find_block(message, b.HEAD))
    assert "Identified" in block_text(find_block(message, b.FACTS))
    latest = block_text(find_block(message, b.LATEST))
    assert "Stripe webhooks time out" in latest and "<@U0BOB>" in latest
    assert message.text.startswith("SEV1 · Identified")

    card_ts = bot.container.services.incidents.get(inc.id).card_ts or ""
    bot.driver.click_button("U0DAVE", ch or "", card_ts, ids.ACK)
    bot.settle()
    assert "<@U0DAVE> after" in block_text(find_block(_broadcast(bot, inc), b.FACTS))

    bot.command("resolve Rolled back the bad deploy root cause: a config flag flipped", channel=ch)
    bot.settle()
    message = _broadcast(bot, inc)
    assert "resolved:" in block_text(find_block(message, b.HEAD))
    assert "Resolved" in block_text(find_block(message, b.FACTS))
    latest = block_text(find_block(message, b.LATEST))
    assert "Rolled back the bad deploy" in latest and "*Root cause:* a config flag flipped" in latest
    assert " after " in block_text(find_block(message, b.TIMING))

    bot.command("reopen errors are back", channel=ch)
    bot.settle()
    message = _broadcast(bot, inc)
    assert "declared:" in block_text(find_block(message, b.HEAD))
    assert "Investigating" in block_text(find_block(message, b.FACTS))
    assert "Reopened: errors are back" in block_text(find_block(message, b.LATEST))
    # Still one declaration at the top of the broadcast channel, with the updates as replies under it.
    broadcast_id = bot.container.services.incidents.get(inc.id).broadcast_channel_id or ""
    mine = [m for m in bot.workspace.messages(broadcast_id) if m.thread_ts is None and inc.ref in str(m.blocks)]
    assert [m.ts for m in mine if m.ts == inc.broadcast_ts] == [inc.broadcast_ts]
    thread = bot.workspace.thread(broadcast_id, inc.broadcast_ts)
    assert any("Stripe webhooks time out" in str(m.blocks) for m in thread)


def test_a_delivery_that_finds_the_state_already_shown_does_not_edit_the_broadcast(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 reports page slow")
    bot.command("update identified a slow query", channel=inc.channel_id)
    bot.settle()
    fresh = bot.container.services.incidents.get(inc.id)
    broadcast_edits, card_edits = _edits_of(bot, fresh.broadcast_ts), _edits_of(bot, fresh.card_ts)
    assert broadcast_edits == 1  # the update changed what managers read: one edit
    # The same update delivered again (as the later messages of a burst are): the card is refreshed, the
    # broadcast already shows this state and is left alone.
    with bot.container.uow() as session:
        entry = next(e for e in repo.timeline(session, inc.id) if e.kind == "update")
        outbox.enqueue(session, inc.id, IncidentUpdated(entry_id=entry.id))
    bot.container.dispatcher.kick()
    bot.settle()
    assert _edits_of(bot, fresh.card_ts) == card_edits + 1
    assert _edits_of(bot, fresh.broadcast_ts) == broadcast_edits


def test_summary_is_posted_then_edited_in_place(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 search returns errors")
    ch = inc.channel_id or ""
    bot.command("role ic <@U0BOB|bob>", channel=ch)
    bot.settle()
    bot.command("update identified a bad index", user="U0BOB", channel=ch)
    bot.settle()
    # The impact, as the update form records it.
    bot.container.services.incidents.post_update(inc.id, "U0BOB", "rebuilding it", impact="20% of searches fail")
    bot.settle()
    bot.command("summary", channel=ch)
    bot.settle()
    posted = bot.container.services.incidents.get(inc.id).summary_ts
    assert posted
    message = ws.message(ch, posted)
    assert message is not None
    assert "search returns errors" in block_text(find_block(message, s.HEADER))
    facts = block_text(find_block(message, s.FACTS))
    assert "Identified" in facts and "Open for" in facts and "<!date^" in facts
    conditions = block_text(find_block(message, s.CONDITIONS))
    assert conditions.startswith("*Conditions*")
    assert "*Impact:* 20% of searches fail" in conditions and "rebuilding it" in conditions
    assert "*Incident Commander:* <@U0BOB>" in block_text(find_block(message, s.ROLES))
    events = block_text(find_block(message, s.TIMELINE))
    assert "Declared by <@U0ALICE>" in events and "Update, now Identified by <@U0BOB>" in events
    needs = block_text(find_block(message, s.NEEDS))
    assert needs.startswith("*Needs*")
    assert "Nobody has acknowledged the page yet" in needs and "Next update due" in needs

    bot.command("resolve Rebuilt the index root cause: a migration dropped it", channel=ch)
    bot.settle()
    count = len(ws.messages(ch))
    bot.command("summary", user="U0CAROL", channel=ch)
    bot.settle()
    assert len(ws.messages(ch)) == count  # edited, not posted again
    assert bot.container.services.incidents.get(inc.id).summary_ts == posted
    message = ws.message(ch, posted)
    assert message is not None
    conditions = block_text(find_block(message, s.CONDITIONS))
    assert "*Resolution:* Rebuilt the index" in conditions and "*Root cause:* a migration dropped it" in conditions
    assert "Duration" in block_text(find_block(message, s.FACTS))
    assert "Post-mortem due by" in block_text(find_block(message, s.NEEDS))
    assert any("up to date" in (e.text or "") for e in ws.ephemerals("U0CAROL", ch))


def test_summary_posts_afresh_when_the_earlier_one_was_deleted(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV3 exports late")
    ch = inc.channel_id or ""
    bot.command("summary", channel=ch)
    bot.settle()
    first = bot.container.services.incidents.get(inc.id).summary_ts or ""
    earlier = ws.message(ch, first)
    assert earlier is not None
    ws.delete_message(earlier)  # someone deleted the summary
    bot.command("summary", channel=ch)
    bot.settle()
    second = bot.container.services.incidents.get(inc.id).summary_ts
    assert second and second != first
    assert ws.message(ch, second) is not None


def test_someone_joining_later_gets_the_summary_ephemerally(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 payroll export stuck")
    ch = inc.channel_id or ""
    bot.command("update identified the export job is stuck on a lock", channel=ch)
    bot.settle()
    assert bot.driver.user_joins("U0DAVE", ch).status_code == 200
    catch_up = wait_until(lambda: ws.ephemerals("U0DAVE", ch), what="catch-up")
    assert len(catch_up) == 1
    blocks = catch_up[0].blocks
    assert "payroll export stuck" in block_text(find_block(blocks, s.HEADER))
    assert "stuck on a lock" in block_text(find_block(blocks, s.CONDITIONS))
    assert "Needs" in block_text(find_block(blocks, s.NEEDS))
    # The reporter, there from the start, is not caught up on their own incident.
    bot.driver.user_joins("U0ALICE", ch)
    bot.settle()
    assert not any(find_block_or_none(e.blocks, s.HEADER) for e in ws.ephemerals("U0ALICE", ch))


def find_block_or_none(blocks: Any, block_id: str) -> dict[str, Any] | None:
    try:
        return find_block(blocks, block_id)
    except AssertionError:
        return None


def fresh_severity(bot: BotHarness, inc: IncidentView) -> Any:
    severity = bot.container.services.incidents.get(inc.id).severity
    assert severity.id == "SEV1"
    return severity


def test_summary_lists_the_open_follow_ups(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV3 invoices missing")
    ch = inc.channel_id or ""
    now = bot.container.services.ctx.clock()
    with bot.container.uow() as session:
        incident = repo.get_incident(session, inc.id)
        assert incident is not None
        followups.add(session, incident, "Alert on invoice lag", owner_id="U0BOB", due_on=date(2020, 1, 31),
                      created_by="U0ALICE", at=now)
        done = followups.add(session, incident, "Restart the worker", owner_id=None, due_on=None,
                             created_by="U0ALICE", at=now)
        done.done_at, done.done_by = now, "U0ALICE"
    bot.command("summary", channel=ch)
    bot.settle()
    message = ws.message(ch, bot.container.services.incidents.get(inc.id).summary_ts or "")
    assert message is not None
    listed = block_text(find_block(message, s.FOLLOW_UPS))
    assert listed.startswith("*Open follow-ups* (1)")
    assert "*#1* · Alert on invoice lag · owner <@U0BOB> · due 2020-01-31 *(overdue)*" in listed
    assert "Restart the worker" not in listed  # closed
    assert "Overdue follow-ups" in block_text(find_block(message, s.NEEDS))
    # The newcomer's catch-up shows the same.
    bot.driver.user_joins("U0DAVE", ch)
    catch_up = wait_until(lambda: ws.ephemerals("U0DAVE", ch), what="catch-up")
    assert "Alert on invoice lag" in block_text(find_block(catch_up[0].blocks, s.FOLLOW_UPS))
