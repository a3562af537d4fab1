"""Recorded alert payloads in each source's real shape (as the public docs show them), for the alert tests."""

from __future__ import annotations

import copy
import json
from typing import Any

# Alertmanager webhook_config, payload version 4 (prometheus.io/docs/alerting/latest/configuration/#webhook_config).
ALERTMANAGER: dict[str, Any] = {
    "receiver": "incident-bot",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "PaymentsErrorRate",
                "env": "prod",
                "instance": "payments-1:9090",
                "job": "payments",
                "service": "payments",
                "severity": "critical",
            },
            "annotations": {
                "summary": "Payment API error rate above 5%",
                "description": "5xx ratio 7.2% over the last 5 minutes",
            },
            "startsAt": "2026-12-02T21:58:00.123Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=payments_errors%3E0.05&g0.tab=1",
            "fingerprint": "c8f0a5e3c2b8d1a4",
        }
    ],
    "groupLabels": {"alertname": "PaymentsErrorRate"},
    "commonLabels": {"alertname": "PaymentsErrorRate", "env": "prod", "service": "payments"},
    "commonAnnotations": {"summary": "Payment API error rate above 5%"},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}:{alertname="PaymentsErrorRate"}',
    "truncatedAlerts": 0,
}

# A Datadog webhook whose body is the one the README tells you to paste, with Datadog's variables filled in.
DATADOG: dict[str, Any] = {
    "id": "7158421390012254893",
    "alert_id": "1234567",
    "title": "[Triggered] Payments error rate high",
    "transition": "Triggered",
    "priority": "P1",
    "tags": "env:prod,service:payments,team:checkout,monitor",
    "link": "https://app.datadoghq.com/event/event?id=7158421390012254893",
    "aggreg_key": "b1e8e0b5d1a6f2c3",
    "body": "Error rate 7.2% > 5% on payments",
    "date": "1764712680000",
}

GENERIC: dict[str, Any] = {
    "name": "checkout healthcheck",
    "status": "firing",
    "fingerprint": "healthcheck-checkout",
    "summary": "https://shop.example.com/health answered 503 three times",
    "severity": "SEV2",
    "labels": {"env": "prod", "service": "checkout"},
    "url": "https://status.internal/checks/checkout",
}


def alertmanager(
    name: str = "PaymentsErrorRate",
    fingerprint: str = "c8f0a5e3c2b8d1a4",
    status: str = "firing",
    **labels: str,
) -> dict[str, Any]:
    body = copy.deepcopy(ALERTMANAGER)
    alert = body["alerts"][0]
    alert["labels"].update({"alertname": name, **labels})
    alert["fingerprint"] = fingerprint
    alert["status"] = status
    body["status"] = status
    body["commonLabels"] = dict(alert["labels"])
    return body


def datadog(transition: str = "Triggered", **changes: str) -> dict[str, Any]:
    body = copy.deepcopy(DATADOG)
    body["transition"] = transition
    body["title"] = f"[{transition}] Payments error rate high"
    body.update(changes)
    return body


def generic(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(GENERIC)
    body.update(changes)
    return body


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()
