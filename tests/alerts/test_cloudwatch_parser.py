"""CloudWatch alarms (the JSON SNS carries in ``Message``) parsed into normalized alerts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.alerts.model import AlertShapeError
from bot.alerts.parsers import parse
from tests.alerts.sns_support import CLOUDWATCH_ALARM


def _parse(alarm: dict[str, Any]) -> list[Any]:
    return parse("cloudwatch", json.dumps(alarm).encode())


def test_an_alarm_is_a_firing_alert_with_its_dimensions_as_labels() -> None:
    [alert] = _parse(CLOUDWATCH_ALARM)
    assert (alert.source, alert.name, alert.status) == ("cloudwatch", "Payments API 5xx", "firing")
    assert alert.summary.startswith("Threshold Crossed: 1 datapoint")
    assert alert.labels == {
        "ApiName": "payments",
        "Stage": "prod",
        "region": "eu-west-1",
        "account": "123456789012",
        "namespace": "AWS/ApiGateway",
        "metric": "5XXError",
    }
    assert alert.starts_at == datetime(2026, 12, 2, 21, 5, 42, 236000, tzinfo=UTC)
    assert alert.url == (
        "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/Payments%20API%205xx"
    )


def test_ok_resolves_the_same_alert_and_insufficient_data_is_none() -> None:
    [firing] = _parse(CLOUDWATCH_ALARM)
    [resolved] = _parse({**CLOUDWATCH_ALARM, "NewStateValue": "OK", "OldStateValue": "ALARM"})
    assert resolved.status == "resolved" and resolved.fingerprint == firing.fingerprint
    assert resolved.ends_at is not None and resolved.starts_at is None
    assert _parse({**CLOUDWATCH_ALARM, "NewStateValue": "INSUFFICIENT_DATA"}) == []


def test_an_older_alarm_without_arn_or_trigger() -> None:
    # The example of the AWS documentation before alarms carried their ARN: region by display name.
    alarm = {
        "AlarmName": "Example alarm name",
        "AlarmDescription": "Example alarm description.",
        "AWSAccountId": "000000000000",
        "NewStateValue": "ALARM",
        "NewStateReason": "Threshold Crossed: 1 datapoint (10.0) was greater than or equal to the threshold (1.0).",
        "StateChangeTime": "2017-01-12T16:30:42.236+0000",
        "Region": "EU - Ireland",
        "OldStateValue": "OK",
        "Trigger": {"MetricName": "DeliveryErrors", "Namespace": "ExampleNamespace", "Dimensions": [
            {"Name": "Queue", "Value": "orders"}]},
    }  # fmt: skip
    [alert] = _parse(alarm)
    assert alert.labels["region"] == "EU - Ireland" and alert.labels["account"] == "000000000000"
    assert alert.labels["Queue"] == "orders" and alert.url == ""
    composite = {k: v for k, v in alarm.items() if k != "Trigger"}
    assert _parse(composite)[0].labels == {"region": "EU - Ireland", "account": "000000000000"}


@pytest.mark.parametrize(
    ("alarm", "reason"),
    [
        ([1], "JSON object"),
        ({"NewStateValue": "ALARM"}, "AlarmName"),
        ({"AlarmName": "x", "NewStateValue": "RED"}, "NewStateValue"),
    ],
)
def test_wrong_shapes_say_why(alarm: Any, reason: str) -> None:
    with pytest.raises(AlertShapeError, match=reason):
        parse("cloudwatch", json.dumps(alarm).encode())
