"""Figure 4, throughput: declarations plus updates a second before the ack p99 passes 1 s, and alerts at 200/s.

For SQLite and for PostgreSQL, one real `incident-bot serve` gets slash commands at a fixed rate (open loop:
a request's time counts from when it was due to be sent, so time queued behind a slow bot counts), half
`/incident SEV3 …` declarations and half `/incident update …` in the channels of open incidents, stepping
the rate up until the acknowledgement p99 passes 1 s. The sustained rate is the highest step within it.
Then `POST /alerts/generic` (bearer token) at 200 alerts a second: the 202's p50/p99.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import requests

from bench.common import SHIPPED_PLAYBOOKS, BenchEnv, Row, ServedApp, percentile
from bench.load import bench_playbooks, insert_open_incidents, open_loop
from bot.emulator.driver import SlackDriver
from bot.emulator.workspace import Workspace
from bot.storage import migrate
from bot.storage.db import make_engine

NAME = "throughput"
TITLE = "Throughput: declarations plus updates per second within a 1 s ack p99; alerts' 202 at 200/s"
ACK_P99_LIMIT_S = 1.0
UPDATED_INCIDENTS = 20  # open incidents whose channels get the updates
ALERT_RATE = 200.0
ALERTS_TOKEN = "bench-alerts-token"
USERS = ("U0ALICE", "U0BOB", "U0CAROL")


def run(env: BenchEnv, quick: bool) -> list[Row]:
    if quick:
        return measure(env, [10.0, 40.0], 3.0, 2.0)
    return measure(env, [5.0, 10.0, 20.0, 40.0, 80.0], 6.0, 5.0)


def measure(env: BenchEnv, steps: list[float], seconds: float, alert_seconds: float) -> list[Row]:
    """Step the command rate through ``steps`` (``seconds`` each) on both databases, then the alerts."""
    rows: list[Row] = []
    backends = (("SQLite", env.sqlite("throughput")), ("PostgreSQL", env.database("throughput")))
    for backend, url in backends:
        workspace, bot = _bot(env, url)
        rows += _commands(backend, bot, workspace, steps, seconds)
        if backend == "PostgreSQL":
            rows += _alerts(bot, alert_seconds)
        bot.stop()
    return rows


def _bot(env: BenchEnv, url: str) -> tuple[Workspace, ServedApp]:
    playbooks = bench_playbooks(SHIPPED_PLAYBOOKS, env.workdir / "playbooks-throughput", 3600)
    engine = make_engine(url)
    migrate.upgrade(engine)
    workspace, slack = env.slack()
    now = datetime.now(UTC)
    insert_open_incidents(engine, playbooks, workspace, [now + timedelta(hours=1)] * UPDATED_INCIDENTS, now)
    engine.dispose()
    bot = env.serve_bot(url, slack, playbooks_dir=playbooks, ALERTS_TOKEN_GENERIC=ALERTS_TOKEN)
    return workspace, bot


def _commands(backend: str, bot: ServedApp, workspace: Workspace, steps: list[float], seconds: float) -> list[Row]:
    found = workspace.channel_by_name("general")
    assert found is not None, "the emulated workspace has no #general"
    general = found.id
    channels = [c.id for c in workspace.channels.values() if c.name.startswith("inc-bench-")]
    local = threading.local()
    failures: list[str] = []
    rows: list[Row] = []
    sustained = 0.0
    for rate in steps:
        tag = f"{backend[:2]}{int(rate)}"

        def one(i: int, tag: str = tag) -> None:
            driver: SlackDriver | None = getattr(local, "driver", None)
            if driver is None:
                driver = local.driver = bot.driver(workspace, timeout=30.0)
            user = USERS[i % len(USERS)]
            try:
                if i % 2 == 0:
                    response = driver.slash_command(user, general, f"SEV3 bench load {tag} {i}")
                else:
                    text = f"update step {tag}, note {i}"
                    response = driver.slash_command(user, channels[i % len(channels)], text)
            except requests.RequestException as error:  # no answer at all: counted, the run goes on
                failures.append(type(error).__name__)
                return
            if response.status_code != 200:
                failures.append(f"{response.status_code}")

        failures.clear()
        times = open_loop(rate, seconds, one)
        p50, p99 = percentile(times, 50), percentile(times, 99)
        case = f"{backend}, {rate:g}/s"
        within = p99 <= ACK_P99_LIMIT_S and not failures
        rows.append(Row(NAME, case, "ack p50", p50 * 1000, "ms"))
        rows.append(Row(NAME, case, "ack p99", p99 * 1000, "ms", "<= 1000 ms", within))
        if failures:
            rows.append(Row(NAME, case, "requests not answered 200", float(len(failures)), "requests", "0", False))
        if not within:
            break
        sustained = rate
        if rate != steps[-1]:
            time.sleep(2.0)  # let the step's Slack work drain before the next
    case = f"{backend} (the highest step tried: more may fit)" if sustained == steps[-1] else backend
    rows.append(Row(NAME, case, "sustained commands within a 1 s ack p99", sustained, "/s"))
    return rows


def _alerts(bot: ServedApp, seconds: float) -> list[Row]:
    local = threading.local()
    statuses: list[int] = []
    headers = {"Authorization": f"Bearer {ALERTS_TOKEN}"}

    def one(i: int) -> None:
        session: requests.Session | None = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        body = {"name": f"Bench alert {i % 10}", "fingerprint": f"bench-{i % 10}", "status": "firing",
                "summary": "load"}
        try:
            response = session.post(f"{bot.url}/alerts/generic", json=body, headers=headers, timeout=30)
        except requests.RequestException:
            statuses.append(0)  # no answer at all
            return
        statuses.append(response.status_code)

    times = open_loop(ALERT_RATE, seconds, one)
    refused = sum(1 for s in statuses if s != 202)
    p99 = percentile(times, 99)
    case = f"PostgreSQL, {ALERT_RATE:g} alerts/s"
    return [
        Row(NAME, case, "alerts 202 p50", percentile(times, 50) * 1000, "ms"),
        Row(NAME, case, "alerts 202 p99", p99 * 1000, "ms"),
        Row(NAME, case, "alerts not answered 202", float(refused), "requests", "0", refused == 0),
    ]
