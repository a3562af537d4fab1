"""A real ``incident-bot serve`` killed with SIGKILL after accepting an alert storm: nothing is lost, one incident.

The worker is held at the database (a test transaction locks the incident counter table) so the kill lands,
every time, after the 202s and before any alert is routed.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.emulator.workspace import Workspace
from tests.alerts import payloads as p
from tests.alerts.test_behaviour import alert_playbooks
from tests.harness import wait_until
from tests.slack.test_crash_recovery import Serve, served_bots, start_serve

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TOKEN = "am-crash-token"


@pytest.fixture
def setup(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Workspace, dict[str, str], list[Serve]]]:
    settings = {"ALERTS_TOKEN_ALERTMANAGER": TOKEN, "ALERTS_POLL_SECONDS": "0.2", "ALERTS_LEASE_SECONDS": "2"}
    with served_bots(postgres_url, alert_playbooks(tmp_path), **settings) as served:
        yield served


def _body(n: int) -> bytes:
    body = p.alertmanager("PaymentsErrorRate", fingerprint="x", env="prod", service="payments")
    template = body["alerts"][0]
    body["alerts"] = [
        dict(template, fingerprint=f"crash-{n}-{i}", labels={**template["labels"], "instance": f"p-{n}-{i}"})
        for i in range(5)
    ]
    return p.raw(body)


def test_sigkill_after_accepting_alerts_loses_none_and_declares_once(
    setup: tuple[Workspace, dict[str, str], list[Serve]], tmp_path: Path
) -> None:
    ws, env, started = setup
    log = tmp_path / "serve.log"
    first = start_serve(env, log, started)
    engine = create_engine(env["DATABASE_URL"])
    hold = engine.connect()
    try:
        hold.execute(text("LOCK TABLE incident_counters IN EXCLUSIVE MODE"))  # held until rollback

        def post(n: int) -> int:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            return requests.post(f"{first.url}/alerts/alertmanager", data=_body(n), headers=headers, timeout=10).status_code

        with ThreadPoolExecutor(max_workers=5) as pool:
            assert list(pool.map(post, range(20))) == [202] * 20
        first.kill()
    finally:
        hold.rollback()
        hold.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM alert_queue WHERE state = 'pending'")).scalar_one() == 20

    start_serve(env, log, started)

    def routed() -> bool:
        with engine.connect() as conn:
            pending = conn.execute(text("SELECT count(*) FROM alert_queue WHERE state != 'done'")).scalar_one()
            cards = conn.execute(text("SELECT count(*) FROM incidents WHERE card_ts IS NOT NULL")).scalar_one()
        return pending == 0 and cards >= 1

    wait_until(routed, timeout=60, what=f"every queued alert routed and the incident's card posted (log: {log})")
    with engine.connect() as conn:
        incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
        linked = conn.execute(text("SELECT count(*), sum(fired) FROM incident_alerts")).one()
    engine.dispose()
    assert incidents == 1
    assert tuple(linked) == (100, 100)
    created = [c for c in ws.calls if c.method == "conversations.create" and c.ok]
    assert len(created) == 1
