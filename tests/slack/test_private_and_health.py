"""Private severities stay private; liveness ignores the database, readiness reflects it."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import requests

from bot.config import get_settings
from bot.container import build_container
from bot.web import create_wsgi_app
from tests.harness import SHIPPED_PLAYBOOKS, carries, start_bot


def test_private_severity_makes_a_private_channel_and_no_broadcast(tmp_path: Path, sqlite_url: str) -> None:
    playbooks = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, playbooks)
    text = (playbooks / "severities.yaml").read_text()
    first = text.index("private:")
    end = text.index("\n", first)
    (playbooks / "severities.yaml").write_text(text[:first] + "private: true" + text[end:])
    bot = start_bot(sqlite_url, playbooks_dir=playbooks)
    try:
        inc = bot.declare("SEV1 credentials leaked")
        assert inc.private
        assert bot.workspace.channel(inc.channel_id).is_private
        broadcast = bot.workspace.channel_by_name("incidents")
        assert not any(carries(m, "credentials leaked") for m in bot.workspace.messages(broadcast.id))
        bot.command("update identified rotated keys", channel=inc.channel_id)
        bot.settle()
        assert not any(
            carries(m, "rotated keys")
            for m in bot.workspace.messages(broadcast.id, include_threads=True)
        )
    finally:
        bot.stop()


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
