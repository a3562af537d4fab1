"""Logging set-up: JSON lines carrying the incident and Slack request in scope, secrets scrubbed."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, TypeVar

T = TypeVar("T")

# What a log line is about, set by the Bolt middleware (request) and by whoever acts for an incident.
_incident: contextvars.ContextVar[str | None] = contextvars.ContextVar("incident", default=None)
_request: contextvars.ContextVar[str | None] = contextvars.ContextVar("request", default=None)

# Slack tokens of every kind, whatever the configuration says.
_TOKEN = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")
REDACTED = "[redacted]"
SIGNATURE_LOGGER = "slack_bolt.RequestVerification"


def current_incident() -> str | None:
    return _incident.get()


def current_request() -> str | None:
    return _request.get()


@contextmanager
def incident_scope(ref: str | None) -> Iterator[None]:
    """Log lines inside carry ``incident``: ``ref`` (None leaves the outer value)."""
    if not ref:
        yield
        return
    token = _incident.set(ref)
    try:
        yield
    finally:
        _incident.reset(token)


def bind_incident(ref: str | None) -> None:
    """Name the incident for the rest of a Slack request; outside one (scheduler, outbox) it does nothing."""
    if ref and _request.get() is not None:
        _incident.set(ref)


def begin_request(request_id: str) -> None:
    """Name the Slack request being handled now (inside ``request_scope``, which undoes it)."""
    _request.set(request_id)
    _incident.set(None)


@contextmanager
def request_scope(request_id: str | None) -> Iterator[None]:
    """A Slack request or event: its id on every line inside, and a fresh incident slot."""
    request_token = _request.set(request_id)
    incident_token = _incident.set(None)
    try:
        yield
    finally:
        _incident.reset(incident_token)
        _request.reset(request_token)


class ContextExecutor(Executor):
    """Runs each task in a copy of the submitter's context, so listener threads keep the request scope."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        ctx = contextvars.copy_context()
        return self.inner.submit(ctx.run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class Scrubber:
    """Replaces every configured secret and anything shaped like a Slack token."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN.sub(REDACTED, text)


class JsonFormatter(logging.Formatter):
    def __init__(self, scrub: Scrubber | None = None) -> None:
        super().__init__()
        self.scrub = scrub or Scrubber()

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": self.scrub(record.getMessage()),
        }
        incident = getattr(record, "incident", None) or current_incident()
        request = getattr(record, "request_id", None) or current_request()
        if incident:
            data["incident"] = incident
        if request:
            data["request_id"] = request
        if record.exc_info:
            data["exc"] = self.scrub(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For people at a terminal: the same fields, one readable line."""

    def __init__(self, scrub: Scrubber | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(scope)s: %(message)s")
        self.scrub = scrub or Scrubber()

    def format(self, record: logging.LogRecord) -> str:
        parts = [p for p in (current_incident(), current_request()) if p]
        record.scope = f" [{' '.join(parts)}]" if parts else ""
        return self.scrub(super().format(record))


class _SignatureFailureFilter(logging.Filter):
    """Bolt logs the whole request body when a signature does not match; keep only the fact."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "signature" in str(record.msg).lower():
            record.msg, record.args = "invalid request signature; request refused (body not logged)", None
        return True


def quiet_signature_failures() -> None:
    """Idempotent: Bolt's signature-failure line never carries the body, whoever configured logging."""
    logger = logging.getLogger(SIGNATURE_LOGGER)
    if not any(isinstance(f, _SignatureFailureFilter) for f in logger.filters):
        logger.addFilter(_SignatureFailureFilter())


def wants_json(setting: bool | None, stream: IO[str], for_people: bool = False) -> bool:
    """``LOG_JSON`` when set; otherwise JSON unless a person reads ``stream`` (a terminal, or the playground)."""
    if setting is not None:
        return setting
    if for_people:
        return False
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


def configure_logging(
    level: str = "INFO",
    json_lines: bool = True,
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    scrub = Scrubber(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(scrub) if json_lines else TextFormatter(scrub))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("apscheduler", "urllib3", "waitress.queue", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    quiet_signature_failures()
    return handler


class OutageLog:
    """Says once that something is unavailable and once that it is back, however often it is tried meanwhile.

    ``failed`` logs a warning on the first failure of an outage only; ``recovered`` logs on the first
    success after one. Thread-safe, cheap to call on every request.
    """

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.logger = logger
        self.what = what
        self.down = False
        self._lock = threading.Lock()

    def failed(self, detail: object = "") -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        if isinstance(detail, BaseException):  # its first line: driver errors run to many
            lines = str(detail).strip().splitlines()
            detail = lines[0] if lines else type(detail).__name__
        self.logger.warning("%s%s", self.what, f": {detail}" if detail != "" else "")

    def recovered(self, message: str) -> None:
        if not self.down:  # the common case, without the lock
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        self.logger.info("%s", message)
