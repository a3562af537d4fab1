"""Who may do what, through the real app: refusals on commands, card buttons (forged too) and forms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.storage import repositories as repo
from tests.harness import SHIPPED_PLAYBOOKS, BotHarness, start_bot, wait_until


def _kinds(bot: BotHarness, incident: IncidentView) -> list[tuple[str, str | None]]:
    with bot.container.uow() as session:
        return [(e.kind, e.actor_id) for e in repo.timeline(session, incident.id)]


def _told(bot: BotHarness, user: str, needle: str) -> str:
    """The ephemeral answer (or DM) to ``user`` that contains ``needle``."""

    def find() -> str | None:
        ws = bot.workspace
        texts = [(e.text or "") + str(e.blocks) for e in ws.ephemerals(user)]
        texts += [(m.text or "") + str(m.blocks) for m in ws.dm_messages(user)]
        return next((t for t in texts if needle in t), None)

    return wait_until(find, what=f"an answer to {user} containing {needle!r}")


def _with_commander(bot: BotHarness, title: str = "SEV2 checkout slow") -> IncidentView:
    """Alice declares, makes Bob the IC; Carol is in the channel but holds no role."""
    inc = bot.declare(title)
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.workspace.join(inc.channel_id, "U0CAROL")
    bot.settle()
    return bot.container.services.incidents.get(inc.id)


def _playbooks(tmp_path: Path, permissions: str) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    (target / "permissions.yaml").write_text(permissions)
    return target


def test_commands_from_someone_without_standing_are_refused_and_change_nothing(bot: BotHarness) -> None:
    inc = _with_commander(bot)
    before = _kinds(bot, inc)
    for text in ("resolve fixed it", "severity SEV1", "role scribe <@U0CAROL|carol>"):
        r = bot.command(text, user="U0CAROL", channel=inc.channel_id)
        assert r.status_code == 200
    bot.settle()
    refusal = _told(bot, "U0CAROL", "can resolve")
    assert f"Only the incident commander <@U0BOB> or the reporter <@U0ALICE> can resolve {inc.ref}" in refusal
    assert "Nothing was changed" in refusal
    _told(bot, "U0CAROL", f"can change the severity of {inc.ref}")
    _told(bot, "U0CAROL", f"can hand over roles in {inc.ref}")
    fresh = bot.container.services.incidents.get(inc.id)
    assert (fresh.status.value, fresh.severity.id, fresh.holder("scribe")) == ("investigating", "SEV2", None)
    assert _kinds(bot, inc) == before

    # The IC may, and the timeline says who did it.
    bot.command("severity SEV1", user="U0BOB", channel=inc.channel_id)
    bot.command("resolve fixed it", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    assert ("severity_changed", "U0BOB") in _kinds(bot, inc) and ("resolved", "U0BOB") in _kinds(bot, inc)
    bot.command("reopen not fixed", user="U0CAROL", channel=inc.channel_id)
    bot.settle()
    _told(bot, "U0CAROL", f"can reopen {inc.ref}")
    assert bot.container.services.incidents.get(inc.id).status.value == "resolved"


def test_before_an_ic_any_channel_member_may_and_outsiders_may_not(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV3 reports slow")
    bot.command("severity SEV2", user="U0DAVE", channel=inc.channel_id)  # Dave is not in the channel
    bot.settle()
    refusal = _told(bot, "U0DAVE", "can change the severity")
    assert f"the reporter <@U0ALICE> or members of <#{inc.channel_id}>" in refusal
    assert bot.container.services.incidents.get(inc.id).severity.id == "SEV3"
    ws.join(inc.channel_id, "U0DAVE")
    bot.command("severity SEV2", user="U0DAVE", channel=inc.channel_id)
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).severity.id == "SEV2"
    assert ("severity_changed", "U0DAVE") in _kinds(bot, inc)


def test_card_buttons_refuse_and_a_forged_value_cannot_reach_another_incident(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    theirs = _with_commander(bot, "SEV2 payments slow")
    mine = bot.declare("SEV3 search slow", user="U0DAVE")

    # Carol, in the channel without a role: the Resolve and Roles buttons open no form.
    for action_id in (ids.RESOLVE, ids.ASSIGN_ROLES):
        bot.driver.click_button("U0CAROL", theirs.channel_id, theirs.card_ts, action_id)
    bot.settle()
    assert ws.open_view("U0CAROL") is None
    _told(bot, "U0CAROL", f"can resolve {theirs.ref}")
    _told(bot, "U0CAROL", f"can hand over roles in {theirs.ref}")

    # Dave edits the Resolve and Reopen buttons of his own card to name the other incident.
    bot.driver.click_button("U0DAVE", mine.channel_id, mine.card_ts, ids.RESOLVE, value=str(theirs.id))
    bot.settle()
    assert ws.open_view("U0DAVE") is None
    assert f"can resolve {theirs.ref}" in _told(bot, "U0DAVE", "can resolve")
    bot.command("resolve done", user="U0BOB", channel=theirs.channel_id)
    bot.command("resolve false alarm", user="U0DAVE", channel=mine.channel_id)  # his card now offers Reopen
    bot.settle()
    bot.driver.click_button("U0DAVE", mine.channel_id, mine.card_ts, ids.REOPEN, value=str(theirs.id))
    bot.settle()
    _told(bot, "U0DAVE", f"can reopen {theirs.ref}")
    assert bot.container.services.incidents.get(theirs.id).status.value == "resolved"
    assert ("reopened", "U0DAVE") not in _kinds(bot, theirs)
    # His own incident's button still works for him.
    bot.driver.click_button("U0DAVE", mine.channel_id, mine.card_ts, ids.REOPEN)
    bot.settle()
    assert bot.container.services.incidents.get(mine.id).status.value != "resolved"
    assert ("reopened", "U0DAVE") in _kinds(bot, mine)


def test_a_form_submitted_after_the_ic_took_over_is_refused(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV2 webhooks delayed")
    ws.join(inc.channel_id, "U0CAROL")
    bot.driver.click_button("U0CAROL", inc.channel_id, inc.card_ts, ids.RESOLVE)  # a member, before any IC
    wait_until(lambda: ws.open_view("U0CAROL"), what="resolve modal")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.settle()
    r = bot.driver.submit_view("U0CAROL", values={ids.RESOLUTION[0]: {ids.RESOLUTION[1]: "restarted it"}})
    assert r.status_code == 200
    bot.settle()
    assert f"Only the incident commander <@U0BOB> or the reporter <@U0ALICE> can resolve {inc.ref}" in _told(
        bot, "U0CAROL", "can resolve"
    )
    assert bot.container.services.incidents.get(inc.id).status.value == "investigating"
    assert "resolved" not in [k for k, _ in _kinds(bot, inc)]


def test_a_forged_form_naming_another_incident_is_refused(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    theirs = _with_commander(bot, "SEV2 ledger drift")
    mine = bot.declare("SEV3 emails late", user="U0DAVE")
    bot.driver.click_button("U0DAVE", mine.channel_id, mine.card_ts, ids.RESOLVE)
    view = wait_until(lambda: ws.open_view("U0DAVE"), what="resolve modal")
    meta = json.loads(view.body["private_metadata"])
    view.body["private_metadata"] = json.dumps({**meta, "incident_id": theirs.id})
    bot.driver.submit_view("U0DAVE", values={ids.RESOLUTION[0]: {ids.RESOLUTION[1]: "not mine"}})
    bot.settle()
    _told(bot, "U0DAVE", f"can resolve {theirs.ref}")
    assert bot.container.services.incidents.get(theirs.id).status.value == "investigating"
    assert bot.container.services.incidents.get(mine.id).status.value == "investigating"


def test_admins_by_id_and_by_user_group_may(sqlite_url: str, tmp_path: Path) -> None:
    # S0LEADS (the emulated workspace's "leads" group) holds Alice and Dave.
    bot = start_bot(sqlite_url, playbooks_dir=_playbooks(tmp_path, "admins: [U0ERIN, S0LEADS]\n"))
    try:
        inc = bot.declare("SEV2 api errors", user="U0BOB")
        bot.command("role ic <@U0BOB|bob>", user="U0BOB", channel=inc.channel_id)
        bot.settle()
        bot.command("severity SEV1", user="U0CAROL", channel=inc.channel_id)
        bot.settle()
        assert "or an admin can change the severity" in _told(bot, "U0CAROL", "can change the severity")
        bot.command("severity SEV1", user="U0DAVE", channel=inc.channel_id)  # in the group
        bot.settle()
        bot.command("resolve rolled back", user="U0ERIN", channel=inc.channel_id)  # by id
        bot.settle()
        fresh = bot.container.services.incidents.get(inc.id)
        assert (fresh.severity.id, fresh.status.value) == ("SEV1", "resolved")
        kinds = _kinds(bot, inc)
        assert ("severity_changed", "U0DAVE") in kinds and ("resolved", "U0ERIN") in kinds
    finally:
        bot.stop()


def test_declare_private_can_be_kept_to_admins(sqlite_url: str, tmp_path: Path) -> None:
    permissions = "admins: [U0ERIN]\nactions:\n  declare_private:\n    allowed: []\n"
    bot = start_bot(sqlite_url, playbooks_dir=_playbooks(tmp_path, permissions))
    try:
        r = bot.command("SEC keys leaked", user="U0CAROL")
        assert r.status_code == 200
        bot.settle()
        assert "Only an admin can declare a private incident" in r.text + _told(bot, "U0CAROL", "private")
        assert bot.container.services.incidents.list_open() == []
        assert bot.workspace.calls_to("conversations.create") == []
        inc = bot.declare("SEC keys leaked", user="U0ERIN")
        assert inc.private
    finally:
        bot.stop()
