"""Amazon SNS message verification: topic allow-list, signing-certificate address and validity, RSA signature."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# The SNS endpoints of every region (and the China regions): where certificates and confirmations come from.
DEFAULT_URL_PATTERN = r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/"
NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"
# The fields signed, in the order AWS concatenates them (``Subject`` only when the message has one).
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: CONFIRMATION_FIELDS,
    UNSUBSCRIBE_CONFIRMATION: CONFIRMATION_FIELDS,
}
OPTIONAL_FIELDS = frozenset({"Subject"})
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
CERTIFICATE_CACHE_SIZE = 32


class SnsBadRequest(ValueError):
    """The body is not an SNS message at all (not JSON, not an object): 400."""


class SnsRefused(Exception):
    """The message is not proven to come from an allowed SNS topic: 403, and nothing is done."""


class SnsUnavailable(Exception):
    """A certificate or confirmation could not be fetched: 502, so SNS delivers the message again later."""


@dataclass(frozen=True)
class SnsMessage:
    """A verified SNS message: what the endpoint acts on."""

    type: str
    topic_arn: str
    message_id: str
    message: str
    timestamp: str
    subject: str | None = None
    subscribe_url: str | None = None


def parse_body(body: bytes) -> dict[str, str]:
    """The SNS JSON document (sent as ``text/plain``); its values are strings, as SNS sends them."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SnsBadRequest("the body is not JSON") from None
    if not isinstance(document, dict):
        raise SnsBadRequest("the body is not a JSON object")
    return {str(k): v for k, v in document.items() if isinstance(v, str)}


def string_to_sign(document: Mapping[str, str]) -> bytes:
    """``name\\nvalue\\n`` for each signed field of the message's type, in AWS's order."""
    kind = document.get("Type", "")
    if kind not in SIGNED_FIELDS:
        raise SnsRefused(f"unknown SNS message type {kind!r}")
    parts: list[str] = []
    for name in SIGNED_FIELDS[kind]:
        if name not in document:
            if name in OPTIONAL_FIELDS:
                continue
            raise SnsRefused(f"the message has no {name}")
        parts += [name, document[name]]
    return "".join(f"{part}\n" for part in parts).encode("utf-8")


def url_allowed(url: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``url`` is a plain https address the pattern allows (no credentials, spaces or backslashes)."""
    if not pattern.match(url) or any(c in url for c in "@\\ \t\r\n"):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and parts.username is None


def certificate_url_allowed(url: str, pattern: re.Pattern[str]) -> bool:
    return url_allowed(url, pattern) and urlsplit(url).path.endswith(".pem") and not urlsplit(url).query


class CertificateCache:
    """Signing certificates by URL, the most recently used kept (bounded), fetched once each."""

    def __init__(self, fetch: Callable[[str], bytes], size: int = CERTIFICATE_CACHE_SIZE) -> None:
        self._fetch = fetch
        self._size = size
        self._certificates: OrderedDict[str, x509.Certificate] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> x509.Certificate:
        with self._lock:
            if url in self._certificates:
                self._certificates.move_to_end(url)
                return self._certificates[url]
        pem = self._fetch(url)  # outside the lock: a slow fetch does not hold up cached certificates
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise SnsRefused(f"{url} is not a PEM certificate") from None
        with self._lock:
            self._certificates[url] = certificate
            self._certificates.move_to_end(url)
            while len(self._certificates) > self._size:
                self._certificates.popitem(last=False)
        return certificate

    def __len__(self) -> int:
        with self._lock:
            return len(self._certificates)


class SnsVerifier:
    """Proves a message came from an allowed topic, checking everything it can before fetching anything."""

    def __init__(
        self,
        topics: frozenset[str],
        certificates: CertificateCache,
        url_pattern: str = DEFAULT_URL_PATTERN,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.topics = topics
        self.certificates = certificates
        self.pattern = re.compile(url_pattern)
        self.clock = clock

    def verify(self, document: Mapping[str, str], message_type: str | None = None) -> SnsMessage:
        """The verified message, or ``SnsRefused`` (``SnsUnavailable`` when the certificate cannot be had)."""
        kind = document.get("Type", "")
        if message_type and message_type != kind:
            raise SnsRefused(f"the header says {message_type!r} but the message is a {kind!r}")
        topic = document.get("TopicArn", "")
        if topic not in self.topics:
            raise SnsRefused(f"topic {topic!r} is not in ALERTS_SNS_TOPIC_ARNS")
        version = document.get("SignatureVersion", "")
        if version not in HASHES:
            raise SnsRefused(f"unsupported or missing SignatureVersion {version!r}")
        try:
            signature = base64.b64decode(document.get("Signature", ""), validate=True)
        except (binascii.Error, ValueError):
            raise SnsRefused("the Signature is not base64") from None
        if not signature:
            raise SnsRefused("the message is not signed")
        signed = string_to_sign(document)
        cert_url = document.get("SigningCertURL", "")
        if not certificate_url_allowed(cert_url, self.pattern):
            raise SnsRefused(f"SigningCertURL {cert_url!r} is not an allowed SNS certificate address")
        subscribe_url = document.get("SubscribeURL")
        if kind == SUBSCRIPTION_CONFIRMATION and not url_allowed(subscribe_url or "", self.pattern):
            raise SnsRefused(f"SubscribeURL {subscribe_url!r} is not an allowed SNS address")
        certificate = self.certificates.get(cert_url)
        self._check_valid_now(certificate, cert_url)
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise SnsRefused(f"the certificate at {cert_url} has no RSA key")
        try:
            key.verify(signature, signed, padding.PKCS1v15(), HASHES[version]())
        except InvalidSignature:
            raise SnsRefused("the signature does not match the message") from None
        return SnsMessage(
            type=kind,
            topic_arn=topic,
            message_id=document.get("MessageId", ""),
            message=document.get("Message", ""),
            timestamp=document.get("Timestamp", ""),
            subject=document.get("Subject"),
            subscribe_url=subscribe_url,
        )

    def _check_valid_now(self, certificate: x509.Certificate, url: str) -> None:
        now = self.clock()
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise SnsRefused(
                f"the certificate at {url} is valid from {certificate.not_valid_before_utc:%Y-%m-%d} "
                f"to {certificate.not_valid_after_utc:%Y-%m-%d}, not now"
            )
