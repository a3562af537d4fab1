"""Post-mortems through the Bolt app: the draft uploaded on resolve, revisions, reminders, done and skip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.events import PostmortemDraft
from bot.domain.postmortems import REMINDER_EFFECT
from bot.storage import outbox
from bot.storage import postmortems as store
from bot.storage import repositories as repo
from tests.harness import BotHarness, start_bot, wait_until
from tests.slack.test_write_before_ack import Clock


@pytest.fixture
def clocked_bot(sqlite_url: str) -> Iterator[tuple[BotHarness, Clock]]:
    """The scheduler's job bodies are fired by hand, on a clock the test moves."""
    clock = Clock()
    bot = start_bot(sqlite_url, clock=clock, run_scheduler=False)
    try:
        yield bot, clock
    finally:
        bot.stop()


def _ephemeral(bot: BotHarness, text: str, channel: str | None = None, user: str = "U0ALICE") -> Any:
    return wait_until(
        lambda: next((e for e in reversed(bot.workspace.ephemerals(user, channel)) if text in e.text), None),
        what=repr(text),
    )


def _files(bot: BotHarness, channel: str) -> list[tuple[Any, Any]]:
    """``(message, file)`` of every file shared in the channel, oldest first."""
    return [(m, bot.workspace.files[f]) for m in bot.messages(channel) for f in m.files]


def _reminders(bot: BotHarness, user: str = "U0BOB") -> list[Any]:
    return [m for m in bot.workspace.dm_messages(user) if "post-mortem" in m.text]


def _row(bot: BotHarness, incident_id: int) -> store.Postmortem | None:
    with bot.container.uow() as session:
        row = store.of_incident(session, incident_id)
        if row is not None:
            session.expunge(row)
        return row


def _resolved_incident(bot: BotHarness, clock: Clock) -> tuple[int, str]:
    """A SEV2 (post-mortem within 48h) with an IC, an acknowledgement, monitoring, a follow-up, resolved."""
    inc = bot.declare("SEV2 checkout slow")
    ch = str(inc.channel_id)
    for text, minutes in (
        ("role ic <@U0BOB|bob>", 1),
        ("ack", 2),
        ("update monitoring Pool raised, watching", 10),
        ("followup Add an alert on queue depth <@U0BOB|bob> due 2099-01-31", 1),
        ("resolve Pool raised root cause: a slow query held connections", 20),
    ):
        clock.advance(minutes=minutes)
        bot.command(text, channel=ch, user="U0BOB" if text == "ack" else "U0ALICE")
        bot.settle()
    return inc.id, ch


def test_the_draft_is_uploaded_on_resolve_with_what_happened(clocked_bot: tuple[BotHarness, Clock]) -> None:
    bot, clock = clocked_bot
    incident_id, ch = _resolved_incident(bot, clock)
    inc = bot.container.services.incidents.get(incident_id)
    ((message, record),) = wait_until(lambda: _files(bot, ch), what="the post-mortem file")
    assert record.name == f"{inc.ref}-postmortem.md" and record.title == f"Post-mortem draft: {inc.ref}"
    text = record.content.decode()
    assert text.startswith(f"# Incident post-mortem: {inc.ref} checkout slow")
    assert "**Incident Commander**: Bob Baker" in text
    assert "- Time to acknowledge: 3m" in text
    assert "- Time to mitigate (first reached monitoring): 13m" in text
    assert "- Time to resolve: 34m" in text
    assert "## Root cause\na slow query held connections" in text
    assert "## Resolution\nPool raised" in text
    assert "- [ ] #1 Add an alert on queue depth (owner: Bob Baker, due 2099-01-31)" in text
    assert ": Pool raised, watching (Alice Archer)" in text  # the timeline, people by name
    assert "<@U0" not in text
    assert "Post-mortem draft of" in message.text and "Due " in message.text
    row = _row(bot, incident_id)
    assert row is not None and row.markdown == text and row.file_id == record.id and row.revision == 1
    assert inc.resolved_at is not None and row.due_at == inc.resolved_at + timedelta(hours=48)


