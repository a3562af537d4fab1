"""Timeline capture from pins and reactions, and `/incident timeline` paged within Block Kit's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.services.access import NotPermitted
from bot.slack import ids
from bot.slack.blocks import timeline as tl
from bot.storage import repositories as repo
from tests.harness import BotHarness, block_texts, find_button, private_sev1_playbooks, start_bot, wait_until


def _captured(bot: BotHarness, incident_id: int) -> list[Any]:
    with bot.container.uow() as session:
        return [
            (e.actor_id, e.text, e.occurred_at, e.channel_ts, e.permalink, dict(e.data))
            for e in repo.timeline(session, incident_id)
            if e.kind == "captured"
        ]


def _ephemeral(bot: BotHarness, text: str, user: str = "U0ALICE", channel: str | None = None) -> Any:
    return wait_until(
        lambda: next((e for e in reversed(bot.workspace.ephemerals(user, channel)) if text in e.text), None),
        what=repr(text),
    )


def test_pins_and_reactions_capture_a_message_once(bot: BotHarness) -> None:
    ws = bot.workspace
    inc = bot.declare("SEV2 checkout slow")
    ch = str(inc.channel_id)
    first, _ = bot.driver.user_message("U0BOB", ch, "  p99 jumped to 4s right after deploy 4711  ")
    second, _ = bot.driver.user_message("U0CAROL", ch, "rolled back 4711")

    assert bot.driver.add_reaction("U0ALICE", ch, first.ts, "pushpin").status_code == 200
    bot.settle()
    [entry] = _captured(bot, inc.id)
    author, text, at, ts, link, data = entry
    assert (author, text, ts) == ("U0BOB", "p99 jumped to 4s right after deploy 4711", first.ts)
    assert at == datetime.fromtimestamp(float(first.ts), UTC)  # the message's time, not the reaction's
    assert link and first.ts.replace(".", "") in link
    assert data == {"by": "U0ALICE", "via": "pushpin"}

    # The other emoji, a second person's reaction, a pin of the same message: nothing more.
    bot.driver.add_reaction("U0DAVE", ch, first.ts, "stopwatch")
    bot.driver.add_reaction("U0CAROL", ch, first.ts, "pushpin")
    bot.driver.pin_message("U0CAROL", ch, first.ts)
    # A Slack retry of a new capture (same event_id) is dropped before any handler.
    event = {"type": "reaction_added", "user": "U0ALICE", "reaction": "stopwatch",
             "item": {"type": "message", "channel": ch, "ts": second.ts}, "item_user": "U0CAROL"}
    bot.driver.send_event(event, event_id="EvRETRY1")
    bot.driver.send_event(event, event_id="EvRETRY1", retry_num=1)
    bot.settle()
    assert [(e[0], e[1]) for e in _captured(bot, inc.id)] == [
        ("U0BOB", "p99 jumped to 4s right after deploy 4711"),
        ("U0CAROL", "rolled back 4711"),
    ]
    assert len([c for c in ws.calls_to("chat.getPermalink") if c.args.get("message_ts") == second.ts]) == 1

    # A pin carries the message: its text is taken from the event, nothing fetched.
    third, _ = bot.driver.user_message("U0CAROL", ch, "error rate back under 1%")
    history_calls = len(ws.calls_to("conversations.history"))
    bot.driver.pin_message("U0BOB", ch, third.ts)
    bot.settle()
    assert _captured(bot, inc.id)[-1][:2] == ("U0CAROL", "error rate back under 1%")
    assert _captured(bot, inc.id)[-1][5] == {"by": "U0BOB", "via": "pin"}
    assert len(ws.calls_to("conversations.history")) == history_calls


def test_a_reply_in_a_thread_is_found_and_other_reactions_are_ignored(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 search degraded")
    ch = str(inc.channel_id)
    parent, _ = bot.driver.user_message("U0BOB", ch, "looking at the index")
    reply, _ = bot.driver.user_message("U0CAROL", ch, "the shard is read-only", thread_ts=parent.ts)
    bot.driver.add_reaction("U0ALICE", ch, parent.ts, "eyes")
    bot.driver.add_reaction("U0ALICE", ch, reply.ts, "stopwatch")
    bot.settle()
    assert [(e[0], e[1], e[3]) for e in _captured(bot, inc.id)] == [("U0CAROL", "the shard is read-only", reply.ts)]


def test_messages_outside_incident_channels_and_the_bots_own_pins_are_ignored(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 search degraded")
    general = bot.workspace.channel_by_name("general").id
    message, _ = bot.driver.user_message("U0BOB", general, "unrelated chatter")
    bot.driver.add_reaction("U0ALICE", general, message.ts, "pushpin")
    bot.driver.pin_message("U0ALICE", general, message.ts)
    # The bot pinned the card itself: Slack tells it so, and that is not a timeline event.
    card = str(bot.container.services.incidents.get(inc.id).card_ts)
    bot.driver.send_event({"type": "pin_added", "user": bot.workspace.bot_user_id, "channel_id": inc.channel_id,
                           "item": {"type": "message", "channel": inc.channel_id,
                                    "message": bot.workspace.message(str(inc.channel_id), card).to_dict()}})
    bot.settle()
    with bot.container.uow() as session:
        assert [e for e in session.query(repo.TimelineEntry).all() if e.kind == "captured"] == []


def test_the_timeline_is_paged_within_block_kit_limits(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 checkout slow")
    ch = str(inc.channel_id)
    long_note = "x" * 2500
    with bot.container.uow() as session:  # 62 notes written straight to the timeline (posting each takes a second)
        row = repo.get_incident(session, inc.id)
        assert row is not None
        for n in range(62):
            text = f"note {n:02d} " + (long_note if n % 7 == 0 else "")
            repo.add_entry(session, row, "note", "U0ALICE", text, at=row.declared_at + timedelta(seconds=n + 1))
    message, _ = bot.driver.user_message("U0BOB", ch, "captured line")
    bot.driver.pin_message("U0ALICE", ch, message.ts)
    bot.settle()
    with bot.container.uow() as session:
        total = len(repo.timeline(session, inc.id))
    assert total >= 64

    bot.command("timeline", channel=ch)
    newest = _ephemeral(bot, f"Timeline of {inc.ref}", channel=ch)
    pages = len(tl.paginate(bot.container.services.timeline.of_channel(ch, "U0ALICE").entries))
    assert pages >= 4
    assert f"page {pages} of {pages}" in newest.text
    find_button(newest, ids.TIMELINE_OLDER)
    assert ids.TIMELINE_NEWER not in json.dumps(newest.blocks)

    ts = newest.ts
    seen: list[tuple[str, list[Any]]] = [(newest.text, list(newest.blocks))]
    while "page 1 of" not in seen[-1][0]:  # back to the first page through the Older buttons, in place
        value, before = find_button(seen[-1][1], ids.TIMELINE_OLDER)["value"], seen[-1][0]
        bot.driver.click_button("U0ALICE", ch, ts, ids.TIMELINE_OLDER, value=value)
        seen.append(wait_until(lambda b=before: _replaced(bot, ch, ts, b), what="the older page"))
    assert len(seen) == pages
    first_text, first = seen[-1]
    assert f"page 1 of {pages}" in first_text and "entries 1–" in first_text
    assert "note 00" in "\n".join(block_texts(first)) and "Declared" in "\n".join(block_texts(first))
    newer = find_button(first, ids.TIMELINE_NEWER)
    assert ids.TIMELINE_OLDER not in json.dumps(first)
    bot.driver.click_button("U0ALICE", ch, ts, ids.TIMELINE_NEWER, value=newer["value"])
    assert f"page 2 of {pages}" in wait_until(lambda: _replaced(bot, ch, ts, first_text), what="newer")[0]
    assert not ws.warnings, ws.warnings  # every page passed the emulator's Block Kit checks
    lines = [line for _, blocks in seen for text in block_texts(blocks)[1:] for line in text.splitlines()]
    assert len(lines) == total  # every entry on exactly one page
    [captured] = [line for line in lines if "captured line" in line]
    assert "<@U0BOB> · :pushpin: captured line <https://" in captured and captured.endswith("|(message)>")
    for _, blocks in seen:
        assert len(blocks) <= 50
        assert all(len(t) <= 3000 for t in block_texts(blocks))
        assert len(json.dumps(blocks)) < 13000


def _replaced(bot: BotHarness, channel: str, ts: str, before: str) -> tuple[str, list[Any]] | None:
    """The ephemeral message ``ts`` once a click replaced it (its text changed), copied."""
    now = next((e for e in bot.workspace.ephemerals("U0ALICE", channel) if e.ts == ts), None)
    if now is None or now.text == before:
        return None
    return now.text, list(now.blocks)


def test_timeline_elsewhere_by_reference_and_private_ones_only_for_members(tmp_path: Path, sqlite_url: str) -> None:
    bot = start_bot(sqlite_url, playbooks_dir=private_sev1_playbooks(tmp_path))
    try:
        public = bot.declare("SEV2 checkout slow")
        private = bot.declare("SEV1 card data exposed")
        general = bot.workspace.channel_by_name("general").id
        bot.command(f"timeline {public.ref.lower()}", user="U0DAVE", channel=general)
        _ephemeral(bot, f"Timeline of {public.ref}", user="U0DAVE")
        bot.command(f"timeline {private.ref}", user="U0DAVE", channel=general)
        refusal = _ephemeral(bot, "That incident is private", user="U0DAVE")
        assert private.title not in refusal.text
        bot.command(f"timeline {private.ref}", user="U0ALICE", channel=general)
        _ephemeral(bot, f"Timeline of {private.ref}", user="U0ALICE")
        bot.command("timeline", user="U0ALICE", channel=general)
        _ephemeral(bot, "elsewhere name it", user="U0ALICE")
        bot.command("timeline INC-2099-9999", user="U0ALICE", channel=general)
        _ephemeral(bot, "There is no incident `INC-2099-9999`", user="U0ALICE")
        assert "is not an incident reference" in bot.command("timeline tomorrow", channel=general).text
        # The page buttons ask the same use case: someone outside the private incident gets no page of it.
        with pytest.raises(NotPermitted):
            bot.container.services.timeline.of_incident(private.id, "U0DAVE")
    finally:
        bot.stop()
