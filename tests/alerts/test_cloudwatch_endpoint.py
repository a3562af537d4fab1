"""``POST /alerts/cloudwatch`` through the real HTTP server: SNS deliveries verified, confirmed or refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.alerts.intake import MAX_BODY
from tests.alerts.helpers import queued
from tests.alerts.sns_support import (
    CLOUDWATCH_ALARM,
    LOCAL_PATTERN,
    OTHER_TOPIC,
    TOPIC,
    FakeSns,
    fake_sns,
    pki,
)
from tests.harness import BotHarness, start_bot

__all__ = ["fake_sns", "pki"]


@pytest.fixture
def sns_bot(sqlite_url: str, fake_sns: FakeSns) -> Iterator[BotHarness]:
    harness = start_bot(
        sqlite_url,
        alerts_sns_topic_arns=f" {TOPIC} , arn:aws:sns:us-east-1:123456789012:spare",
        alerts_sns_url_pattern=LOCAL_PATTERN,
        alerts_sns_ca_bundle=str(fake_sns.ca_bundle),
    )
    try:
        yield harness
    finally:
        harness.stop()


def deliver(bot: BotHarness, document: dict[str, Any] | bytes, kind: str | None = None) -> requests.Response:
    """POST as SNS does: JSON as text/plain, the type in ``x-amz-sns-message-type``."""
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {"Content-Type": "text/plain; charset=UTF-8"}
    if kind or isinstance(document, dict):
        headers["x-amz-sns-message-type"] = kind or str(document.get("Type"))  # type: ignore[union-attr]
    return requests.post(bot.bot_url + "/alerts/cloudwatch", data=body, headers=headers, timeout=10)


def test_off_without_topics(bot_sqlite: BotHarness) -> None:
    response = requests.post(bot_sqlite.bot_url + "/alerts/cloudwatch", data=b"{}", timeout=5)
    assert response.status_code == 404
    assert "ALERTS_SNS_TOPIC_ARNS" in response.json()["error"]


def test_a_subscription_is_confirmed_once(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    confirmation = fake_sns.subscription_confirmation(version="2")
    response = deliver(sns_bot, confirmation)
    assert response.status_code == 200, response.text
    confirms = [r for r in fake_sns.requests if "Action=ConfirmSubscription" in r]
    assert len(confirms) == 1 and "Token=" in confirms[0]


def test_a_confirmation_that_cannot_be_fetched_is_retried_by_sns(
    sns_bot: BotHarness, fake_sns: FakeSns
) -> None:
    deliver(sns_bot, fake_sns.notification())  # the certificate is cached now
    fake_sns.failing = True
    response = deliver(sns_bot, fake_sns.subscription_confirmation())
    assert response.status_code == 502 and "retry" in response.json()["error"]


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_verified_alarm_is_queued(sns_bot: BotHarness, fake_sns: FakeSns, version: str) -> None:
    response = deliver(sns_bot, fake_sns.notification(version=version))
    assert response.status_code == 202, response.text
    assert response.json()["alerts"] == 1
    [item] = queued(sns_bot)
    assert item.source == "cloudwatch" and json.loads(item.body) == CLOUDWATCH_ALARM


def test_insufficient_data_is_recorded_but_is_no_alert(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    alarm = {**CLOUDWATCH_ALARM, "NewStateValue": "INSUFFICIENT_DATA"}
    response = deliver(sns_bot, fake_sns.notification(alarm))
    assert response.status_code == 202 and response.json()["alerts"] == 0
    assert [json.loads(i.body)["NewStateValue"] for i in queued(sns_bot)] == ["INSUFFICIENT_DATA"]


def test_a_verified_message_that_is_no_alarm_is_refused(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    signed = fake_sns.notification()
    document = fake_sns.sign({**signed, "Message": "hello from the SNS console"})
    response = deliver(sns_bot, document)
    assert response.status_code == 400 and "not a CloudWatch alarm" in response.json()["error"]
    assert queued(sns_bot) == []


def test_forged_unsigned_and_wrong_topic_are_refused(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    signed = fake_sns.notification()
    forged = {**signed, "Message": signed["Message"].replace("Payments", "Billing")}
    unsigned = {k: v for k, v in signed.items() if k != "Signature"}
    wrong_topic = fake_sns.notification(topic=OTHER_TOPIC)
    for document in (unsigned, wrong_topic):
        assert deliver(sns_bot, document).status_code == 403
    assert fake_sns.requests == []
    response = deliver(sns_bot, forged)
    assert response.status_code == 403 and "not a verified SNS message" in response.json()["error"]
    assert queued(sns_bot) == []


def test_a_certificate_elsewhere_is_never_fetched(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    signed = fake_sns.notification()
    for url in (
        "https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-test.pem",
        fake_sns.base.replace("https", "http") + "/SimpleNotificationService-test.pem",
        fake_sns.base + "/SimpleNotificationService-test.txt",
    ):
        assert deliver(sns_bot, fake_sns.sign({**signed, "SigningCertURL": url})).status_code == 403
    assert fake_sns.requests == []


def test_an_expired_certificate_is_refused(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    response = deliver(sns_bot, fake_sns.notification(cert="/SimpleNotificationService-expired.pem"))
    assert response.status_code == 403
    assert queued(sns_bot) == []


def test_an_unreachable_certificate_answers_5xx(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    fake_sns.failing = True
    assert deliver(sns_bot, fake_sns.notification()).status_code == 502
    assert queued(sns_bot) == []


def test_bad_bodies(sns_bot: BotHarness, fake_sns: FakeSns) -> None:
    not_json = deliver(sns_bot, b"not json", kind="Notification")
    assert not_json.status_code == 400 and not_json.json()["error"] == "the body is not JSON"
    assert deliver(sns_bot, b"[1, 2]", kind="Notification").status_code == 400
    huge = deliver(sns_bot, b" " * (MAX_BODY + 1), kind="Notification")
    assert huge.status_code == 413
    assert fake_sns.requests == []