def test_reopen_and_resolve_again_uploads_a_new_revision_once(clocked_bot: tuple[BotHarness, Clock]) -> None:
    bot, clock = clocked_bot
    incident_id, ch = _resolved_incident(bot, clock)
    wait_until(lambda: _files(bot, ch), what="the first draft")
    bot.command("reopen Errors are back", channel=ch)
    bot.settle()
    assert _row(bot, incident_id).next_reminder_at is None  # type: ignore[union-attr]
    # The second upload fails once on Slack's side: it is retried, and shared once.
    bot.workspace.fail_next("files.completeUploadExternal", "internal_error", http_status=500)
    clock.advance(minutes=30)
    bot.command("resolve Cache flushed root cause: a stale cache after the pool change", channel=ch)
    wait_until(lambda: len(_files(bot, ch)) == 2, timeout=15, what="the second revision")
    bot.settle()
    (_, first), (message, second) = _files(bot, ch)
    assert "Revised post-mortem draft" in message.text and "revision 2" in message.text
    assert second.title.endswith("(revision 2)") and "a stale cache after the pool change" in second.content.decode()
    row = _row(bot, incident_id)
    assert row is not None and row.revision == 2 and row.file_id == second.id and row.file_id != first.id
    # The same draft event delivered again (a retry after a crash) uploads nothing more.
    with bot.container.uow() as session:
        outbox.enqueue(session, incident_id, PostmortemDraft(revision=2))
        outbox.enqueue(session, incident_id, PostmortemDraft(revision=1))
    bot.container.dispatcher.kick()
    bot.settle()
    assert len(_files(bot, ch)) == 2


def test_the_owner_is_reminded_at_the_due_time_then_daily_until_done(
    clocked_bot: tuple[BotHarness, Clock],
) -> None:
    bot, clock = clocked_bot
    incident_id, ch = _resolved_incident(bot, clock)
    kinds = bot.container.scheduler.kinds
    row = _row(bot, incident_id)
    assert row is not None and row.due_at is not None
    due_times = {d.job_id: d.due_at for d in kinds.due_times() if d.kind == REMINDER_EFFECT}
    assert due_times == {f"{REMINDER_EFFECT}:{incident_id}": row.due_at}
    assert not kinds.fire(REMINDER_EFFECT, incident_id)  # not due yet

    clock.advance(seconds=(row.due_at - clock()).total_seconds() + 1)
    assert kinds.fire(REMINDER_EFFECT, incident_id)
    assert not kinds.fire(REMINDER_EFFECT, incident_id)  # once, even fired again (another replica)
    bot.container.dispatcher.kick()
    dm = wait_until(lambda: _reminders(bot), what="the reminder DM")[-1]
    bot.settle()
    assert "post-mortem of" in dm.text and "was due" in dm.text
    words = "\n".join(b["text"]["text"] for b in dm.blocks if b["type"] == "section")
    assert f"/incident postmortem done <link>` in <#{ch}>" in words
    in_channel = [m for m in bot.messages(ch) if "post-mortem of" in m.text and "was due" in m.text]
    assert len(in_channel) == 1 and "<@U0BOB>, the post-mortem" in in_channel[0].blocks[0]["text"]["text"]

    clock.advance(hours=12)
    assert not kinds.fire(REMINDER_EFFECT, incident_id)  # daily, not sooner
    clock.advance(hours=12)
    assert kinds.fire(REMINDER_EFFECT, incident_id)
    bot.container.dispatcher.kick()
    wait_until(lambda: len(_reminders(bot)) == 2, what="the second reminder")
    bot.settle()
    assert "reminder 2" in _reminders(bot)[-1].text

    bot.command("postmortem done https://wiki.example.com/pm/checkout", channel=ch, user="U0BOB")
    _ephemeral(bot, "recorded as done", ch, user="U0BOB")
    bot.settle()
    clock.advance(days=3)
    assert not kinds.fire(REMINDER_EFFECT, incident_id)
    assert [d for d in kinds.due_times() if d.kind == REMINDER_EFFECT] == []
    assert len(_reminders(bot)) == 2
    row = _row(bot, incident_id)
    assert row is not None and row.link == "https://wiki.example.com/pm/checkout" and row.done_by == "U0BOB"
    assert any("recorded the post-mortem" in m.text for m in bot.messages(ch))

    bot.command("postmortem", channel=ch, user="U0CAROL")
    _ephemeral(bot, "is done: https://wiki.example.com/pm/checkout", ch, user="U0CAROL")
    bot.command("summary", channel=ch)
    bot.settle()
    summary = next(m for m in reversed(bot.messages(ch)) if m.text.startswith("Summary of"))
    shown = "\n".join(b.get("text", {}).get("text", "") for b in summary.blocks if b["type"] == "section")
    assert "Post-mortem done: https://wiki.example.com/pm/checkout" in shown
    assert "Post-mortem due by" not in shown


