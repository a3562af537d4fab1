"""Figure 3, the scheduler at scale: N open incidents on PostgreSQL, a steady 20 reminders a second falling due.

Each size gets a fresh database holding N open, acknowledged incidents (inserted in bulk), a bench copy of
the playbooks whose reminder cadence is N / 20 seconds, and their first due times spread 1/20 s apart, so
20 reminders fall due each second whatever N. One real `incident-bot serve` (the elected scheduler) runs
against them; the emulator notes when each reminder arrives. Measured over the window: firing lag (due time
to the reminder's arrival in Slack) p50/p99, SQL statements and CPU milliseconds of the bot process per
fired reminder, and its peak RSS.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bench.common import SHIPPED_PLAYBOOKS, BenchEnv, Row, percentile
from bench.load import Arrivals, bench_playbooks, insert_open_incidents, usage
from bot.scheduling.runner import JOBS_TABLE
from bot.services.pages import NUDGED
from bot.storage import migrate
from bot.storage.db import make_engine
from bot.storage.models import TimelineEntry

NAME = "scheduler"
TITLE = "Scheduler at scale: reminder firing lag, statements, CPU and memory per fired reminder"
RATE = 20  # reminders falling due per second
LEAD_S = 6.0  # from inserting the incidents to the first due time (the bot starts meanwhile)
LEAD_PER_INCIDENT_S = 0.003  # and time for its first re-sync to write every incident's job


def run(env: BenchEnv, quick: bool) -> list[Row]:
    return measure(env, [100] if quick else [100, 1_000, 10_000], 6.0 if quick else 25.0)


def measure(env: BenchEnv, sizes: list[int], window: float) -> list[Row]:
    """The figure's rows for these numbers of open incidents, each measured over ``window`` seconds."""
    return [row for size in sizes for row in _one_size(env, size, window)]


def _one_size(env: BenchEnv, size: int, window: float) -> list[Row]:
    cadence = max(1, size // RATE)
    playbooks = bench_playbooks(SHIPPED_PLAYBOOKS, env.workdir / f"playbooks-scheduler-{size}", cadence)
    url = env.database(f"scheduler{size}")
    engine = make_engine(url)
    migrate.upgrade(engine)
    workspace, slack = env.slack()
    # Due times 1/RATE s apart from a moment after the scheduler's first re-sync (which fills its job store).
    first_due = datetime.now(UTC) + timedelta(seconds=LEAD_S + size * LEAD_PER_INCIDENT_S)
    dues = [first_due + timedelta(seconds=n / RATE) for n in range(size)]
    ids = insert_open_incidents(engine, playbooks, workspace, dues, datetime.now(UTC))
    arrivals = Arrivals(workspace, set(ids))
    bot = env.serve_bot(url, slack, playbooks_dir=playbooks, RUN_SCHEDULER="true")
    healthy = time.monotonic()
    pid = bot.proc.pid
    _wait_for_jobs(engine, size, first_due + timedelta(seconds=60))
    filled_s = time.monotonic() - healthy
    start = max(first_due, datetime.now(UTC) + timedelta(seconds=1))
    _sleep_until(start)
    before = usage(pid, bot.url)
    _sleep_until(start + timedelta(seconds=window))
    after = usage(pid, bot.url)
    time.sleep(2.0)  # reminders due in the window may still be on their way
    arrivals.unsubscribe()
    lags, fired, missing = _lags(engine, ids, arrivals, start, start + timedelta(seconds=window))
    bot.stop()
    engine.dispose()
    case = f"{size} open"
    in_window = max(1, fired)
    cpu_ms = (after.cpu_s - before.cpu_s) * 1000 / in_window
    statements = (after.statements - before.statements) / in_window
    return [
        Row(NAME, case, "scheduler start (job store filled)", filled_s, "s"),
        Row(NAME, case, "reminders fired", fired / window, "/s", f"{RATE}/s", fired / window >= RATE * 0.95),
        Row(NAME, case, "firing lag p50", percentile(lags, 50) * 1000, "ms"),
        Row(NAME, case, "firing lag p99", percentile(lags, 99) * 1000, "ms", "< 1000 ms",
            bool(lags) and percentile(lags, 99) < 1.0 and missing == 0),
        Row(NAME, case, "fired, never arrived", float(missing), "reminders", "0", missing == 0),
        Row(NAME, case, "SQL statements per reminder", statements, "statements"),
        Row(NAME, case, "CPU per reminder", cpu_ms, "ms"),
        Row(NAME, case, "bot peak RSS", after.peak_rss_mb, "MB", "< 250 MB", after.peak_rss_mb < 250),
    ]


def _lags(
    engine: Engine, ids: dict[str, int], arrivals: Arrivals, start: datetime, end: datetime
) -> tuple[list[float], int, int]:
    """Pair each reminder recorded in an incident's timeline (its due time) with the n-th message that
    arrived in the incident's channel; the lags of those due in the window, how many, and how many never came."""
    with engine.connect() as conn:
        found = conn.execute(
            select(TimelineEntry.incident_id, TimelineEntry.data)
            .where(TimelineEntry.kind == NUDGED)
            .order_by(TimelineEntry.id)
        ).all()
    dues: dict[int, list[datetime]] = {}
    for incident_id, data in found:
        dues.setdefault(int(incident_id), []).append(datetime.fromisoformat(str(data["due_at"])))
    channel_of = {incident: channel for channel, incident in ids.items()}
    lags: list[float] = []
    fired = missing = 0
    for incident_id, due_times in dues.items():
        arrived = arrivals.times.get(channel_of[incident_id], [])
        for n, due in enumerate(due_times):
            if not start <= due < end:
                continue
            fired += 1
            if n < len(arrived):
                lags.append(max(0.0, arrived[n] - due.timestamp()))
            else:
                missing += 1
    return lags, fired, missing


def _wait_for_jobs(engine: Engine, size: int, until: datetime) -> None:
    """Until the scheduler's job store holds a job per incident (its first re-sync is done)."""
    while datetime.now(UTC) < until:
        try:
            with engine.connect() as conn:
                count = conn.exec_driver_sql(f"SELECT count(*) FROM {JOBS_TABLE}").scalar_one()
            if count >= size:
                return
        except DBAPIError:
            pass  # the scheduler has not created its table yet
        time.sleep(0.2)


def _sleep_until(moment: datetime) -> None:
    pause = (moment - datetime.now(UTC)).total_seconds()
    if pause > 0:
        time.sleep(pause)
