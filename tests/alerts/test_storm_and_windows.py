"""Grouping windows on a controllable clock, and an alert storm folded into one incident (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.alert_models import AlertQueueItem, IncidentAlert
from tests.alerts import payloads as p
from tests.alerts.conftest import alert_settings
from tests.alerts.helpers import post_alert
from tests.alerts.test_behaviour import alert_playbooks, card, settled
from tests.harness import find_block, shows, start_bot


class AheadClock:
    """Real time plus an offset the test moves forward (rows stamped by real time stay due)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, minutes: float) -> None:
        self.offset += timedelta(minutes=minutes)


def _payments(name: str, fingerprint: str, service: str = "payments") -> dict[str, Any]:
    return p.alertmanager(name, fingerprint=fingerprint, env="prod", service=service)


def test_a_group_joins_within_its_window_and_declares_anew_after_it(sqlite_url: str, tmp_path: Path) -> None:
    clock = AheadClock()
    bot = start_bot(
        sqlite_url, playbooks_dir=alert_playbooks(tmp_path), clock=clock, alerts_poll_seconds=0.2, **alert_settings()
    )
    try:
        post_alert(bot, "alertmanager", _payments("PaymentsErrorRate", "f1"))
        settled(bot)
        [first] = bot.container.services.incidents.list_open()
        clock.advance(minutes=29)
        post_alert(bot, "alertmanager", _payments("PaymentsLatency", "f2"))  # 29 minutes on: joins
        post_alert(bot, "alertmanager", _payments("PaymentsLatency", "f3", service="ledger"))  # another service
        settled(bot)
        open_now = bot.container.services.incidents.list_open()
        assert len(open_now) == 2
        assert shows(find_block(card(bot, first.id), "alerts"), "2 alerts grouped here")
        clock.advance(minutes=2)  # 31 minutes after the first declaration: the window is over
        post_alert(bot, "alertmanager", _payments("PaymentsTimeouts", "f4"))
        settled(bot)
        titles = sorted(i.title for i in bot.container.services.incidents.list_open())
        assert len(titles) == 3 and any(t.startswith("PaymentsTimeouts") for t in titles)
        # The earlier alerts keep de-duplicating into the first incident, window or not.
        post_alert(bot, "alertmanager", _payments("PaymentsLatency", "f2"))
        settled(bot)
        assert len(bot.container.services.incidents.list_open()) == 3
        assert shows(find_block(card(bot, first.id), "alerts"), "alert fired 3 times")
    finally:
        bot.stop()


@pytest.mark.slow
def test_an_alert_storm_makes_one_incident(database_url: str, tmp_path: Path) -> None:
    bot = start_bot(database_url, playbooks_dir=alert_playbooks(tmp_path), alerts_poll_seconds=0.2, **alert_settings())
    try:
        bodies = []
        for n in range(25):  # 25 webhooks of 10 alerts: 150 distinct alerts, 250 firings
            body = _payments("PaymentsErrorRate", f"fp{n}")
            body["alerts"] = [
                dict(body["alerts"][0], fingerprint=f"fp{(n * 10 + i) % 150}",
                     labels={**body["alerts"][0]["labels"], "instance": f"payments-{(n * 10 + i) % 150}"})
                for i in range(10)
            ]
            bodies.append(body)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda b: post_alert(bot, "alertmanager", b), bodies))
        assert [a.status_code for a in answers] == [202] * 25
        assert time.monotonic() - started < 10
        settled(bot, timeout=60)
        [incident] = bot.container.services.incidents.list_open()
        with bot.container.uow() as session:
            linked = session.execute(select(func.count()).select_from(IncidentAlert)).scalar_one()
            fired = session.execute(select(func.sum(IncidentAlert.fired))).scalar_one()
            states = set(session.execute(select(AlertQueueItem.state)).scalars())
        assert (linked, fired, states) == (150, 250, {"done"})
        assert shows(find_block(card(bot, incident.id), "alerts"), "alert fired 250 times", "150 alerts grouped here")
        created = [c for c in bot.workspace.calls if c.method == "conversations.create" and c.ok]
        assert len(created) == 1
    finally:
        bot.stop()
