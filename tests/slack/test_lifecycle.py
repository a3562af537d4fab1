"""Roles, updates, severity, notes, resolve and reopen through slash commands, on both databases."""

from __future__ import annotations

from bot.emulator.models import Message
from bot.services.pages import PAGING_KINDS
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.storage import repositories as repo
from tests.harness import BotHarness, carries, find_button, message_words, shows, wait_until


def _timeline(bot: BotHarness, incident: IncidentView) -> list[tuple[str, str | None, str]]:
    with bot.container.uow() as session:
        return [(e.kind, e.actor_id, e.text) for e in repo.timeline(session, incident.id)]


def _card(bot: BotHarness, incident: IncidentView) -> Message:
    message = bot.workspace.message(incident.channel_id, incident.card_ts)
    assert message is not None
    return message


def test_role_assignment_invites_updates_card_topic_and_sends_checklist(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 checkout slow")
    r = bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    assert r.status_code == 200
    bot.settle()
    ws = bot.workspace
    channel = ws.channel(inc.channel_id)
    assert "U0BOB" in channel.members
    assert "IC: Bob Baker" in channel.topic and "<@" not in channel.topic  # topics show no mentions
    assert shows(_card(bot, inc), "<@U0BOB>")
    # The role's checklist, plus the playbook's standing commander checklist (checklists.yaml).
    assert any(
        shows(m, "Incident Commander")
        and shows(m, "Checklist")
        and shows(m, "Incident Commander playbook")
        and shows(m, "Check recent deployments and changes")
        for m in ws.dm_messages("U0BOB")
    )
    assert ("role_assigned", "U0ALICE", "Incident Commander: <@U0BOB>") in _timeline(bot, inc)

    # Handover by alias, recorded as such.
    bot.command("role commander <@U0CAROL|carol>", channel=inc.channel_id)
    bot.settle()
    assert "IC: Carol Chen" in ws.channel(inc.channel_id).topic
    assert any(shows(m, "handed over from <@U0BOB>") for m in ws.messages(inc.channel_id))
    kinds = [k for k, _, _ in _timeline(bot, inc)]
    assert kinds.count("role_assigned") == 2


def test_update_posts_in_channel_updates_card_and_mirrors_to_broadcast(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 payments down")
    bot.command("update identified Stripe webhooks time out", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    ws = bot.workspace
    fresh = bot.container.services.incidents.get(inc.id)
    assert fresh.status.value == "identified"
    assert shows(_card(bot, inc), "Stripe webhooks time out")
    assert "Identified" in ws.channel(inc.channel_id).topic
    assert any(shows(m, "Stripe webhooks time out") for m in ws.messages(inc.channel_id))
    broadcast = ws.channel_by_name("incidents")
    replies = ws.thread(broadcast.id, fresh.broadcast_ts)
    assert any(shows(m, "Stripe webhooks time out") for m in replies)
    # SEV1 is among the two most severe levels: also a top-level post.
    top = [m for m in ws.messages(broadcast.id) if m.thread_ts is None or m.thread_ts == m.ts]
    assert any(shows(m, "Stripe webhooks time out") for m in top)
    # The timeline entry carries the Slack permalink of the posted update.
    with bot.container.uow() as session:
        entry = next(e for e in repo.timeline(session, inc.id) if e.kind == "update")
        assert entry.permalink and entry.channel_ts


def test_lower_severity_update_goes_only_to_the_thread(bot: BotHarness) -> None:
    inc = bot.declare("SEV3 reports page slow")
    bot.command("update still digging", channel=inc.channel_id)
    bot.settle()
    broadcast = bot.workspace.channel_by_name("incidents")
    # No post of its own: only the declaration (edited to show the latest update) is at the top level.
    top = [m for m in bot.workspace.messages(broadcast.id) if m.thread_ts is None and m.ts != inc.broadcast_ts]
    assert not any(carries(m, "still digging") for m in top)
    assert any(shows(m, "still digging") for m in bot.workspace.thread(broadcast.id, inc.broadcast_ts))


def test_severity_note_resolve_and_reopen(bot: BotHarness) -> None:
    inc = bot.declare("SEV2 search returns errors")
    ch = inc.channel_id
    bot.command("severity sev1", channel=ch)
    bot.settle()  # Bolt runs listeners concurrently; keep the timeline order deterministic
    bot.command("note rolled back search-api to v41", user="U0BOB", channel=ch)
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).severity.id == "SEV1"
    assert "SEV1" in bot.workspace.channel(ch).topic

    bot.command("resolve Rolled back the bad deploy root cause: a config flag flipped", channel=ch)
    bot.settle()
    ws = bot.workspace
    resolved = bot.container.services.incidents.get(inc.id)
    assert resolved.status.value == "resolved" and resolved.resolved_at is not None
    assert resolved.resolution_summary == "Rolled back the bad deploy"
    assert resolved.root_cause == "a config flag flipped"
    notice = next(m for m in ws.messages(ch) if shows(m, "Resolved:"))
    assert shows(notice, "Rolled back the bad deploy")
    assert shows(notice, "*Root cause*\na config flag flipped")
    # After the incident: the post-mortem deadline from the severity, and the post-incident checklist.
    assert shows(notice, "*After the incident*") and shows(notice, "Post-mortem due by")
    assert shows(notice, "Create the post-mortem document")
    assert shows(notice, "Duration") and shows(notice, "Resolution checklist")
    assert find_button(_card(bot, inc), ids.REOPEN)["text"]["text"] == "Reopen"
    assert any(
        shows(m, "Rolled back the bad deploy")
        for m in ws.thread(ws.channel_by_name("incidents").id, inc.broadcast_ts)
    )

    # Updates after resolution are refused with a clear message; nothing changes.
    before = len(_timeline(bot, inc))
    r = bot.command("update monitoring more", channel=ch)
    wait_until(lambda: any("reopen" in (e.text or "") for e in ws.ephemerals("U0ALICE", ch)), what="refusal")
    assert r.status_code == 200
    assert len(_timeline(bot, inc)) == before

    bot.command("reopen errors are back", channel=ch)
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).status.value == "investigating"
    kinds = [k for k, _, _ in _timeline(bot, inc) if k not in PAGING_KINDS]
    assert kinds == ["declared", "severity_changed", "note", "resolved", "reopened"]


def test_status_summary_list_and_help(bot: BotHarness) -> None:
    inc = bot.declare("SEV1 login broken")
    other = bot.declare("SEV3 slow exports", user="U0BOB")
    ws = bot.workspace
    r = bot.command("status", channel=inc.channel_id)
    assert r.status_code == 200
    wait_until(
        lambda: any(shows(e, "login broken") for e in ws.ephemerals("U0ALICE", inc.channel_id)),
        what="status",
    )

    bot.command("summary", channel=inc.channel_id)
    bot.settle()
    assert any(shows(m, "Summary:") for m in ws.messages(inc.channel_id))

    bot.command("list")
    listing = wait_until(
        lambda: next((e for e in ws.ephemerals("U0ALICE") if shows(e, "Open incidents")), None),
        what="list",
    )
    text = message_words(listing)
    assert text.index("login broken") < text.index("slow exports")  # most severe first
    assert other.ref in text

    bot.command("help")
    wait_until(
        lambda: any("/incident update" in (e.text or "") for e in ws.ephemerals("U0ALICE")), what="help"
    )
