"""Two real ``incident-bot serve`` processes on one PostgreSQL and one Redis: effects post once, failover works."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.emulator.driver import SlackDriver
from bot.emulator.models import Channel
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from bot.slack import ids
from tests.harness import SIGNING_SECRET, has_action, wait_until
from tests.scheduling.helpers import FAST_PLAYBOOKS, is_page, page_text

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replica:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def leads(self) -> bool:
        return "elected to run the scheduler" in self.log.read_text()

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def cluster(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[Workspace, list[Replica]]]:
    yield from _cluster(tmp_path, DATABASE_URL=postgres_url, REDIS_URL=redis_url)


@pytest.fixture
def cluster_without_redis(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Workspace, list[Replica]]]:
    # The periodic re-sync is made too slow to matter: only a wake-up can make the leader act quickly.
    yield from _cluster(tmp_path, DATABASE_URL=postgres_url, SCHEDULER_RESYNC_SECONDS="300")


def _cluster(tmp_path: Path, **settings: str) -> Iterator[tuple[Workspace, list[Replica]]]:
    ws = Workspace()
    emulator = EmulatorServer(ws).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_"))}
    env.update(
        PLAYBOOKS_DIR=str(FAST_PLAYBOOKS),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        OUTBOX_POLL_SECONDS="0.3",
        **settings,
    )
    first = Replica(env, tmp_path / "first.log")
    wait_until(first.healthy, timeout=60, what="first replica")
    wait_until(first.leads, timeout=20, what="the first replica to take the leader lease")
    second = Replica(env, tmp_path / "second.log")
    wait_until(second.healthy, timeout=60, what="second replica")
    try:
        yield ws, [first, second]
    finally:
        for replica in (first, second):
            replica.kill()
        emulator.stop()


def _channel(ws: Workspace, suffix: str) -> Channel | None:
    with ws.lock:
        return next((c for c in ws.channels.values() if c.name.endswith(suffix) and c.purpose), None)


def _nudges(ws: Workspace, channel_id: str) -> list[float]:
    return sorted(float(m.ts) for m in ws.messages(channel_id) if has_action(m, ids.NUDGE_SNOOZE))


def _pages(ws: Workspace, user: str, ref: str) -> int:
    return len(
        [m for m in ws.dm_messages(user) if is_page(m) and f"*{ref}*" in page_text(m)]
    )


def test_two_replicas_post_each_effect_once_and_survive_the_leader_dying(
    cluster: tuple[Workspace, list[Replica]],
) -> None:
    ws, (first, second) = cluster
    general = ws.channel_by_name("general").id
    # Declarations arrive at either replica, as behind a load balancer.
    SlackDriver(second.url, SIGNING_SECRET, ws).slash_command("U0ALICE", general, "SEV2 replica nudges")
    SlackDriver(first.url, SIGNING_SECRET, ws).slash_command("U0ALICE", general, "SEV1 replica paging")
    nudged = wait_until(lambda: _channel(ws, "replica-nudges"), timeout=30, what="channel")
    paged = wait_until(lambda: _channel(ws, "replica-paging"), timeout=30, what="channel")
    inc_ref = paged.purpose.split(" ")[0]
    assert inc_ref.startswith("INC-")

    # Escalation: bob (level 1), carol after 3s (level 2), then the chain repeats once: each page exactly once.
    wait_until(lambda: _pages(ws, "U0CAROL", inc_ref) >= 2, timeout=40, what="the repeated chain")
    time.sleep(2)
    assert _pages(ws, "U0BOB", inc_ref) == 2
    assert _pages(ws, "U0CAROL", inc_ref) == 2

    # Nudges every 3 s: never two for the same due time.
    wait_until(lambda: len(_nudges(ws, nudged.id)) >= 3, timeout=30, what="three nudges")
    times = _nudges(ws, nudged.id)
    assert all(b - a > 1.5 for a, b in itertools.pairwise(times)), times

    # The leader dies without releasing its lease; the standby takes over within 15 s and carries on.
    assert first.leads() and not second.leads()
    first.kill()
    killed_at = time.time()
    wait_until(
        lambda: any(t > killed_at + 1 for t in _nudges(ws, nudged.id)),
        timeout=25,
        what="nudges after failover",
    )
    wait_until(second.leads, timeout=16, what="the standby to take the lease")
    after = [t for t in _nudges(ws, nudged.id) if t > killed_at]
    assert after[0] - killed_at < 16
    times = _nudges(ws, nudged.id)
    assert all(b - a > 1.5 for a, b in itertools.pairwise(times)), times


def test_without_redis_a_follower_wakes_the_leader_through_postgresql(
    cluster_without_redis: tuple[Workspace, list[Replica]],
) -> None:
    ws, (first, second) = cluster_without_redis
    assert first.leads() and not second.leads()
    general = ws.channel_by_name("general").id
    declared_at = time.time()
    # Declared on the follower: the leader only learns of the new escalation chain by a wake-up.
    SlackDriver(second.url, SIGNING_SECRET, ws).slash_command("U0ALICE", general, "SEV1 wake over postgres")
    paged = wait_until(lambda: _channel(ws, "wake-over-postgres"), timeout=30, what="channel")
    ref = paged.purpose.split(" ")[0]
    wait_until(lambda: _pages(ws, "U0BOB", ref) >= 1, timeout=20, what="the level-1 page")
    assert time.time() - declared_at < 20  # the re-sync alone would have taken 300 s
