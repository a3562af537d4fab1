"""Clean-up through the real Bolt endpoint on a controlled clock: a final summary, then the channel archived
``archive_after`` resolution, once; a reopen before cancels it, a reopen after unarchives (or says why not)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.scheduling.archiving import ARCHIVE_EFFECT
from bot.scheduling.job_kinds import JobKinds
from bot.storage import repositories as repo
from bot.storage.models import OutboxMessage
from tests.harness import BotHarness, block_texts, start_bot, wait_until

WEEK = timedelta(days=7)


class Shifted:
    """Now, as the bot sees it: the wall clock moved on by ``shift`` (Slack's signatures keep real time)."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


@pytest.fixture
def clocked_bot(database_url: str) -> Iterator[tuple[BotHarness, Shifted]]:
    clock = Shifted()
    # The scheduler's job bodies are fired by hand below, as the runner would at the due time.
    bot = start_bot(database_url, clock=clock, run_scheduler=False)
    try:
        yield bot, clock
    finally:
        bot.stop()


def _archive_due(bot: BotHarness) -> dict[int, datetime]:
    return {d.incident_id: d.due_at for d in bot.container.scheduler.kinds.due_times() if d.kind == ARCHIVE_EFFECT}


def _fire(bot: BotHarness, incident_id: int) -> bool:
    fired = bot.container.scheduler.kinds.fire(ARCHIVE_EFFECT, incident_id)
    bot.container.dispatcher.kick()
    bot.settle()
    return fired


def _kinds(bot: BotHarness, incident_id: int) -> list[tuple[str, str | None, str]]:
    with bot.container.uow() as session:
        return [(e.kind, e.actor_id, e.text) for e in repo.timeline(session, incident_id)]


def _archived(bot: BotHarness, channel: str | None) -> bool:
    found = bot.workspace.channel(str(channel))
    return bool(found and found.is_archived)


def _resolved(bot: BotHarness, text: str = "SEV2 checkout slow") -> Any:
    inc = bot.declare(text)
    bot.command("resolve Rolled back root cause: a bad flag", channel=inc.channel_id)
    bot.settle()
    return bot.container.services.incidents.get(inc.id)


def test_the_channel_is_archived_after_the_window_with_a_final_summary(clocked_bot: tuple[BotHarness, Shifted]) -> None:
    bot, clock = clocked_bot
    inc = _resolved(bot)
    assert inc.resolved_at is not None
    assert _archive_due(bot) == {inc.id: inc.resolved_at + WEEK}
    clock.shift = WEEK - timedelta(minutes=1)
    assert not _fire(bot, inc.id)  # not yet
    assert not _archived(bot, inc.channel_id)

    clock.shift = WEEK + timedelta(seconds=1)
    assert _fire(bot, inc.id)
    assert not _fire(bot, inc.id)  # once
    another = JobKinds(bot.container.uow, lambda: bot.container.playbooks.oncall, clock)
    assert not another.fire(ARCHIVE_EFFECT, inc.id)  # another replica, or this one restarted
    assert _archive_due(bot) == {}
    assert _archived(bot, inc.channel_id)

    final = bot.workspace.messages(str(inc.channel_id))[-1]
    assert final.text.startswith(f"Final Summary of {inc.ref}")
    words = "\n".join(block_texts(final))
    assert "Rolled back" in words and "a bad flag" in words
    assert f"archived now, 7d after resolution. To reopen the incident, use `/incident reopen {inc.ref}" in words
    assert len(bot.workspace.calls_to("conversations.archive")) == 1
    assert ("archived", None, "Channel archived 7d after resolution") in _kinds(bot, inc.id)
    assert bot.container.services.incidents.get(inc.id).channel_archived_at is not None


def test_reopening_before_the_window_cancels_the_archiving(clocked_bot: tuple[BotHarness, Shifted]) -> None:
    bot, clock = clocked_bot
    inc = _resolved(bot)
    clock.shift = timedelta(days=2)
    bot.command("reopen errors are back", channel=inc.channel_id)
    bot.settle()
    assert _archive_due(bot) == {}
    clock.shift = WEEK + timedelta(days=1)
    assert not _fire(bot, inc.id)
    assert not _archived(bot, inc.channel_id)
    # Resolved again: a new window from the new resolution.
    bot.command("resolve Fixed for good", channel=inc.channel_id)
    bot.settle()
    again = bot.container.services.incidents.get(inc.id)
    assert again.resolved_at is not None and _archive_due(bot) == {inc.id: again.resolved_at + WEEK}


def test_reopening_an_archived_incident_unarchives_its_channel(clocked_bot: tuple[BotHarness, Shifted]) -> None:
    bot, clock = clocked_bot
    inc = _resolved(bot)
    clock.shift = WEEK + timedelta(seconds=1)
    assert _fire(bot, inc.id) and _archived(bot, inc.channel_id)

    # The archived channel takes no commands: the reopen comes from elsewhere, by reference.
    general = bot.workspace.channel_by_name("general").id
    bot.command(f"reopen {inc.ref} errors are back", channel=general)
    told = wait_until(
        lambda: next((e for e in bot.workspace.ephemerals("U0ALICE", general) if "is reopened" in e.text), None),
        what="the reopener's answer",
    )
    assert "it is being unarchived" in told.text
    bot.settle()
    assert not _archived(bot, inc.channel_id)
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.status.is_open and fresh.channel_archived_at is None
    assert any("errors are back" in "\n".join(block_texts(m)) for m in bot.workspace.messages(str(inc.channel_id)))
    assert [k for k, *_ in _kinds(bot, inc.id)][-3:] == ["archived", "reopened", "unarchived"]
    # Resolved once more, it is archived again after another window.
    bot.command("resolve Fixed for good", channel=inc.channel_id)
    bot.settle()
    assert list(_archive_due(bot)) == [inc.id]


def test_a_refused_unarchive_still_reopens_and_tells_the_reopener_why(clocked_bot: tuple[BotHarness, Shifted]) -> None:
    bot, clock = clocked_bot
    inc = _resolved(bot)
    clock.shift = WEEK + timedelta(seconds=1)
    assert _fire(bot, inc.id)
    bot.workspace.fail_next("conversations.unarchive", error="restricted_action", http_status=200)
    general = bot.workspace.channel_by_name("general").id
    bot.command(f"reopen {inc.ref} errors are back", channel=general)
    dm = wait_until(lambda: next(iter(bot.workspace.dm_messages("U0ALICE")), None), what="the DM to the reopener")
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).status.is_open
    assert _archived(bot, inc.channel_id)
    words = "\n".join(block_texts(dm))
    assert f"*{inc.ref}* is reopened, but Slack refused to unarchive its channel" in words
    assert "`restricted_action`" in words and "Ask a workspace admin to unarchive it" in words
    assert ("unarchive_refused", "U0ALICE", "Slack refused to unarchive the channel (restricted_action)") in _kinds(
        bot, inc.id
    )
    # Nothing was given up: the reopen's other steps (the broadcast) went through.
    with bot.container.uow() as session:
        assert session.query(OutboxMessage).filter_by(state="dead").count() == 0
    broadcast = bot.container.services.incidents.get(inc.id)
    message = bot.workspace.message(str(broadcast.broadcast_channel_id), str(broadcast.broadcast_ts))
    assert message is not None and "Reopened: errors are back" in "\n".join(block_texts(message))