def test_done_and_skip_grammar_errors_and_permissions(clocked_bot: tuple[BotHarness, Clock]) -> None:
    bot, clock = clocked_bot
    open_inc = bot.declare("SEV2 search slow")
    response = bot.command("postmortem done https://wiki.example.com/x", channel=open_inc.channel_id)
    assert "is not resolved yet" in response.text or _ephemeral(bot, "is not resolved yet", open_inc.channel_id)

    incident_id, ch = _resolved_incident(bot, clock)
    for text, answer in (
        ("postmortem done", "Where is the post-mortem?"),
        ("postmortem done wiki/pm", "is not a link to the post-mortem"),
        ("postmortem done ftp://wiki.example.com/pm", "is not a link to the post-mortem"),
        ("postmortem done https://a.example.com/1 https://b.example.com/2", "Give just the link"),
        ("postmortem skip", "Why is there no post-mortem?"),
        ("postmortem later", "is not understood"),
    ):
        response = bot.command(text, channel=ch)
        said = response.text if answer in response.text else _ephemeral(bot, answer, ch).text
        assert "Nothing was recorded" in said or answer == "is not understood"
    # Carol holds no role and did not declare it: refused, naming who may.
    bot.command("postmortem skip Nothing to learn", channel=ch, user="U0CAROL")
    refusal = _ephemeral(bot, "Only", ch, user="U0CAROL")
    assert "the incident commander <@U0BOB>" in refusal.text and "the reporter <@U0ALICE>" in refusal.text
    bot.settle()
    row = _row(bot, incident_id)
    assert row is not None and row.done_at is None and row.skipped_at is None and row.link is None

    # The reporter skips it, with a reason; the summary and the timeline say so; no reminders.
    bot.command("postmortem skip Same cause as INC-2026-0001, covered there", channel=ch)
    _ephemeral(bot, "skipped", ch)
    bot.settle()
    row = _row(bot, incident_id)
    assert row is not None and row.skipped_by == "U0ALICE" and row.next_reminder_at is None
    assert row.skipped_reason == "Same cause as INC-2026-0001, covered there"
    with bot.container.uow() as session:
        assert "postmortem_skipped" in [e.kind for e in repo.timeline(session, incident_id)]
    clock.advance(days=5)
    assert not bot.container.scheduler.kinds.fire(REMINDER_EFFECT, incident_id)
    bot.command("postmortem", channel=ch)
    _ephemeral(bot, "was skipped by <@U0ALICE>", ch)


def test_a_severity_without_postmortem_within_gets_no_draft_and_no_reminders(
    clocked_bot: tuple[BotHarness, Clock],
) -> None:
    bot, _ = clocked_bot
    inc = bot.declare("SEV4 typo on the status page")
    ch = str(inc.channel_id)
    bot.command("resolve Typo fixed", channel=ch)
    bot.settle()
    assert _files(bot, ch) == [] and _row(bot, inc.id) is None
    assert [d for d in bot.container.scheduler.kinds.due_times() if d.kind == REMINDER_EFFECT] == []
    bot.command("postmortem", channel=ch)
    _ephemeral(bot, "expects no post-mortem", ch)
