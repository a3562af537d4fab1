"""SIGTERM of the leading ``incident-bot serve`` with a standby running: it hands over at once and exits clean."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select

from bot.emulator.driver import SlackDriver
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from bot.slack import ids
from bot.storage.scheduling_models import EffectFired
from tests.harness import SIGNING_SECRET, has_action, wait_until
from tests.scheduling.helpers import FAST_PLAYBOOKS
from tests.support.processes import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Serve:
    """One ``incident-bot serve`` process, its stdout and stderr kept apart."""

    def __init__(self, env: dict[str, str], logs: Path, name: str) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.stderr_path = logs / f"{name}.stderr"
        with (logs / f"{name}.stdout").open("w") as out, self.stderr_path.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", self.url.rsplit(":", 1)[1]],
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=err,
            )

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def leads(self) -> bool:
        return "elected to run the scheduler" in self.stderr

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def pair(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[Workspace, Serve, Serve]]:
    ws = Workspace()
    emulator = EmulatorServer(ws).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_", "LOG_"))}
    env.update(
        DATABASE_URL=postgres_url,
        REDIS_URL=redis_url,  # the Redis lease lasts 10 s: only a release hands over sooner
        PLAYBOOKS_DIR=str(FAST_PLAYBOOKS),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        OUTBOX_POLL_SECONDS="0.3",
        LOG_JSON="false",
    )
    first = Serve(env, tmp_path, "first")
    try:
        wait_until(first.healthy, timeout=60, what="first replica")
        wait_until(first.leads, timeout=20, what="the first replica to take the leader lease")
        second = Serve(env, tmp_path, "second")
        try:
            wait_until(second.healthy, timeout=60, what="second replica")
            yield ws, first, second
        finally:
            second.kill()
    finally:
        first.kill()
        emulator.stop()


def _nudge_posts(ws: Workspace, channel_id: str) -> list[float]:
    return sorted(float(m.ts) for m in ws.messages(channel_id) if has_action(m, ids.NUDGE_SNOOZE))


def _fired(url: str) -> list[tuple[datetime, datetime]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(EffectFired.due_at, EffectFired.fired_at).where(EffectFired.kind == "nudge")
            ).all()
    finally:
        engine.dispose()
    return sorted((due.astimezone(UTC), fired.astimezone(UTC)) for due, fired in rows)


def test_sigterm_of_the_leader_hands_the_scheduler_to_the_standby_at_once_and_exits_zero(
    pair: tuple[Workspace, Serve, Serve], postgres_url: str
) -> None:
    ws, first, second = pair
    general = ws.channel_by_name("general").id
    SlackDriver(second.url, SIGNING_SECRET, ws).slash_command("U0ALICE", general, "SEV2 handed over")
    channel = wait_until(
        lambda: next((c for c in ws.channels.values() if c.name.endswith("handed-over") and c.purpose), None),
        timeout=30,
        what="the incident channel",
    )
    wait_until(lambda: len(_nudge_posts(ws, channel.id)) >= 1, timeout=20, what="a first reminder (every 3 s)")

    first.proc.send_signal(signal.SIGTERM)
    termed = datetime.now(UTC)
    started = time.monotonic()
    assert first.proc.wait(20) == 0
    took = time.monotonic() - started
    assert "Traceback" not in first.stderr and "JobLookupError" not in first.stderr, first.stderr[-3000:]
    assert "stopped" in first.stderr

    # The standby runs the scheduler now: the next reminders fall due and fire within 5 s of their due time.
    wait_until(second.leads, timeout=10, what="the standby to take the lease")
    wait_until(
        lambda: sum(1 for due, _ in _fired(postgres_url) if due > termed) >= 2,
        timeout=20,
        what="two reminders due after the SIGTERM",
    )
    after = [(due, fired) for due, fired in _fired(postgres_url) if due > termed]
    assert all((fired - due).total_seconds() < 5 for due, fired in after), (after, took)
    # Nothing fired twice: one post per due time, never two close together.
    wait_until(
        lambda: len(_nudge_posts(ws, channel.id)) >= len(_fired(postgres_url)), timeout=10, what="the posts"
    )
    posts = _nudge_posts(ws, channel.id)
    assert len(posts) == len(_fired(postgres_url))
    assert all(b - a > 1.5 for a, b in itertools.pairwise(posts)), posts
