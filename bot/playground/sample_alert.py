"""The page's "Send test alert" form: a sample alert in a real source's shape, posted to the bot's endpoint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

JSON = dict[str, Any]
SOURCES = ("generic", "alertmanager")
STATUSES = ("firing", "resolved")
MAX_NAME = 200
SEND_TIMEOUT = 10.0


class SampleAlertError(ValueError):
    """The form is not filled in right; the message says what to change."""


@dataclass(frozen=True)
class SampleAlert:
    source: str
    name: str
    status: str
    labels: dict[str, str]
    summary: str = ""


def parse_labels(text: str) -> dict[str, str]:
    """``env=prod, service=payments`` (commas or new lines between pairs)."""
    labels: dict[str, str] = {}
    for pair in text.replace("\n", ",").split(","):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SampleAlertError(
                f"labels are name=value pairs separated by commas; {pair.strip()!r} is not"
            )
        labels[key.strip()] = value.strip()
    return labels


def read_form(body: Mapping[str, Any]) -> SampleAlert:
    source = str(body.get("source") or "generic")
    if source not in SOURCES:
        raise SampleAlertError(f"the source must be {' or '.join(SOURCES)}")
    name = str(body.get("name") or "").strip()
    if not name:
        raise SampleAlertError("give the alert a name, e.g. PaymentsErrorRate")
    if len(name) > MAX_NAME:
        raise SampleAlertError(f"the name is longer than {MAX_NAME} characters")
    status = str(body.get("status") or "firing")
    if status not in STATUSES:
        raise SampleAlertError('the status must be "firing" or "resolved"')
    labels = parse_labels(str(body.get("labels") or ""))
    return SampleAlert(source, name, status, labels, str(body.get("summary") or "").strip())


def payload(alert: SampleAlert, now: datetime) -> JSON:
    """The body the source would send: the generic JSON shape, or an Alertmanager version 4 webhook."""
    fingerprint = hashlib.sha256(json.dumps([alert.name, sorted(alert.labels.items())]).encode()).hexdigest()[
        :16
    ]
    summary = alert.summary or f"Test alert {alert.name} from the playground"
    if alert.source == "generic":
        return {
            "name": alert.name,
            "status": alert.status,
            "fingerprint": fingerprint,
            "summary": summary,
            "labels": alert.labels,
        }
    labels = {"alertname": alert.name, **alert.labels}
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{alert.name}"}}',
        "truncatedAlerts": 0,
        "status": alert.status,
        "receiver": "incident-bot",
        "groupLabels": {"alertname": alert.name},
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary},
        "externalURL": "http://alertmanager.playground.local",
        "alerts": [
            {
                "status": alert.status,
                "labels": labels,
                "annotations": {"summary": summary},
                "startsAt": stamp,
                "endsAt": stamp if alert.status == "resolved" else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.playground.local/graph",
                "fingerprint": fingerprint,
            }
        ],
    }


class AlertSender:
    """Posts sample alerts to ``<base>/alerts/<source>`` with the playground's bearer token for the source."""

    def __init__(
        self,
        base_url: str,
        tokens: Mapping[str, str | None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = dict(tokens)
        self.clock = clock

    def send(self, body: Mapping[str, Any]) -> JSON:
        try:
            alert = read_form(body)
        except SampleAlertError as exc:
            return {"ok": False, "error": str(exc)}
        token = self.tokens.get(alert.source)
        if not token:
            return {"ok": False, "error": f"the {alert.source} endpoint is off in this playground"}
        sent = payload(alert, self.clock())
        try:
            response = requests.post(
                f"{self.base_url}/alerts/{alert.source}",
                json=sent,
                headers={"Authorization": f"Bearer {token}"},
                timeout=SEND_TIMEOUT,
            )
        except requests.RequestException as exc:
            return {"ok": False, "error": f"the alert endpoint did not answer ({type(exc).__name__})"}
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.text[:500]}
        ok = response.status_code == 202
        error = None if ok else str(answer.get("error") or f"HTTP {response.status_code}")
        return {"ok": ok, "status": response.status_code, "answer": answer, "sent": sent, "error": error}
