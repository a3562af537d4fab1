"""``POST /alerts/cloudwatch``: SNS deliveries verified, subscriptions confirmed, alarm notifications queued.

Every refusal happens before anything is created or queued. A certificate or confirmation that cannot
be fetched answers 502 (and an unreachable queue 503): SNS treats 5xx as "try again later" and redelivers
with its retry policy, whereas a 4xx would drop the message for good.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.alerts.intake import MAX_BODY, AlertIntake, Answer
from bot.alerts.model import AlertShapeError
from bot.alerts.parsers import parse
from bot.alerts.sns import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    CertificateCache,
    SnsBadRequest,
    SnsMessage,
    SnsRefused,
    SnsUnavailable,
    SnsVerifier,
    parse_body,
)
from bot.alerts.sns_fetch import SnsFetcher
from bot.storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)
SOURCE = "cloudwatch"


def _refused(status: int, reason: str) -> Answer:
    return Answer(status, {"ok": False, "error": reason})


def topic_list(text: str) -> frozenset[str]:
    """``ALERTS_SNS_TOPIC_ARNS``: comma-separated topic ARNs (spaces around them ignored)."""
    return frozenset(part.strip() for part in text.split(",") if part.strip())


class SnsEndpoint:
    """Answers one SNS delivery; verified alarm notifications go into the alert queue through ``intake``."""

    def __init__(self, verifier: SnsVerifier, fetch: Callable[[str], bytes], intake: AlertIntake) -> None:
        self.verifier = verifier
        self.fetch = fetch
        self.intake = intake

    @property
    def enabled(self) -> bool:
        return bool(self.verifier.topics)

    def receive(
        self, message_type: str | None, content_length: int | None, read: Callable[[int], bytes]
    ) -> Answer:
        if not self.enabled:
            return _refused(404, "CloudWatch alerts are off here (ALERTS_SNS_TOPIC_ARNS is empty)")
        too_large = content_length is not None and content_length > MAX_BODY
        raw = b"" if too_large else read(MAX_BODY + 1)
        if too_large or len(raw) > MAX_BODY:
            self._count_refusal("too_large")
            return _refused(413, f"the body is over {MAX_BODY} bytes")
        try:
            message = self.verifier.verify(parse_body(raw), message_type)
        except SnsBadRequest as exc:
            self._count_refusal("bad_body")
            return _refused(400, str(exc))
        except SnsRefused as exc:
            log.warning("SNS message refused: %s", exc)
            self._count_refusal("forbidden")
            return _refused(403, "the message is not a verified SNS message from an allowed topic")
        except SnsUnavailable as exc:
            log.warning("SNS signing certificate unavailable: %s", exc)
            self._count_refusal("unavailable")
            return _refused(502, "the signing certificate could not be fetched; retry later")
        if message.type == SUBSCRIPTION_CONFIRMATION:
            return self._confirm(message)
        if message.type == NOTIFICATION:
            return self._queue(message)
        log.info("SNS unsubscribe confirmed for %s", message.topic_arn)
        return Answer(200, {"ok": True})

    def _confirm(self, message: SnsMessage) -> Answer:
        try:
            self.fetch(message.subscribe_url or "")
        except SnsUnavailable as exc:
            log.warning("SNS subscription to %s not confirmed: %s", message.topic_arn, exc)
            return _refused(502, "the subscription could not be confirmed; retry later")
        log.info("SNS subscription to %s confirmed", message.topic_arn)
        return Answer(200, {"ok": True, "confirmed": message.topic_arn})

    def _queue(self, message: SnsMessage) -> Answer:
        """The alarm JSON (the ``Message``) queued like any source's body; INSUFFICIENT_DATA is queued too,
        so it is recorded, and yields no alert."""
        raw = message.message.encode("utf-8")
        try:
            alerts = parse(SOURCE, raw)
        except AlertShapeError as exc:
            self._count_refusal("bad_body")
            return _refused(400, f"the SNS message is not a CloudWatch alarm: {exc}")
        try:
            item_id = self.intake.enqueue(SOURCE, raw)
        except DatabaseUnavailable:
            self._count_refusal("unavailable")
            return _refused(503, "the alert queue is unavailable; retry later")
        self.intake.metrics.alerts_accepted.labels(SOURCE).inc(len(alerts))
        return Answer(202, {"ok": True, "queued": item_id, "alerts": len(alerts)})

    def _count_refusal(self, reason: str) -> None:
        self.intake.metrics.alerts_refused.labels(SOURCE, reason).inc()


def build_sns_endpoint(
    topics: str, url_pattern: str, ca_bundle: str | None, intake: AlertIntake
) -> SnsEndpoint:
    fetcher = SnsFetcher(ca_bundle)
    verifier = SnsVerifier(topic_list(topics), CertificateCache(fetcher.get), url_pattern)
    return SnsEndpoint(verifier, fetcher.get, intake)
