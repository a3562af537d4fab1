"""`/incident draft`: the playbook's communication templates filled in from the incident, only to the asker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.grammar import CommandError, Draft, parse_command
from bot.domain.roles import Role
from bot.domain.severity import Severity, SeverityPolicy
from bot.domain.status import Status
from bot.services.drafts import draft_values
from bot.services.read_models import EntryView, IncidentView, RoleHolder
from bot.slack.blocks.drafts import MAX_SECTIONS, draft_message
from tests.harness import BotHarness, carries, shows, wait_until


def _ephemeral(bot: BotHarness, text: str, channel: str | None = None, user: str = "U0ALICE") -> Any:
    """The newest message only ``user`` sees (in ``channel``, if given) containing ``text``; waits for it."""
    return wait_until(
        lambda: next((e for e in reversed(bot.workspace.ephemerals(user, channel)) if text in e.text), None),
        what=repr(text),
    )


def _draft_reply(bot: BotHarness, user: str, channel: str, label: str) -> str:
    reply = _ephemeral(bot, f"Draft: {label}", channel, user)
    assert len(reply.blocks) <= 50
    return "\n".join(b["text"]["text"] for b in reply.blocks if b["type"] == "section")


def test_internal_notification_and_status_update_drafts(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 payments down")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.command("update identified Card processor returns 502 for every charge", channel=inc.channel_id)
    bot.settle()

    bot.command("draft internal", channel=inc.channel_id)
    text = _draft_reply(bot, "U0ALICE", inc.channel_id, "Internal notification")
    assert "*[SEV1] Production incident: payments down*" in text
    assert f"*Incident channel:* #{inc.channel_name}" in text
    assert "*IC:* Bob Baker" in text  # a name, not a mention: drafts leave Slack
    assert "*Tech Lead:* —" in text  # unknown values are left as blanks to fill in
    assert "<@" not in text

    bot.command("draft status", channel=inc.channel_id)
    text = _draft_reply(bot, "U0ALICE", inc.channel_id, "Status update")
    assert f"*UPDATE #2: {inc.ref} payments down*" in text  # the declaration was update #1
    assert "*Status:* Identified" in text
    assert "*Actions:* Card processor returns 502 for every charge" in text
    # Nothing was posted in the channel: a draft is only for the person who asked.
    assert not any(carries(m, "UPDATE #") for m in bot.workspace.messages(inc.channel_id))
    assert bot.workspace.warnings == []


def test_resolution_and_postmortem_drafts_after_resolving(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 search is slow")
    bot.command("draft resolution", channel=inc.channel_id)
    refusal = _ephemeral(bot, "not resolved", inc.channel_id)
    assert "/incident resolve" in refusal.text

    bot.command("note Index rebuild started", channel=inc.channel_id)
    bot.settle()  # commands are handled concurrently, like Slack's: keep the note before the resolution
    bot.command("resolve Rebuilt the search index", channel=inc.channel_id)
    bot.settle()
    bot.command("draft resolution", channel=inc.channel_id)
    text = _draft_reply(bot, "U0ALICE", inc.channel_id, "Resolution notice")
    assert f"RESOLVED: [SEV2] {inc.ref} search is slow" in text
    assert "*Resolution:* Rebuilt the search index" in text

    bot.command("draft post-mortem", channel=inc.channel_id)
    text = _draft_reply(bot, "U0ALICE", inc.channel_id, "Post-mortem")
    assert f"# Incident post-mortem: {inc.ref} search is slow" in text
    assert "**Severity**: SEV2" in text
    assert "Index rebuild started (Alice Archer)" in text  # the timeline, people by name
    assert text.index("Index rebuild started") < text.index("Rebuilt the search index")


def test_draft_lists_templates_and_refuses_unknown_ones(bot: BotHarness) -> None:
    inc = bot.declare("SEV3 exports delayed")
    bot.command("draft", channel=inc.channel_id)
    listing = _ephemeral(bot, "Drafts from", inc.channel_id)
    for name in ("status", "internal", "external", "resolution", "postmortem"):
        assert f"`{name}`" in listing.text
    bot.command("draft tweet", channel=inc.channel_id)
    _ephemeral(bot, "no `tweet` template", inc.channel_id)
    # Outside an incident channel the command explains where it works.
    bot.command("draft status")
    _ephemeral(bot, "incident channel")


def test_grammar_for_draft() -> None:
    policy = SeverityPolicy.of([Severity(id="SEV1", name="Critical")])
    assert parse_command("draft", policy) == Draft(None)
    assert parse_command("draft Internal", policy) == Draft("internal")
    with pytest.raises(CommandError):
        parse_command("draft internal please", policy)


def _incident(**changes: object) -> IncidentView:
    now = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    base = dict(
        id=1,
        ref="INC-2026-0001",
        title="payments down",
        description="",
        severity=Severity(id="SEV1", name="Critical", postmortem_within=timedelta(hours=24)),
        status=Status.RESOLVED,
        reporter_id="U1",
        private=False,
        roles=(RoleHolder(Role(id="ic", name="Incident Commander"), "U2"),),
        channel_id="C1",
        channel_name="incident-2026-11-30-payments-down",
        card_ts=None,
        broadcast_channel_id=None,
        broadcast_ts=None,
        impact="",
        last_update_text="",
        last_update_by=None,
        last_update_at=None,
        next_update_due_at=now + timedelta(minutes=15),
        resolution_summary="Failed over",
        declared_at=now,
        acknowledged_at=None,
        acknowledged_by=None,
        mitigated_at=None,
        resolved_at=now + timedelta(hours=1, minutes=30),
    )
    base.update(changes)
    return IncidentView(**base)  # type: ignore[arg-type]


def test_draft_values_use_plain_times_names_and_the_postmortem_deadline() -> None:
    inc = _incident()
    entries = [
        EntryView(1, "declared", "U1", "Declared SEV1", {}, inc.declared_at, None),
        EntryView(2, "card_refreshed", None, "bookkeeping", {}, inc.declared_at, None),
        EntryView(3, "update", "U2", "Failing over", {}, inc.declared_at + timedelta(minutes=20), None),
    ]
    values = draft_values(
        inc, entries, inc.declared_at + timedelta(hours=3), {"U1": "Ann", "U2": "Ben"}.__getitem__
    )
    assert values["started_at"] == "2026-11-30 14:05 UTC"
    assert values["resolved_at"] == "2026-11-30 15:35 UTC"
    assert values["postmortem_due"] == "2026-12-01 15:35 UTC"
    assert values["duration"] == "1h 30m"
    assert values["ic"] == "Ben" and values["reporter"] == "Ann"
    assert values["next_update"] == ""  # resolved: no next update
    assert values["update_number"] == 2
    assert values["timeline"] == (
        "- 2026-11-30 14:05 UTC: Declared SEV1 (Ann)\n- 2026-11-30 14:25 UTC: Failing over (Ben)"
    )


def test_a_long_draft_fits_one_message_and_copies_safely() -> None:
    from bot.services.drafts import Draft as DraftText

    body = "\n".join(f"- line {i} with ```fences``` " + "x" * 80 for i in range(2000))
    blocks = [b.to_dict() for b in draft_message(DraftText("postmortem", "Post-mortem", _incident(), body))]
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(blocks) <= 50 and len(sections) == MAX_SECTIONS
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert all(
        s["text"]["text"].count("```") == 2 for s in sections
    )  # the draft cannot break out of its code block
    assert shows(blocks[-1], "cut to fit")
