"""Load for the scheduler and throughput figures: bench playbooks, open incidents in bulk, process usage, open-loop rates."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.emulator.workspace import Workspace
from bot.playbooks.loader import SEVERITIES_FILE, load_playbooks
from bot.storage.models import Incident, IncidentCounter

BENCH_SEVERITY = "SEV4"  # the least severe shipped level: no escalation policy pages anybody
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def bench_playbooks(shipped: Path, into: Path, update_every_s: int) -> Path:
    """A copy of the shipped playbooks whose severities remind every ``update_every_s`` seconds."""
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(shipped, into)
    path = into / SEVERITIES_FILE
    document = yaml.safe_load(path.read_text())
    for severity in document["severities"].values():
        severity["update_every"] = f"{update_every_s}s"
        severity["status_page"] = "never" if severity.get("private") else "optional"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return into


def insert_open_incidents(
    engine: Engine, playbooks_dir: Path, workspace: Workspace, dues: list[datetime], now: datetime
) -> dict[str, int]:
    """One open, acknowledged incident per due time, each with its own emulated channel; channel -> id."""
    playbooks = load_playbooks(playbooks_dir)
    severity = playbooks.severities.lookup(BENCH_SEVERITY)
    assert severity is not None, f"{BENCH_SEVERITY} is not in {playbooks_dir}"
    snapshot = {
        "severities": [s.to_snapshot() for s in playbooks.severities],
        "roles": [r.to_snapshot() for r in playbooks.roles],
    }
    channels = [workspace.create_channel(f"inc-bench-{n}").id for n in range(len(dues))]
    rows = [
        {
            "ref": f"INC-{now.year}-B{n:05d}", "year": now.year, "seq": 100_000 + n,
            "title": f"bench incident {n}", "description": "", "severity_id": severity.id,
            "severity_rank": severity.rank, "status": "investigating", "reporter_id": "U0ALICE",
            "private": False, "policy_snapshot": snapshot, "channel_id": channel,
            "channel_name": f"inc-bench-{n}", "declared_at": now - timedelta(minutes=1),
            "last_update_at": now - timedelta(minutes=1), "acknowledged_at": now - timedelta(minutes=1),
            "acknowledged_by": "U0ALICE", "next_update_due_at": due, "updated_at": now,
        }
        for n, (channel, due) in enumerate(zip(channels, dues, strict=True))
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(Incident), rows[start : start + 2000])
        conn.execute(insert(IncidentCounter), [{"year": now.year, "last_seq": 200_000}])
    with engine.connect() as conn:
        found = conn.execute(Incident.__table__.select().with_only_columns(Incident.channel_id, Incident.id))
        return {str(c): int(i) for c, i in found}


@dataclass(frozen=True)
class Usage:
    """A process's CPU seconds so far, its peak resident memory and the bot's statement counter."""

    cpu_s: float
    peak_rss_mb: float
    statements: float


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def metric(url: str, name: str) -> float:
    """The sum of one metric's samples on a bot's /metrics."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


def usage(pid: int, url: str) -> Usage:
    return Usage(cpu_seconds(pid), peak_rss_mb(pid), metric(url, "incident_bot_db_statements_total"))


class Arrivals:
    """Wall-clock arrival times of the messages posted to a set of emulated channels."""

    def __init__(self, workspace: Workspace, channels: set[str]) -> None:
        self.channels = channels
        self.times: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self.unsubscribe = workspace.subscribe(self._seen)

    def _seen(self, event: dict[str, object]) -> None:
        channel = str(event.get("channel"))
        if event.get("type") == "message_posted" and channel in self.channels:
            with self._lock:
                self.times.setdefault(channel, []).append(time.time())

    def count(self) -> int:
        with self._lock:
            return sum(len(t) for t in self.times.values())


def open_loop(rate: float, seconds: float, one: Callable[[int], None], workers: int = 64) -> list[float]:
    """Start ``one(i)`` at ``rate`` a second for ``seconds``; each call's seconds from when it was due to start
    to its end (so time queued behind a slow server counts, as it does for Slack)."""
    total = max(1, int(rate * seconds))
    began = time.perf_counter() + 0.2
    times: list[float] = []
    lock = threading.Lock()

    def call(i: int) -> None:
        due = began + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        one(i)
        with lock:
            times.append(time.perf_counter() - due)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(call, i) for i in range(total)]:
            future.result()
    return times
