"""Prometheus metrics: one registry per container; shared-state gauges read the database at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.storage.gauges import SharedState

log = logging.getLogger(__name__)

PREFIX = "incident_bot_"
# Seconds from declaration to acknowledgement: a page should be answered in minutes.
ACK_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0)
# Slack must have its answer within 3 s.
REQUEST_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
SLACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FIRE_LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REQUEST_KINDS = frozenset({"command", "block_actions", "view_submission", "view_closed", "event", "shortcut"})


class Metrics:
    """Counters and histograms incremented where things happen, plus the database-backed gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.incidents_declared = Counter(
            PREFIX + "incidents_declared", "Incidents declared", ["severity"], registry=r
        )
        self.time_to_acknowledge = Histogram(
            PREFIX + "time_to_acknowledge_seconds",
            "Seconds from declaration to the first acknowledgement",
            ["severity"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.nudges_sent = Counter(PREFIX + "nudges_sent", "Update reminders posted", registry=r)
        self.pages_sent = Counter(PREFIX + "pages_sent", "Pages sent, by pager", ["pager"], registry=r)
        self.escalations = Counter(
            PREFIX + "escalations", "Escalations to the next level (automatic or requested)", registry=r
        )
        self.outbox_failed = Counter(
            PREFIX + "outbox_failed", "Outbox deliveries given up for good", registry=r
        )
        self.slack_api_calls = Counter(
            PREFIX + "slack_api_calls", "Slack Web API calls", ["method", "outcome"], registry=r
        )
        self.slack_api_seconds = Histogram(
            PREFIX + "slack_api_seconds",
            "Slack Web API call latency",
            ["method"],
            buckets=SLACK_BUCKETS,
            registry=r,
        )
        self.request_ack_seconds = Histogram(
            PREFIX + "request_ack_seconds",
            "Seconds from a Slack request's arrival to its acknowledgement",
            ["kind"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.scheduler_is_leader = Gauge(
            PREFIX + "scheduler_is_leader", "1 while this process holds the scheduler lease", registry=r
        )
        self.scheduler_fire_lag = Histogram(
            PREFIX + "scheduler_fire_lag_seconds",
            "Seconds between a job's due time and its firing",
            buckets=FIRE_LAG_BUCKETS,
            registry=r,
        )

        self.db_statements = Counter(
            PREFIX + "db_statements", "SQL statements run by this process", registry=r
        )

        self.alerts_accepted = Counter(
            PREFIX + "alerts_accepted", "Alerts accepted into the queue, by source", ["source"], registry=r
        )
        self.alerts_refused = Counter(
            PREFIX + "alerts_refused", "Alert requests refused, by source and reason", ["source", "reason"], registry=r
        )
        self.alerts_routed = Counter(
            PREFIX + "alerts_routed", "Alerts routed by the worker, by source and action", ["source", "action"], registry=r
        )
        self.alerts_deduplicated = Counter(
            PREFIX + "alerts_deduplicated", "Alerts that repeated one of an open incident", ["source"], registry=r
        )
        self.alerts_grouped = Counter(
            PREFIX + "alerts_grouped", "Alerts that joined an open incident by group", ["source"], registry=r
        )

    # -- call sites ------------------------------------------------------------------------------
    def slack_call(self, method: str, outcome: str, seconds: float) -> None:
        self.slack_api_calls.labels(method, outcome).inc()
        self.slack_api_seconds.labels(method).observe(seconds)

    def request_acked(self, kind: str, seconds: float) -> None:
        self.request_ack_seconds.labels(kind if kind in REQUEST_KINDS else "other").observe(seconds)

    def fired(self, due_at: datetime, now: datetime) -> None:
        self.scheduler_fire_lag.observe(max(0.0, (now - due_at).total_seconds()))

    def watch_leadership(self, is_leader: Callable[[], bool]) -> None:
        self.scheduler_is_leader.set_function(lambda: 1.0 if is_leader() else 0.0)

    def watch_shared_state(
        self,
        read: Callable[[], SharedState],
        severities: Callable[[], Iterable[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self.registry.register(SharedStateCollector(read, severities, clock))

    # -- exposition ------------------------------------------------------------------------------
    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class SharedStateCollector(Collector):
    """Open incidents and outbox depth, read from the database at each scrape so replicas agree."""

    def __init__(
        self,
        read: Callable[[], SharedState],
        severities: Callable[[], Iterable[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self.read = read
        self.severities = severities
        self.clock = clock

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        try:
            state = self.read()
        except Exception:  # the database is down: serve the counters, leave these gauges out
            log.warning("metrics: could not read open incidents and outbox depth", exc_info=True)
            return
        incidents, pending, oldest = self._families()
        counts = dict.fromkeys(self.severities(), 0) | state.open_by_severity
        for severity, count in sorted(counts.items()):
            incidents.add_metric([severity], count)
        pending.add_metric([], state.outbox_pending)
        age = 0.0
        if state.outbox_oldest_created_at is not None:
            age = max(0.0, (self.clock() - state.outbox_oldest_created_at.astimezone(UTC)).total_seconds())
        oldest.add_metric([], age)
        yield from (incidents, pending, oldest)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(PREFIX + "incidents_open", "Open incidents, by severity", labels=["severity"]),
            GaugeMetricFamily(PREFIX + "outbox_pending", "Slack effects waiting to be delivered"),
            GaugeMetricFamily(
                PREFIX + "outbox_oldest_age_seconds", "Age of the oldest undelivered Slack effect"
            ),
        )
