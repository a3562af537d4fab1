"""The alert endpoints' work: bearer token, size limit, shape check, then one short insert into the queue.

``AlertIntake.enqueue(source, raw)`` is the one way a body gets into the queue; endpoints that authenticate
otherwise (SNS signatures) call it after their own checks.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.alerts.model import AlertShapeError
from bot.alerts.parsers import PARSERS, parse
from bot.metrics import Metrics
from bot.storage import alert_queue
from bot.storage.db import DatabaseUnavailable, UnitOfWork

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 1 MB
# The sources authenticated by a bearer token (``ALERTS_TOKEN_<SOURCE>``).
TOKEN_SOURCES = ("alertmanager", "datadog", "generic")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, object]


def _refused(status: int, reason: str) -> Answer:
    return Answer(status, {"ok": False, "error": reason})


class AlertIntake:
    """Accepts alert bodies: ``receive`` for the bearer-token endpoints, ``enqueue`` for every endpoint."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Callable[[], datetime],
        tokens: Mapping[str, str | None],
        metrics: Metrics,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.tokens = dict(tokens)
        self.metrics = metrics
        self.on_enqueued = on_enqueued

    def enqueue(self, source: str, raw: bytes) -> int:
        """Write the raw body to the durable queue in one short transaction; the queue row's id."""
        with self.uow() as session:
            item_id = alert_queue.add(session, source, raw.decode("utf-8"), self.clock())
        try:
            self.on_enqueued()
        except Exception:  # the worker's poll picks the row up anyway
            log.warning("could not wake the alert worker", exc_info=True)
        return item_id

    def receive(
        self,
        source: str,
        authorization: str | None,
        content_length: int | None,
        read: Callable[[int], bytes],
    ) -> Answer:
        """Check and queue one request: 202, or 404/401/413/400/503 with a short reason and nothing written."""
        token = self.tokens.get(source) if source in TOKEN_SOURCES else None
        if not token:
            return _refused(404, f"no alert endpoint for {source!r} here")
        if not _bearer_matches(authorization, token):
            self._refuse(source, "unauthorized")
            return _refused(401, "missing or wrong bearer token")
        if content_length is not None and content_length > MAX_BODY:
            self._refuse(source, "too_large")
            return _refused(413, f"the body is over {MAX_BODY} bytes")
        raw = read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            self._refuse(source, "too_large")
            return _refused(413, f"the body is over {MAX_BODY} bytes")
        try:
            alerts = parse(source, raw)
        except AlertShapeError as error:
            self._refuse(source, "bad_body")
            return _refused(400, str(error))
        try:
            item_id = self.enqueue(source, raw)
        except DatabaseUnavailable:
            self._refuse(source, "unavailable")
            return _refused(503, "the alert queue is unavailable; retry later")
        self.metrics.alerts_accepted.labels(source).inc(len(alerts))
        return Answer(202, {"ok": True, "queued": item_id, "alerts": len(alerts)})

    def _refuse(self, source: str, reason: str) -> None:
        self.metrics.alerts_refused.labels(source, reason).inc()


def _bearer_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def known_sources() -> tuple[str, ...]:
    return tuple(PARSERS)
