"""The playground's "Send test alert" form: sample alerts through the bot's real, token-checked endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.alerts.parsers import parse
from bot.playground.runner import Playground
from bot.playground.sample_alert import SampleAlert, SampleAlertError, parse_labels, payload
from bot.storage.alert_models import AlertQueueItem
from tests.harness import shows, wait_until

NOW = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)


def send_alert(pg: Playground, **form: Any) -> Any:
    response = requests.post(f"{pg.url}playground/alert", json={"user": "U0ALICE", **form}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def queued(pg: Playground) -> list[AlertQueueItem]:
    with pg.container.uow() as session:
        return list(session.execute(select(AlertQueueItem).order_by(AlertQueueItem.id)).scalars())


def test_the_page_has_the_form(playground: Playground) -> None:
    page = requests.get(playground.url, timeout=10).text
    assert 'id="test-alert-form"' in page and "Send test alert" in page
    for name in ("source", "name", "status", "labels"):
        assert f'name="{name}"' in page


@pytest.mark.parametrize("source", ["generic", "alertmanager"])
def test_a_test_alert_goes_through_the_real_endpoint(playground: Playground, source: str) -> None:
    result = send_alert(
        playground,
        source=source,
        name="PaymentsErrorRate",
        status="firing",
        labels="env=prod, service=payments",
    )
    assert result["ok"] is True and result["status"] == 202, result
    assert result["answer"]["alerts"] == 1
    [item] = queued(playground)
    assert item.source == source
    [alert] = parse(source, item.body.encode())
    assert alert.name == "PaymentsErrorRate" and alert.status == "firing"
    assert alert.labels["env"] == "prod" and alert.labels["service"] == "payments"


def test_the_shipped_rules_route_test_alerts(playground: Playground) -> None:
    """Alertmanager's Payments* in prod declares (the shipped payments-down rule); anything else is a notice."""
    send_alert(playground, source="alertmanager", name="PaymentsErrorRate", labels="env=prod, service=payments")
    incident = wait_until(
        lambda: next(iter(playground.container.services.incidents.list_open()), None), what="declared incident"
    )
    assert incident.reporter_id == "alert: alertmanager" and incident.severity.id == "SEV1"
    send_alert(playground, source="generic", name="DiskFull", labels="host=db1")
    broadcast = playground.workspace.channel_by_name("incidents")
    assert broadcast is not None
    wait_until(
        lambda: any(shows(m, "Alert firing", "DiskFull") for m in playground.workspace.messages(broadcast.id)),
        what="the notice in #incidents",
    )


def test_the_endpoint_still_checks_the_token(playground: Playground) -> None:
    sent = payload(SampleAlert("generic", "x", "firing", {}), NOW)
    wrong = requests.post(
        f"{playground.url}alerts/generic", json=sent, headers={"Authorization": "Bearer guess"}, timeout=10
    )
    assert wrong.status_code == 401
    assert queued(playground) == []


def test_a_wrong_form_says_what_to_change_and_sends_nothing(playground: Playground) -> None:
    assert send_alert(playground, name="", status="firing") == {
        "ok": False,
        "error": "give the alert a name, e.g. PaymentsErrorRate",
    }
    bad_labels = send_alert(playground, name="x", labels="env prod")
    assert bad_labels["ok"] is False and "name=value" in bad_labels["error"]
    assert (
        send_alert(playground, name="x", source="datadog")["error"]
        == "the source must be generic or alertmanager"
    )
    assert send_alert(playground, name="x", status="broken")["ok"] is False
    assert queued(playground) == []


def test_labels_and_payload_shapes() -> None:
    assert parse_labels("env=prod,\nservice = payments, ") == {"env": "prod", "service": "payments"}
    with pytest.raises(SampleAlertError):
        parse_labels("=prod")
    resolved = payload(SampleAlert("alertmanager", "DiskFull", "resolved", {"host": "db1"}), NOW)
    assert resolved["version"] == "4" and resolved["alerts"][0]["endsAt"] == "2026-12-02T21:00:00Z"
    [alert] = parse("alertmanager", json.dumps(resolved).encode())
    assert alert.status == "resolved" and alert.labels == {"alertname": "DiskFull", "host": "db1"}
    firing = payload(SampleAlert("generic", "DiskFull", "firing", {"host": "db1"}), NOW)
    again = payload(SampleAlert("generic", "DiskFull", "resolved", {"host": "db1"}), NOW)
    assert firing["fingerprint"] == again["fingerprint"]  # resolving matches the alert it fired
