"""The scheduler-at-scale and throughput figures at tiny sizes: their rows are produced (never a timing)."""

from __future__ import annotations

import pytest

from bench import scheduler, throughput
from bench.common import BenchEnv
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow


def test_scheduler_figure_measures_reminders_falling_due(
    postgres_server: PostgresServer, redis_server: RedisServer
) -> None:
    with BenchEnv.using(postgres_server, redis_server) as env:
        rows = scheduler.measure(env, [20], 2.0)
    metrics = {row.metric: row for row in rows}
    assert {row.case for row in rows} == {"20 open"}
    assert set(metrics) == {
        "scheduler start (job store filled)", "reminders fired", "firing lag p50", "firing lag p99", "fired, never arrived",
        "SQL statements per reminder", "CPU per reminder", "bot peak RSS",
    }
    assert metrics["reminders fired"].value > 0  # reminders did fall due and fire in the window
    assert metrics["SQL statements per reminder"].value > 0 and metrics["bot peak RSS"].value > 0


def test_throughput_figure_steps_the_rate_on_both_databases_and_sends_alerts(
    postgres_server: PostgresServer, redis_server: RedisServer
) -> None:
    with BenchEnv.using(postgres_server, redis_server) as env:
        rows = throughput.measure(env, [4.0], 1.0, 1.0)
    cases = {row.case for row in rows}
    assert {"SQLite, 4/s", "PostgreSQL, 4/s", "PostgreSQL, 200 alerts/s"} <= cases
    sustained = [row for row in rows if row.metric == "sustained commands within a 1 s ack p99"]
    assert len(sustained) == 2
    alerts = {row.metric: row.value for row in rows if row.case == "PostgreSQL, 200 alerts/s"}
    assert alerts["alerts 202 p99"] > 0 and "alerts not answered 202" in alerts
