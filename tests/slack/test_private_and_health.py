"""Private incidents leak nowhere (broadcast, list, forms, drafts); /healthz ignores the database, /readyz does not."""

from __future__ import annotations

import socket
from pathlib import Path

import requests

from bot.config import get_settings
from bot.container import build_container
from bot.slack import ids
from bot.storage import repositories as repo
from bot.web import create_wsgi_app
from tests.harness import (
    SHIPPED_PLAYBOOKS,
    BotHarness,
    carries,
    private_sev1_playbooks,
    start_bot,
    wait_until,
)


def test_private_severity_makes_a_private_channel_and_a_bare_broadcast(tmp_path: Path, sqlite_url: str) -> None:
    playbooks = private_sev1_playbooks(tmp_path)
    bot = start_bot(sqlite_url, playbooks_dir=playbooks)
    try:
        inc = bot.declare("SEV1 credentials leaked")
        assert inc.private
        assert bot.workspace.channel(inc.channel_id).is_private
        broadcast = bot.workspace.channel_by_name("incidents")
        assert not any(carries(m, "credentials leaked") for m in bot.workspace.messages(broadcast.id))
        assert [m.text for m in bot.workspace.messages(broadcast.id)] == [
            ":lock: A private SEV1 incident was declared."
        ]
        bot.command("update identified rotated keys", channel=inc.channel_id)
        bot.settle()
        assert not any(
            carries(m, "rotated keys")
            for m in bot.workspace.messages(broadcast.id, include_threads=True)
        )
    finally:
        bot.stop()


def _told(bot: BotHarness, user: str, needle: str) -> str:
    def find() -> str | None:
        ws = bot.workspace
        texts = [(e.text or "") + str(e.blocks) for e in ws.ephemerals(user)]
        texts += [(m.text or "") + str(m.blocks) for m in ws.dm_messages(user)]
        return next((t for t in texts if needle in t), None)

    return wait_until(find, what=f"an answer to {user} containing {needle!r}")


def test_sec_broadcast_says_only_that_a_private_incident_was_declared(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    inc = bot.declare("SEC api keys in a public gist", user="U0BOB")
    assert inc.private and ws.channel(inc.channel_id).is_private
    assert "U0BOB" in ws.channel(inc.channel_id).members
    broadcast = ws.channel_by_name("incidents")
    [post] = ws.messages(broadcast.id, include_threads=True)
    shown = f"{post.text} {post.blocks}"
    assert post.text == ":lock: A private SEC incident was declared."
    for secret in ("gist", inc.ref, inc.channel_id, inc.channel_name or "-", "U0BOB", "Join", str(inc.id)):
        assert secret not in shown
    bot.command("update identified keys revoked", user="U0BOB", channel=inc.channel_id)
    bot.command("resolve keys rotated", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    assert len(ws.messages(broadcast.id, include_threads=True)) == 1


def test_list_shows_a_private_incident_only_to_its_members(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    secret = bot.declare("SEC payroll export leaked", user="U0BOB")
    public = bot.declare("SEV2 search slow", user="U0ALICE")
    general = ws.channel_by_name("general").id
    assert "U0ERIN" not in ws.channel(secret.channel_id).members  # on call people are paged in; Erin is not

    r = bot.command("list", user="U0ERIN", channel=general)
    assert r.status_code == 200
    seen = _told(bot, "U0ERIN", "open incident")
    assert "search slow" in seen and public.ref in seen
    assert "and 1 private incident" in seen
    for leak in ("payroll", secret.ref, secret.channel_id or "-", secret.channel_name or "-"):
        assert leak not in seen

    bot.command("list", user="U0BOB", channel=general)
    mine = _told(bot, "U0BOB", "open incident")
    assert "payroll export leaked" in mine and "search slow" in mine and "private incident" not in mine


def test_forged_buttons_and_drafts_reveal_nothing_of_a_private_incident(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    secret = bot.declare("SEC vault tokens exposed", user="U0BOB")
    mine = bot.declare("SEV3 exports slow", user="U0ERIN")
    forged = str(secret.id)
    assert "U0ERIN" not in ws.channel(secret.channel_id).members
    broadcast = ws.channel_by_name("incidents").id
    for action_id in (ids.POST_UPDATE, ids.RESOLVE, ids.ASSIGN_ROLES):
        r = bot.driver.click_button("U0ERIN", mine.channel_id, mine.card_ts, action_id, value=forged)
        assert r.status_code == 200
        bot.settle()
    # The Join button of the other incident's broadcast post, edited to name the private one.
    bot.driver.click_button("U0ERIN", broadcast, mine.broadcast_ts, ids.JOIN, value=forged)
    bot.settle()
    assert ws.open_view("U0ERIN") is None
    assert "U0ERIN" not in ws.channel(secret.channel_id).members
    answer = _told(bot, "U0ERIN", "That incident is private")
    assert "vault" not in answer and secret.ref not in answer
    texts = [(e.text or "") + str(e.blocks) for e in ws.ephemerals("U0ERIN")]
    assert not any("vault" in t or secret.ref in t for t in texts)

    # A drafted notice or a summary only in the incident's own channel, for its members.
    bot.command("draft internal", user="U0ERIN", channel=secret.channel_id)
    bot.command("summary", user="U0ERIN", channel=secret.channel_id)
    bot.command("note I was here", user="U0ERIN", channel=secret.channel_id)
    bot.settle()
    assert not any("vault tokens exposed" in (e.text or "") + str(e.blocks) for e in ws.ephemerals("U0ERIN"))
    assert bot.container.services.incidents.get(secret.id).last_update_by is None
    with bot.container.uow() as session:
        kinds = [e.kind for e in repo.timeline(session, secret.id)]
    assert "note" not in kinds
    assert not any("Summary" in (m.text or "") for m in ws.messages(secret.channel_id))
    bot.command("draft internal", user="U0BOB", channel=secret.channel_id)
    assert "vault tokens exposed" in _told(bot, "U0BOB", "Draft")


def test_healthz_is_200_and_readyz_503_when_the_database_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = get_settings(
        _env_file=None,
        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=2",
        slack_bot_token="xoxb-x",
        slack_signing_secret="s",
        playbooks_dir=SHIPPED_PLAYBOOKS,
    )
    container = build_container(settings)
    client = create_wsgi_app(container).test_client()
    assert client.get("/healthz").status_code == 200  # liveness: the process serves, whatever the database
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["database", "migrations"]
    assert "unreachable" in body["checks"]["database"]["detail"]
    assert body["checks"]["playbooks"]["ok"]
    container.close()


def test_healthz_is_200_when_the_database_answers(sqlite_url: str) -> None:
    bot = start_bot(sqlite_url)
    try:
        r = requests.get(f"{bot.bot_url}/healthz", timeout=5)
        assert r.status_code == 200 and r.json()["status"] == "ok"
    finally:
        bot.stop()
