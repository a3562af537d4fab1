"""Follow-ups through the Bolt app: record, list with Done buttons, close, a person's own across incidents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.followups import OVERDUE_EFFECT
from bot.slack import ids
from bot.slack.blocks.summary import FOLLOW_UPS as SUMMARY_FOLLOWUPS_BLOCK
from bot.storage import repositories as repo
from tests.harness import (
    BotHarness,
    block_text,
    find_block,
    has_action,
    private_sev1_playbooks,
    start_bot,
    wait_until,
)
from tests.slack.test_write_before_ack import Clock, _command, _twice


@pytest.fixture
def private_bot(tmp_path: Path, sqlite_url: str) -> Iterator[BotHarness]:
    """The shipped playbooks with SEV1 private."""
    playbooks = private_sev1_playbooks(tmp_path)
    bot = start_bot(sqlite_url, playbooks_dir=playbooks)
    try:
        yield bot
    finally:
        bot.stop()


def _ephemeral(bot: BotHarness, text: str, channel: str | None = None, user: str = "U0ALICE") -> Any:
    return wait_until(
        lambda: next((e for e in reversed(bot.workspace.ephemerals(user, channel)) if text in e.text), None),
        what=repr(text),
    )


def _followups(bot: BotHarness, incident_id: int) -> list[Any]:
    return bot.container.services.followups.of_incident(incident_id, open_only=False).items


def _kinds(bot: BotHarness, incident_id: int) -> list[str]:
    with bot.container.uow() as session:
        return [e.kind for e in repo.timeline(session, incident_id)]


def test_record_list_and_close_followups(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 checkout slow")
    ch = inc.channel_id
    assert ch
    bot.command("followup Add an alert on queue depth <@U0BOB|bob> due 2099-01-31", channel=ch)
    _ephemeral(bot, "Follow-up recorded", ch)
    bot.settle()
    bot.command("follow-up Write the runbook for the cache", channel=ch)
    _ephemeral(bot, "Write the runbook", ch)
    items = _followups(bot, inc.id)
    assert [(f.number, f.text, f.owner_id, str(f.due_on)) for f in items] == [
        (1, "Add an alert on queue depth", "U0BOB", "2099-01-31"),
        (2, "Write the runbook for the cache", None, "None"),
    ]

    bot.command("followups", channel=ch)
    listing = _ephemeral(bot, "2 open follow-ups", ch)
    first = find_block(listing, f"{ids.FOLLOWUP_BLOCK}{inc.id}:1")
    assert "Add an alert on queue depth" in block_text(first) and "<@U0BOB>" in block_text(first)
    assert first["accessory"]["action_id"] == ids.FOLLOWUP_DONE

    # Done from the list closes #1; the command closes #2; a second close changes nothing.
    bot.driver.click_button("U0ALICE", ch, listing.ts, ids.FOLLOWUP_DONE, block_id=first["block_id"])
    _ephemeral(bot, "Follow-up #1 of")
    bot.command("followup done 2", channel=ch, user="U0CAROL")
    _ephemeral(bot, "Follow-up #2 closed", ch, user="U0CAROL")
    bot.command("followup done 2", channel=ch, user="U0BOB")
    _ephemeral(bot, "already closed by <@U0CAROL>", ch, user="U0BOB")
    items = _followups(bot, inc.id)
    assert [(f.done_by, f.done_at is not None) for f in items] == [("U0ALICE", True), ("U0CAROL", True)]
    assert _kinds(bot, inc.id).count("followup_added") == 2
    assert _kinds(bot, inc.id).count("followup_done") == 2
    bot.command("followups", channel=ch)
    _ephemeral(bot, "has no open follow-ups", ch)


def test_bad_input_is_explained_and_stores_nothing(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 search degraded")
    ch = inc.channel_id
    cases = {
        "followup Fix it due 2026-02-30": "is not a day of the calendar",
        "followup Fix it due 31/01/2099": "is not a date",
        "followup Fix it due tomorrow": "Write the due date as YYYY-MM-DD",
        "followup Fix it due 2001-01-01": "is in the past",
        "followup": "Please add the follow-up text",
        "followup done 7": "has no follow-up #7",
        "followup done seven": "is not a follow-up number",
        "followups all": "is not understood",
    }
    for text, expected in cases.items():
        response = bot.command(text, channel=ch)
        answered = expected in response.text or any(
            expected in e.text for e in bot.workspace.ephemerals("U0ALICE", ch)
        )
        if not answered:
            _ephemeral(bot, expected, ch)
    assert _followups(bot, inc.id) == []
    # Outside an incident channel an incident verb says where it works.
    bot.command("followup Fix it")
    _ephemeral(bot, "only works inside an incident channel")


def test_my_followups_across_incidents_hide_private_channels_i_am_not_in(private_bot: BotHarness) -> None:
    bot = private_bot
    one = bot.declare("SEV2 checkout slow")
    two = bot.declare("SEV3 search degraded")
    private = bot.declare("SEV1 credentials leaked")
    assert private.private
    bot.command("followup Rotate the leaked keys <@U0BOB|bob>", channel=private.channel_id)
    bot.command("followup Tune the pool <@U0BOB|bob>", channel=one.channel_id)
    bot.command("followup Reindex <@U0BOB|bob> due 2099-03-01", channel=two.channel_id)
    bot.settle()  # numbered in the order they are recorded
    bot.command("followup Somebody else's <@U0CAROL|carol>", channel=two.channel_id)
    bot.settle()
    wait_until(lambda: len(bot.container.services.followups.mine("U0BOB").items) == 2, what="follow-ups")

    bot.command("followups mine", user="U0BOB")  # anywhere: from #general
    listing = _ephemeral(bot, "2 open follow-ups", user="U0BOB")
    assert has_action(listing, ids.FOLLOWUP_DONE)
    assert one.ref in block_text(find_block(listing, f"{ids.FOLLOWUP_BLOCK}{one.id}:1"))
    assert "Reindex" in block_text(find_block(listing, f"{ids.FOLLOWUP_BLOCK}{two.id}:1"))
    assert "Rotate" not in str(listing.blocks)
    assert "1 more in private incidents" in str(listing.blocks)

    # Bob joins the private channel: now he sees that one too, and may close it with its button.
    bot.workspace.join(str(private.channel_id), "U0BOB")
    bot.command("followups mine", user="U0BOB")
    listing = _ephemeral(bot, "3 open follow-ups", user="U0BOB")
    block = find_block(listing, f"{ids.FOLLOWUP_BLOCK}{private.id}:1")
    assert "Rotate the leaked keys" in block_text(block)
    general = bot.workspace.channel_by_name("general").id
    bot.driver.click_button("U0BOB", general, listing.ts, ids.FOLLOWUP_DONE, block_id=block["block_id"])
    wait_until(lambda: _followups(bot, private.id)[0].done_by == "U0BOB", what="closed")


def test_a_forged_done_button_on_a_private_incident_changes_nothing(private_bot: BotHarness) -> None:
    bot = private_bot
    private = bot.declare("SEV1 credentials leaked")
    bot.command("followup Rotate the leaked keys", channel=private.channel_id)
    wait_until(lambda: len(_followups(bot, private.id)) == 1, what="follow-up")
    one = bot.declare("SEV2 checkout slow")
    bot.command("followup Tune the pool", channel=one.channel_id, user="U0DAVE")
    bot.settle()
    bot.command("followups", channel=one.channel_id, user="U0DAVE")
    listing = _ephemeral(bot, "1 open follow-ups", one.channel_id, user="U0DAVE")
    bot.driver.click_button(
        "U0DAVE", str(one.channel_id), listing.ts, ids.FOLLOWUP_DONE, value=f"{private.id}:1"
    )
    _ephemeral(bot, "Only members of this private incident's channel", user="U0DAVE")
    assert _followups(bot, private.id)[0].done_at is None


def test_the_overdue_dm_reaches_the_owner_with_a_done_button(sqlite_url: str) -> None:
    shift = [timedelta(0)]
    # The scheduler's job bodies are fired by hand below, on a clock moved past the due day.
    bot = start_bot(sqlite_url, clock=lambda: datetime.now(UTC) + shift[0], run_scheduler=False)
    try:
        inc = bot.declare("SEV3 search degraded")
        today = datetime.now(UTC).date()
        bot.command(f"followup Reindex the catalogue <@U0BOB|bob> due {today}", channel=inc.channel_id)
        bot.settle()
        assert not bot.container.scheduler.kinds.fire(OVERDUE_EFFECT, inc.id)  # not overdue yet
        end_of_day = datetime.combine(today + timedelta(days=1), time(0), tzinfo=UTC)
        shift[0] = end_of_day - datetime.now(UTC) + timedelta(seconds=1)
        assert bot.container.scheduler.kinds.fire(OVERDUE_EFFECT, inc.id)
        assert not bot.container.scheduler.kinds.fire(OVERDUE_EFFECT, inc.id)  # once
        bot.container.dispatcher.kick()
        dm = wait_until(lambda: next(iter(bot.workspace.dm_messages("U0BOB")), None), what="overdue DM")
        bot.settle()
        assert len(bot.workspace.dm_messages("U0BOB")) == 1
        block = find_block(dm, f"{ids.FOLLOWUP_BLOCK}{inc.id}:1")
        assert "Reindex the catalogue" in block_text(block) and "(overdue)" in block_text(block)
        dm_channel = bot.workspace.open_dm("U0BOB").id
        bot.driver.click_button("U0BOB", dm_channel, dm.ts, ids.FOLLOWUP_DONE, block_id=block["block_id"])
        wait_until(lambda: _followups(bot, inc.id)[0].done_by == "U0BOB", what="closed from the DM")
    finally:
        bot.stop()


def test_summary_and_postmortem_draft_show_the_follow_ups(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 checkout slow")
    ch = str(inc.channel_id)
    bot.command("followup Raise the pool size", channel=ch)
    bot.settle()
    bot.command("followup Add an alert on queue depth <@U0BOB|bob> due 2099-01-31", channel=ch)
    bot.settle()
    bot.command("followup done 1", channel=ch)
    bot.settle()

    bot.command("summary", channel=ch)
    bot.settle()
    summary = next(m for m in reversed(bot.workspace.messages(ch)) if m.text.startswith("Summary of"))
    listed = block_text(find_block(summary, SUMMARY_FOLLOWUPS_BLOCK))
    assert "Open follow-ups* (1)" in listed
    assert "*#2* · Add an alert on queue depth · owner <@U0BOB> · due 2099-01-31" in listed
    assert "Raise the pool size" not in listed  # closed

    bot.command("resolve Pool raised root cause: a slow query held connections", channel=ch)
    bot.settle()
    bot.command("draft postmortem", channel=ch)
    draft = _ephemeral(bot, "Draft: Post-mortem", ch)
    text = "\n".join(b["text"]["text"] for b in draft.blocks if b["type"] == "section")
    assert "- [x] #1 Raise the pool size (done " in text
    assert "- [ ] #2 Add an alert on queue depth (owner: Bob Baker, due 2099-01-31)" in text


def test_acknowledged_follow_up_commands_are_redone_once(database_url: str) -> None:
    clock = Clock()
    bot = start_bot(database_url, clock=clock)
    try:
        inc = bot.declare("SEV2 checkout slow")
        ch = str(inc.channel_id)
        body, key = _command(bot, "U0ALICE", ch, "followup Add an alert <@U0BOB|bob>")
        _twice(bot, clock, "command", body, key)
        body, key = _command(bot, "U0ALICE", ch, "followup done 1")
        _twice(bot, clock, "command", body, key)
        [item] = _followups(bot, inc.id)
        assert (item.number, item.owner_id, item.done_by) == (1, "U0BOB", "U0ALICE")
        assert _kinds(bot, inc.id).count("followup_added") == _kinds(bot, inc.id).count("followup_done") == 1
    finally:
        bot.stop()
