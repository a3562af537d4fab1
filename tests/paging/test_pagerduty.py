"""The PagerDuty Events API v2 pager against a local HTTP fake: trigger, acknowledge, resolve, retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.domain.severity import Severity
from bot.domain.status import Status
from bot.paging.pagerduty import PagerDutyPager
from bot.services.outbox import Delivery, GiveUp, RetryLater
from bot.services.ports import Page
from bot.services.read_models import IncidentView


class FakeEvents:
    """Records every event; answers with the next queued status (202 when none)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.replies: list[tuple[int, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.events.append(body)
                status, headers = fake.replies.pop(0) if fake.replies else (202, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"status": "success", "dedup_key": body.get("dedup_key")}).encode())

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeEvents]:
    server = FakeEvents()
    try:
        yield server
    finally:
        server.close()


def _incident() -> IncidentView:
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    return IncidentView(
        id=7, ref="INC-2026-0007", title="payments down", description="", severity=Severity("SEV1", "Critical"),
        status=Status.INVESTIGATING, reporter_id="U0ALICE", private=False, roles=(), channel_id="C1",
        channel_name="inc", card_ts=None, broadcast_channel_id=None, broadcast_ts=None, impact="",
        last_update_text="", last_update_by=None, last_update_at=now, next_update_due_at=None,
        resolution_summary="", declared_at=now, acknowledged_at=None, acknowledged_by=None, mitigated_at=None,
        resolved_at=None,
    )


def _delivery() -> Delivery:
    return Delivery("paging.page", {}, {}, _incident(), lambda _id: None, list)


def test_trigger_acknowledge_and_resolve_share_one_dedup_key(fake: FakeEvents) -> None:
    pager = PagerDutyPager("R0UTING", fake.url)
    inc = _incident()
    d = _delivery()
    pager.page(d, Page(inc, ("U0BOB",), 1, 0, "SEV1 declared", "default"))
    pager.page(d, Page(inc, ("U0BOB",), 1, 0, "SEV1 declared", "default"))  # a retry of the same delivery
    pager.acknowledge(d, inc, "U0BOB")
    pager.resolve(d, inc)
    actions = [e["event_action"] for e in fake.events]
    assert actions == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in fake.events} == {"incident-bot-INC-2026-0007"}
    assert all(e["routing_key"] == "R0UTING" for e in fake.events)
    trigger = fake.events[0]["payload"]
    assert trigger["severity"] == "critical" and "payments down" in trigger["summary"]
    assert trigger["source"] == "incident-bot"


def test_rate_limit_is_retried_after_the_servers_delay(fake: FakeEvents) -> None:
    pager = PagerDutyPager("R0UTING", fake.url)
    d = _delivery()
    fake.replies.append((429, {"Retry-After": "7"}))
    with pytest.raises(RetryLater) as exc:
        pager.page(d, Page(_incident(), (), 1, 0, "why", "default"))
    assert exc.value.after_seconds == 7
    assert not d.done("pagerduty:trigger:0:1")
    pager.page(d, Page(_incident(), (), 1, 0, "why", "default"))
    assert d.done("pagerduty:trigger:0:1") and len(fake.events) == 2


def test_server_errors_retry_and_bad_requests_give_up(fake: FakeEvents) -> None:
    pager = PagerDutyPager("R0UTING", fake.url)
    fake.replies.append((503, {}))
    with pytest.raises(RetryLater):
        pager.resolve(_delivery(), _incident())
    fake.replies.append((400, {}))
    with pytest.raises(GiveUp):
        pager.resolve(_delivery(), _incident())


def test_unreachable_endpoint_is_retried() -> None:
    pager = PagerDutyPager("R0UTING", "http://127.0.0.1:9/v2/enqueue", timeout=2)
    with pytest.raises(RetryLater):
        pager.acknowledge(_delivery(), _incident(), None)
