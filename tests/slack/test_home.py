"""The App Home tab through the real Bolt app: incidents by severity, Join, Declare, roles, on call, private."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.naming import incident_ref
from bot.emulator.blockkit import validate_view
from bot.slack import ids
from bot.storage import repositories as repo
from bot.storage.models import Incident, RoleAssignment
from tests.harness import (
    BotHarness,
    block_texts,
    find_block,
    find_button,
    private_sev1_playbooks,
    start_bot,
    wait_until,
)


def _open_home(bot: BotHarness, user: str) -> Any:
    """The person opens the Home tab; returns the view the bot published (checked by the emulator)."""
    published = len(bot.workspace.calls_to("views.publish"))
    response = bot.driver.open_home(user)
    assert response.status_code == 200, response.text
    wait_until(lambda: len(bot.workspace.calls_to("views.publish")) > published, what="Home tab")
    bot.settle()
    view = bot.workspace.home_view(user)
    assert view is not None
    assert validate_view(view.body, "home") == []
    assert not bot.workspace.warnings, bot.workspace.warnings
    return view


def _texts(view: Any) -> str:
    return "\n".join(block_texts(view.body["blocks"]))


def _seed(bot: BotHarness, count: int, severities: tuple[str, ...] = ("SEV3", "SEV1", "SEV2")) -> list[int]:
    """Open incidents stored directly, each with a real channel in the workspace (no Slack work queued)."""
    playbooks = bot.container.playbooks
    snapshot = {
        "severities": [s.to_snapshot() for s in playbooks.severities],
        "roles": [r.to_snapshot() for r in playbooks.roles],
    }
    now = datetime.now(UTC)
    made: list[int] = []
    with bot.container.uow() as session:
        for n in range(count):
            sev = playbooks.severities.get(severities[n % len(severities)])
            seq = repo.next_sequence(session, now.year)
            channel = bot.workspace.create_channel(f"inc-seeded-{len(bot.workspace.channels)}", members=["U0DAVE"])
            incident = Incident(
                ref=incident_ref(now.year, seq), year=now.year, seq=seq, title=f"outage number {n}",
                severity_id=sev.id, severity_rank=sev.rank, reporter_id="U0DAVE", policy_snapshot=snapshot,
                channel_id=channel.id, channel_name=channel.name, declared_at=now - timedelta(minutes=n + 1),
                last_update_text=f"still looking {n}", last_update_by="U0DAVE", last_update_at=now,
                acknowledged_at=now,  # acknowledged: no escalation chain pages anyone meanwhile
            )
            session.add(incident)
            session.flush()
            made.append(incident.id)
    return made


def test_home_with_no_open_incident_says_so_and_offers_declare(bot_sqlite: BotHarness) -> None:
    view = _open_home(bot_sqlite, "U0ALICE")
    text = _texts(view)
    assert "Open incidents (0)" in text and "No open incidents right now" in text
    assert "You hold no role in an open incident" in text
    assert find_button(view.body["blocks"], ids.HOME_DECLARE)["text"]["text"] == "Declare an incident"
    # Who is on call now, from the shipped oncall.yaml: one line per schedule.
    oncall = next(t for t in block_texts(view.body["blocks"]) if "*primary* (UTC)" in t)
    assert "*secondary* (UTC)" in oncall and "until <!date^" in oncall


def test_home_with_one_incident_shows_ic_age_last_update_and_the_persons_roles(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 checkout slow")
    bot.command("role ic <@U0BOB|bob>", user="U0ALICE", channel=inc.channel_id)
    bot.command("update identified a bad cache node", user="U0BOB", channel=inc.channel_id)
    bot.settle()

    view = _open_home(bot, "U0BOB")
    line = block_texts([find_block(view.body["blocks"], f"{ids.HOME_INCIDENT_BLOCK}{inc.id}")])[0]
    assert "*SEV2*" in line and "*checkout slow*" in line and inc.ref in line
    assert "IC <@U0BOB>" in line and f"since <!date^{int(inc.declared_at.timestamp())}^" in line
    assert "a bad cache node" in line and "by <@U0BOB>" in line
    assert find_button([find_block(view.body["blocks"], f"{ids.HOME_INCIDENT_BLOCK}{inc.id}")], ids.HOME_JOIN)["value"] == str(
        inc.id
    )
    mine = block_texts([find_block(view.body["blocks"], f"{ids.HOME_MINE_BLOCK}{inc.id}")])[0]
    assert "You are *Incident Commander*" in mine

    # Someone else sees the incident but holds no role in it.
    other = _open_home(bot, "U0CAROL")
    assert f"{ids.HOME_INCIDENT_BLOCK}{inc.id}" in {b.get("block_id") for b in other.body["blocks"]}
    assert "You hold no role in an open incident" in _texts(other)


def test_home_with_sixty_incidents_stays_within_the_block_limit_most_severe_first(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    _seed(bot, 60)
    view = _open_home(bot, "U0ALICE")
    blocks = view.body["blocks"]
    assert len(blocks) <= 100
    listed = [b for b in blocks if str(b.get("block_id", "")).startswith(ids.HOME_INCIDENT_BLOCK)]
    assert len(listed) == 60 and "Open incidents (60)" in _texts(view) and "more." not in _texts(view)
    severities = [block_texts([b])[0].split("*")[1] for b in listed]
    assert severities == sorted(severities) and severities[0] == "SEV1"  # SEV1, then SEV2, then SEV3
    headings = [t for t in block_texts(blocks) if t.endswith("· 20 open")]
    assert [h.split("*")[1] for h in headings] == ["SEV1 (Critical)", "SEV2 (High)", "SEV3 (Medium)"]

    # Twice as many: the most severe are listed, the rest counted, still within Slack's 100 blocks.
    _seed(bot, 60)
    view = _open_home(bot, "U0ALICE")
    blocks = view.body["blocks"]
    listed = [b for b in blocks if str(b.get("block_id", "")).startswith(ids.HOME_INCIDENT_BLOCK)]
    assert len(blocks) <= 100 and 60 < len(listed) < 120
    assert f"…and {120 - len(listed)} more" in _texts(view)
    assert [block_texts([b])[0].split("*")[1] for b in listed][:40] == ["SEV1"] * 40


def test_join_button_invites_the_person_into_the_incident_channel(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEV1 payments down")
    assert "U0ERIN" not in ws.channel(inc.channel_id).members
    view = _open_home(bot, "U0ERIN")
    r = bot.driver.view_action(
        "U0ERIN", ids.HOME_JOIN, view_id=view.id, block_id=f"{ids.HOME_INCIDENT_BLOCK}{inc.id}"
    )
    assert r.status_code == 200
    wait_until(lambda: "U0ERIN" in ws.channel(inc.channel_id).members, what="invited")
    wait_until(lambda: any("You're in" in m.text for m in ws.dm_messages("U0ERIN")), what="answer")

    # A resolved incident cannot be joined from an old Home tab: a friendly answer, nobody invited.
    bot.command("resolve fixed the gateway", user="U0ALICE", channel=inc.channel_id)
    bot.settle()
    invites = len(ws.calls_to("conversations.invite"))
    bot.driver.view_action("U0DAVE", ids.HOME_JOIN, value=str(inc.id), view_id=view.id)
    wait_until(lambda: any("is resolved" in m.text for m in ws.dm_messages("U0DAVE")), what="refusal")
    assert len(ws.calls_to("conversations.invite")) == invites
    assert "U0DAVE" not in ws.channel(inc.channel_id).members


def test_declare_button_opens_the_declare_modal(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    view = _open_home(bot, "U0BOB")
    bot.driver.view_action("U0BOB", ids.HOME_DECLARE, view_id=view.id)
    modal = wait_until(lambda: ws.open_view("U0BOB"), what="declare modal")
    assert modal.body["callback_id"] == ids.DECLARE_VIEW
    r = bot.driver.submit_view(
        "U0BOB",
        values={ids.TITLE[0]: {ids.TITLE[1]: "login broken"}, ids.SEVERITY[0]: {ids.SEVERITY[1]: "SEV3"}},
    )
    assert r.status_code == 200
    bot.settle()
    [inc] = bot.container.services.incidents.list_open()
    assert inc.title == "login broken" and inc.reporter_id == "U0BOB"


def test_private_incidents_are_shown_only_to_members_others_see_a_count(tmp_path: Path, sqlite_url: str) -> None:
    playbooks = private_sev1_playbooks(tmp_path)
    bot = start_bot(sqlite_url, playbooks_dir=playbooks)
    try:
        secret = bot.declare("SEV1 credentials leaked", user="U0ALICE")
        public = bot.declare("SEV2 search slow", user="U0ALICE")
        assert secret.private and not public.private

        member = _open_home(bot, "U0ALICE")
        shown = {b.get("block_id") for b in member.body["blocks"]}
        assert f"{ids.HOME_INCIDENT_BLOCK}{secret.id}" in shown and "private incident" not in _texts(member)

        outsider = _open_home(bot, "U0ERIN")
        shown = {b.get("block_id") for b in outsider.body["blocks"]}
        assert f"{ids.HOME_INCIDENT_BLOCK}{public.id}" in shown
        assert f"{ids.HOME_INCIDENT_BLOCK}{secret.id}" not in shown
        assert "credentials leaked" not in str(outsider.body) and secret.ref not in str(outsider.body)
        assert "1 private incident," in _texts(outsider)

        # A forged Join naming the private incident is refused in the use case; nobody is invited.
        bot.driver.view_action("U0ERIN", ids.HOME_JOIN, value=str(secret.id), view_id=outsider.id)
        wait_until(lambda: any("not open to you" in m.text for m in bot.workspace.dm_messages("U0ERIN")))
        assert "U0ERIN" not in bot.workspace.channel(secret.channel_id).members
    finally:
        bot.stop()


def test_roles_held_are_listed_even_before_the_incident_channel_exists(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    [made] = _seed(bot, 1, ("SEV2",))
    with bot.container.uow() as session:
        incident = repo.get_incident(session, made)
        assert incident is not None
        incident.channel_id = None
        session.add(RoleAssignment(incident_id=made, role_id="ic", user_id="U0CAROL"))
    view = _open_home(bot, "U0CAROL")
    block = find_block(view.body["blocks"], f"{ids.HOME_INCIDENT_BLOCK}{made}")
    assert "accessory" not in block  # no channel yet: nothing to join
    assert "You are *Incident Commander*" in _texts(view)


def test_home_lists_the_persons_open_follow_ups(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV3 reports late")
    # Each command is handled after its acknowledgement: wait for each follow-up to be stored.
    bot.command("followup Add an alert on queue depth <@U0BOB|bob> due 2099-01-31", channel=inc.channel_id)
    wait_until(lambda: "Add an alert" in _texts(_open_home(bot, "U0BOB")), what="the first follow-up")
    bot.command("followup Rotate the batch keys <@U0CAROL|carol>", channel=inc.channel_id)
    wait_until(lambda: "Rotate the batch keys" in _texts(_open_home(bot, "U0CAROL")), what="the second")
    bot.settle()
    text = _texts(_open_home(bot, "U0BOB"))
    assert f"*{inc.ref}* #1 Add an alert on queue depth · due 2099-01-31" in text
    assert "Rotate the batch keys" not in text
    assert "No open follow-up is yours" in _texts(_open_home(bot, "U0DAVE"))


def test_home_lists_the_post_mortems_the_person_is_reminded_of(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 checkout slow")
    bot.command("role ic <@U0BOB|bob>", channel=inc.channel_id)
    bot.settle()
    bot.command("resolve Pool raised", channel=inc.channel_id)
    bot.settle()
    text = _texts(_open_home(bot, "U0BOB"))
    assert "Post-mortems to write" in text and f"*{inc.ref}* checkout slow · <#{inc.channel_id}> · due " in text
    assert "overdue" not in text
    assert "Post-mortems to write" not in _texts(_open_home(bot, "U0ALICE"))  # the IC owes it, not the reporter
    bot.command("postmortem done https://wiki.example.com/pm/checkout", channel=inc.channel_id, user="U0BOB")
    wait_until(lambda: "Post-mortems to write" not in _texts(_open_home(bot, "U0BOB")), what="done, gone from Home")
