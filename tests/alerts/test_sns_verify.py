"""SNS signatures (v1 SHA1, v2 SHA256) checked against a certificate served over real HTTPS by a test CA."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from bot.alerts.sns import (
    DEFAULT_URL_PATTERN,
    CertificateCache,
    SnsRefused,
    SnsUnavailable,
    SnsVerifier,
    certificate_url_allowed,
    string_to_sign,
    url_allowed,
)
from bot.alerts.sns_fetch import SnsFetcher
from tests.alerts.sns_support import LOCAL_PATTERN, OTHER_TOPIC, TOPIC, FakeSns, fake_sns, pki

__all__ = ["fake_sns", "pki"]


def _verifier(sns: FakeSns, topics: frozenset[str] = frozenset({TOPIC})) -> SnsVerifier:
    return SnsVerifier(topics, CertificateCache(SnsFetcher(str(sns.ca_bundle)).get), LOCAL_PATTERN)


def test_the_string_to_sign_follows_the_documented_order() -> None:
    document = {
        "Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:t", "Subject": "Hi",
        "Message": "hello", "Timestamp": "2026-12-02T21:00:00.000Z", "SigningCertURL": "ignored",
        "UnsubscribeURL": "ignored",
    }  # fmt: skip
    assert string_to_sign(document) == (
        b"Message\nhello\nMessageId\nm-1\nSubject\nHi\nTimestamp\n2026-12-02T21:00:00.000Z\n"
        b"TopicArn\narn:t\nType\nNotification\n"
    )
    del document["Subject"]
    assert b"Subject" not in string_to_sign(document)
    confirmation = {
        "Type": "SubscriptionConfirmation", "MessageId": "m-2", "TopicArn": "arn:t", "Message": "m",
        "Timestamp": "t", "Token": "tok", "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?x",
    }  # fmt: skip
    assert string_to_sign(confirmation) == (
        b"Message\nm\nMessageId\nm-2\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?x\n"
        b"Timestamp\nt\nToken\ntok\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n"
    )
    with pytest.raises(SnsRefused, match="no Token"):
        string_to_sign({k: v for k, v in confirmation.items() if k != "Token"})


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem", True),
        ("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem", True),
        ("http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem", False),
        ("https://sns.eu-west-1.amazonaws.com.evil.example/x.pem", False),
        ("https://sns.eu-west-1.amazonaws.com@evil.example/x.pem", False),
        ("https://evil.example/sns.eu-west-1.amazonaws.com/x.pem", False),
        ("https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.txt", False),
        ("https://sns.eu-west-1.amazonaws.com/x.pem?redirect=https://evil.example", False),
        ("https://sns.EU-west-1.amazonaws.com/x.pem", False),
    ],
)
def test_only_sns_addresses_may_serve_certificates(url: str, allowed: bool) -> None:
    assert certificate_url_allowed(url, re.compile(DEFAULT_URL_PATTERN)) is allowed


def test_confirmation_addresses_need_the_sns_host_but_no_pem() -> None:
    pattern = re.compile(DEFAULT_URL_PATTERN)
    assert url_allowed("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t", pattern)
    assert not url_allowed("https://confirm.evil.example/?Action=ConfirmSubscription", pattern)


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_is_verified(fake_sns: FakeSns, version: str) -> None:
    message = _verifier(fake_sns).verify(fake_sns.notification(version=version), "Notification")
    assert message.type == "Notification" and message.topic_arn == TOPIC
    assert json.loads(message.message)["AlarmName"] == "Payments API 5xx"
    assert fake_sns.requests == ["/SimpleNotificationService-test.pem"]


def test_a_forged_message_is_refused(fake_sns: FakeSns) -> None:
    signed = fake_sns.notification()
    forged = {**signed, "Message": signed["Message"].replace("ALARM", "OK")}
    with pytest.raises(SnsRefused, match="signature does not match"):
        _verifier(fake_sns).verify(forged)
    v1_as_v2 = {**signed, "SignatureVersion": "2"}
    with pytest.raises(SnsRefused, match="signature does not match"):
        _verifier(fake_sns).verify(v1_as_v2)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Signature": ""}, "not signed"),
        ({"Signature": "%%%"}, "not base64"),
        ({"SignatureVersion": "3"}, "SignatureVersion"),
        ({"TopicArn": OTHER_TOPIC}, "not in ALERTS_SNS_TOPIC_ARNS"),
        ({"SigningCertURL": "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem"}, "SigningCertURL"),
        ({"SigningCertURL": "http://127.0.0.1:1/SimpleNotificationService-test.pem"}, "SigningCertURL"),
        ({"Type": "Surprise"}, "unknown SNS message type"),
    ],
)
def test_refused_before_anything_is_fetched(fake_sns: FakeSns, change: dict[str, str], reason: str) -> None:
    document = {**fake_sns.notification(), **change}
    with pytest.raises(SnsRefused, match=reason):
        _verifier(fake_sns).verify(document)
    assert fake_sns.requests == []


def test_unsigned_and_header_mismatch_are_refused_without_a_fetch(fake_sns: FakeSns) -> None:
    unsigned = {
        k: v for k, v in fake_sns.notification().items() if k not in ("Signature", "SignatureVersion")
    }
    with pytest.raises(SnsRefused):
        _verifier(fake_sns).verify(unsigned)
    with pytest.raises(SnsRefused, match="header says"):
        _verifier(fake_sns).verify(fake_sns.notification(), "SubscriptionConfirmation")
    assert fake_sns.requests == []


def test_a_confirmation_elsewhere_than_sns_is_refused(fake_sns: FakeSns) -> None:
    confirmation = fake_sns.subscription_confirmation()
    document = fake_sns.sign(
        {**confirmation, "SubscribeURL": "https://evil.example/?Action=ConfirmSubscription"}
    )
    with pytest.raises(SnsRefused, match="SubscribeURL"):
        _verifier(fake_sns).verify(document)
    assert fake_sns.requests == []


def test_an_expired_certificate_is_refused(fake_sns: FakeSns) -> None:
    document = fake_sns.notification(cert="/SimpleNotificationService-expired.pem")
    with pytest.raises(SnsRefused, match="not now"):
        _verifier(fake_sns).verify(document)


def test_a_certificate_not_yet_valid_is_refused(fake_sns: FakeSns) -> None:
    verifier = _verifier(fake_sns)
    verifier.clock = lambda: datetime(2000, 1, 1, tzinfo=UTC)
    with pytest.raises(SnsRefused, match="not now"):
        verifier.verify(fake_sns.notification())


def test_a_server_the_ca_does_not_vouch_for_is_unavailable(fake_sns: FakeSns) -> None:
    verifier = SnsVerifier(frozenset({TOPIC}), CertificateCache(SnsFetcher(None).get), LOCAL_PATTERN)
    with pytest.raises(SnsUnavailable):
        verifier.verify(fake_sns.notification())
    assert fake_sns.requests == []  # the TLS handshake failed: no request was made


def test_certificates_are_fetched_once_and_the_cache_is_bounded(fake_sns: FakeSns) -> None:
    verifier = _verifier(fake_sns)
    for message_id in ("a", "b", "c"):
        verifier.verify(fake_sns.notification(message_id=message_id))
    assert fake_sns.requests == ["/SimpleNotificationService-test.pem"]
    cache = CertificateCache(SnsFetcher(str(fake_sns.ca_bundle)).get, size=2)
    for name in ("one", "two", "three"):
        fake_sns.files[f"/{name}.pem"] = fake_sns.pki.signing
        cache.get(f"{fake_sns.base}/{name}.pem")
    assert len(cache) == 2
    cache.get(f"{fake_sns.base}/one.pem")  # evicted first, fetched again
    assert fake_sns.requests.count("/one.pem") == 2


def test_a_failing_certificate_server_is_unavailable_not_refused(fake_sns: FakeSns) -> None:
    fake_sns.failing = True
    with pytest.raises(SnsUnavailable, match="answered 500"):
        _verifier(fake_sns).verify(fake_sns.notification())
