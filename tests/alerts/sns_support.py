"""Test SNS: a CA and certificates made with ``cryptography``, a local HTTPS server, and signed messages."""

from __future__ import annotations

import base64
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from bot.alerts.sns import string_to_sign

TOPIC = "arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms"
OTHER_TOPIC = "arn:aws:sns:eu-west-1:123456789012:someone-else"
# Addresses on the local server stand for https://sns.<region>.amazonaws.com/ in the tests.
LOCAL_PATTERN = r"^https://127\.0\.0\.1:[0-9]+/"

# The CloudWatch alarm of the AWS documentation ("Amazon SNS message format", ALARM state), with dimensions.
CLOUDWATCH_ALARM: dict[str, Any] = {
    "AlarmName": "Payments API 5xx",
    "AlarmDescription": "Too many 5xx from the payments API.",
    "AWSAccountId": "123456789012",
    "AlarmConfigurationUpdatedTimestamp": "2026-12-01T10:00:00.000+0000",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 1 datapoint [12.0 (02/12/26 21:00:00)] was greater than or equal "
    "to the threshold (10.0).",
    "StateChangeTime": "2026-12-02T21:05:42.236+0000",
    "Region": "EU (Ireland)",
    "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Payments API 5xx",
    "OldStateValue": "OK",
    "OKActions": [],
    "AlarmActions": ["arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms"],
    "InsufficientDataActions": [],
    "Trigger": {
        "MetricName": "5XXError",
        "Namespace": "AWS/ApiGateway",
        "StatisticType": "Statistic",
        "Statistic": "SUM",
        "Unit": None,
        "Dimensions": [{"value": "payments", "name": "ApiName"}, {"value": "prod", "name": "Stage"}],
        "Period": 60,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": 10.0,
        "TreatMissingData": "missing",
        "EvaluateLowSampleCountPercentile": "",
    },
}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@dataclass
class TestPki:
    """A CA, the HTTPS server's certificate (127.0.0.1) and SNS signing certificates, valid or expired."""

    ca_key: rsa.RSAPrivateKey = field(default_factory=_key)
    signing_key: rsa.RSAPrivateKey = field(default_factory=_key)

    def __post_init__(self) -> None:
        now = datetime.now(UTC)
        self.ca = (
            self._builder(
                _name("Test SNS CA"), self.ca_key, now - timedelta(days=1), now + timedelta(days=30)
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.server_key = _key()
        self.server = (
            self._builder(
                _name("127.0.0.1"), self.server_key, now - timedelta(days=1), now + timedelta(days=30)
            )
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.signing = self.signing_certificate(now - timedelta(days=1), now + timedelta(days=30))
        self.expired = self.signing_certificate(now - timedelta(days=60), now - timedelta(days=1))

    def _builder(
        self, subject: x509.Name, key: rsa.RSAPrivateKey, start: datetime, end: datetime
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(_name("Test SNS CA"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
        )

    def signing_certificate(self, start: datetime, end: datetime) -> bytes:
        certificate = self._builder(_name("sns.amazonaws.com"), self.signing_key, start, end).sign(
            self.ca_key, hashes.SHA256()
        )
        return certificate.public_bytes(serialization.Encoding.PEM)

    def write(self, directory: Path) -> tuple[Path, Path, Path]:
        """The CA bundle, the server certificate and its key, as PEM files."""
        ca = directory / "ca.pem"
        ca.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        cert = directory / "server.pem"
        cert.write_bytes(self.server.public_bytes(serialization.Encoding.PEM))
        key = directory / "server-key.pem"
        key.write_bytes(
            self.server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return ca, cert, key


class FakeSns:
    """The HTTPS side of SNS: serves certificates by path, answers confirmation GETs, records every request."""

    def __init__(self, pki: TestPki, directory: Path) -> None:
        self.pki = pki
        self.ca_bundle, cert, key = pki.write(directory)
        self.files: dict[str, bytes] = {
            "/SimpleNotificationService-test.pem": pki.signing,
            "/SimpleNotificationService-expired.pem": pki.expired,
        }
        self.requests: list[str] = []
        self.failing = False
        sns = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                sns.requests.append(self.path)
                path = self.path.split("?")[0]
                if sns.failing:
                    self.send_error(500)
                elif path in sns.files:
                    self._send(sns.files[path], "application/x-pem-file")
                elif path == "/" and "Action=ConfirmSubscription" in self.path:
                    self._send(b"<ConfirmSubscriptionResponse/>", "text/xml")
                else:
                    self.send_error(404)

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.base = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- messages as SNS sends them ---------------------------------------------------------------
    def sign(self, document: dict[str, str], version: str = "1") -> dict[str, str]:
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.pki.signing_key.sign(string_to_sign(document), padding.PKCS1v15(), algorithm)
        return {**document, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode()}

    def notification(
        self,
        alarm: dict[str, Any] | None = None,
        *,
        topic: str = TOPIC,
        version: str = "1",
        cert: str = "/SimpleNotificationService-test.pem",
        message_id: str = "5f1e8c4e-4a54-5bd6-9d5d-1d0c2b8a6a11",
    ) -> dict[str, str]:
        alarm = alarm or CLOUDWATCH_ALARM
        document = {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic,
            "Subject": f'{alarm["NewStateValue"]}: "{alarm["AlarmName"]}" in EU (Ireland)',
            "Message": json.dumps(alarm),
            "Timestamp": "2026-12-02T21:05:42.291Z",
            "SigningCertURL": self.base + cert,
            "UnsubscribeURL": self.base + "/?Action=Unsubscribe&SubscriptionArn=" + topic + ":a1b2",
        }
        return self.sign(document, version)

    def subscription_confirmation(self, *, topic: str = TOPIC, version: str = "1") -> dict[str, str]:
        token = "2336412f37fb687f5d51e6e2425c464de12884a4d2e8b2b2d6b2c5e0e8b3f0f2"
        document = {
            "Type": "SubscriptionConfirmation",
            "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": token,
            "TopicArn": topic,
            "Message": f"You have chosen to subscribe to the topic {topic}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": f"{self.base}/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
            "Timestamp": "2026-12-02T21:00:00.000Z",
            "SigningCertURL": self.base + "/SimpleNotificationService-test.pem",
        }
        return self.sign(document, version)


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return TestPki()


@pytest.fixture
def fake_sns(pki: TestPki, tmp_path: Path) -> Iterator[FakeSns]:
    sns = FakeSns(pki, tmp_path)
    try:
        yield sns
    finally:
        sns.close()
