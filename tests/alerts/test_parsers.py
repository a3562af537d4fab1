"""Each source's recorded payload parses into normalized alerts; a wrong shape gives a short reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts.model import AlertShapeError
from bot.alerts.parsers import parse
from tests.alerts import payloads as p


def test_alertmanager_v4_payload() -> None:
    [alert] = parse("alertmanager", p.raw(p.ALERTMANAGER))
    assert alert.source == "alertmanager" and alert.name == "PaymentsErrorRate"
    assert alert.status == "firing" and alert.fingerprint == "c8f0a5e3c2b8d1a4"
    assert alert.summary == "Payment API error rate above 5%"
    assert alert.severity == "critical" and alert.labels["env"] == "prod"
    assert alert.url.startswith("http://prometheus:9090/graph")
    assert alert.starts_at == datetime(2026, 12, 2, 21, 58, 0, 123000, tzinfo=UTC)
    assert alert.ends_at is None


def test_alertmanager_holds_many_alerts_each_with_its_status() -> None:
    body = p.alertmanager()
    second = dict(body["alerts"][0], status="resolved", fingerprint="ffff")
    second["labels"] = dict(second["labels"], instance="payments-2:9090")
    body["alerts"].append(second)
    alerts = parse("alertmanager", p.raw(body))
    assert [(a.fingerprint, a.status) for a in alerts] == [("c8f0a5e3c2b8d1a4", "firing"), ("ffff", "resolved")]


def test_datadog_default_variables() -> None:
    [alert] = parse("datadog", p.raw(p.DATADOG))
    assert alert.name == "Payments error rate high"  # the "[Triggered]" prefix is not part of the name
    assert alert.status == "firing" and alert.fingerprint == "b1e8e0b5d1a6f2c3"
    assert alert.labels == {"env": "prod", "service": "payments", "team": "checkout", "monitor": "", "priority": "P1"}
    assert alert.url.startswith("https://app.datadoghq.com/")
    assert alert.summary == "Error rate 7.2% > 5% on payments"
    [recovered] = parse("datadog", p.raw(p.datadog("Recovered")))
    assert recovered.status == "resolved" and recovered.name == alert.name


def test_generic_shape() -> None:
    [alert] = parse("generic", p.raw(p.GENERIC))
    assert (alert.name, alert.status, alert.fingerprint, alert.severity) == (
        "checkout healthcheck", "firing", "healthcheck-checkout", "SEV2",
    )
    assert alert.labels == {"env": "prod", "service": "checkout"}
    [minimal] = parse("generic", p.raw({"name": "n", "status": "resolved", "fingerprint": "f"}))
    assert minimal.severity is None and minimal.labels == {} and minimal.url == ""


@pytest.mark.parametrize(
    ("source", "body", "reason"),
    [
        ("generic", b"{not json", "not JSON"),
        ("generic", b"\xff\xfe", "not UTF-8"),
        ("generic", b"[1, 2]", "must be a JSON object"),
        ("generic", p.raw(p.generic(status="broken")), '"firing" or "resolved"'),
        ("generic", p.raw(p.generic(name="")), "`name` is required"),
        ("generic", p.raw(p.generic(fingerprint=None)), "`fingerprint` is required"),
        ("generic", p.raw(p.generic(labels=["a"])), "`labels` must be an object"),
        ("alertmanager", p.raw({"version": "3", "alerts": []}), "version 3 is not supported"),
        ("alertmanager", p.raw({"version": "4"}), "needs an `alerts` list"),
        ("alertmanager", p.raw({"version": "4", "alerts": [{"status": "firing", "labels": {}}]}), "no `alertname`"),
        ("datadog", p.raw({"transition": "Triggered"}), "needs `title`"),
        ("datadog", p.raw({"title": "x"}), "needs `transition`"),
    ],
)
def test_a_wrong_shape_is_refused_with_a_reason(source: str, body: bytes, reason: str) -> None:
    with pytest.raises(AlertShapeError, match=reason.replace("[", r"\[").replace("(", r"\(")) :
        parse(source, body)
