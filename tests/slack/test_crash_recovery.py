"""A real ``incident-bot serve`` killed with SIGKILL mid-burst: every declaration it acknowledged completes once.

The five declarations are held at the database (a test transaction locks the incident counter table) so the
kill lands, every time, after the acknowledgements and before any incident row is written: the window in
which a bot that acknowledges first and writes afterwards loses them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.emulator.driver import SlackDriver
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from tests.harness import SHIPPED_PLAYBOOKS, SIGNING_SECRET, wait_until

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TITLES = [f"crash burst {n}" for n in range(1, 6)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    """One ``incident-bot serve`` process on a port of its own, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.log = log
        port = self.url.rsplit(":", 1)[1]
        with log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", port],
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@contextmanager
def served_bots(
    postgres_url: str, playbooks_dir: Path, **settings: str
) -> Iterator[tuple[Workspace, dict[str, str], list[Serve]]]:
    """An emulator, the settings for real ``serve`` processes against it, and the processes started (killed after)."""
    ws = Workspace()
    emulator = EmulatorServer(ws).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_", "ALERTS_"))}
    env.update(
        DATABASE_URL=postgres_url,
        PLAYBOOKS_DIR=str(playbooks_dir),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        OUTBOX_POLL_SECONDS="0.3",
        **settings,
    )
    started: list[Serve] = []
    try:
        yield ws, env, started
    finally:
        for process in started:
            process.kill()
        emulator.stop()


def start_serve(env: dict[str, str], log: Path, started: list[Serve]) -> Serve:
    process = Serve(env, log)
    started.append(process)
    wait_until(process.healthy, timeout=60, what=f"the bot to serve (log: {log})")
    return process


@pytest.fixture
def setup(postgres_url: str) -> Iterator[tuple[Workspace, dict[str, str], list[Serve]]]:
    with served_bots(postgres_url, SHIPPED_PLAYBOOKS) as served:
        yield served


def test_sigkill_after_acknowledging_five_declarations_loses_none_and_doubles_none(
    setup: tuple[Workspace, dict[str, str], list[Serve]], tmp_path: Path
) -> None:
    ws, env, started = setup
    log = tmp_path / "serve.log"
    first = start_serve(env, log, started)
    general = ws.channel_by_name("general").id
    engine = create_engine(env["DATABASE_URL"])
    hold = engine.connect()
    try:
        hold.execute(text("LOCK TABLE incident_counters IN EXCLUSIVE MODE"))  # held until rollback

        driver = SlackDriver(first.url, SIGNING_SECRET, ws)
        with ThreadPoolExecutor(max_workers=5) as pool:
            answers = list(pool.map(lambda t: driver.slash_command("U0ALICE", general, f"SEV3 {t}"), TITLES))
        assert [a.status_code for a in answers] == [200] * 5
        assert all("Declaring" in a.text for a in answers), [a.text for a in answers]
        first.kill()
    finally:
        hold.rollback()
        hold.close()

    start_serve(env, log, started)

    def delivered() -> bool:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT title, channel_id, card_ts FROM incidents")).all()
        return len(rows) >= 5 and all(channel and card for _, channel, card in rows)

    wait_until(delivered, timeout=45, what=f"the five incidents with channel and card (log: {log})")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT title, channel_id, card_ts FROM incidents ORDER BY title")).all()
        left = conn.execute(text("SELECT count(*) FROM pending_requests")).scalar_one()
    engine.dispose()
    assert sorted(r.title for r in rows) == TITLES
    assert left == 0
    created = [c for c in ws.calls if c.method == "conversations.create" and c.ok]
    assert len(created) == 5
    for row in rows:
        cards = [m for m in ws.messages(row.channel_id) if m.blocks and m.blocks[0].get("type") == "header"]
        assert len(cards) == 1, (row.title, len(cards))
