"""Write before ack: a request that changes something is saved before Slack is acknowledged, redone after a crash.

``accept`` saves it (one short insert) and says whether the ack may promise anything; ``finished`` removes it
once handled. Each kind is registered with ``PendingRequests.handle`` next to its listener, so a request a
killed process acknowledged is finished by the same code, once (the use cases claim ``request_key``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Respond

from bot.services.errors import StorageUnavailable
from bot.services.registry import Services

log = logging.getLogger(__name__)

# The same words as any other answer during a database outage; here nothing was saved, so nothing is done.
DATABASE_UNREACHABLE = f":warning: {StorageUnavailable.MESSAGE} Nothing was done."
# Parts of an interaction payload the handlers never read: the clicked message can be kilobytes of blocks.
_NOT_KEPT = ("message",)


def request_key(prefix: str, body: dict[str, Any]) -> str:
    """Slack's identity of one request: its ``trigger_id`` (one per command or click), else a payload hash."""
    trigger = body.get("trigger_id")
    if trigger:
        return f"{prefix}:{trigger}"
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:40]
    return f"{prefix}:{digest}"


def kept(body: dict[str, Any]) -> dict[str, Any]:
    """What is saved of a payload: everything a handler reads."""
    return {k: v for k, v in body.items() if k not in _NOT_KEPT}


def accept(services: Services, key: str, kind: str, body: dict[str, Any]) -> bool:
    """Save the request before it is acknowledged; False (and nothing done) when the database refused it."""
    try:
        services.pending.save(key, kind, kept(body))
    except Exception:  # any storage failure: the ack must not promise what could be lost
        log.warning("could not save request %s before acknowledging it", key, exc_info=True)
        return False
    return True


@contextmanager
def finished(services: Services, key: str) -> Iterator[None]:
    """Handle the saved request, then remove it (also when it was refused or failed: the person is told)."""
    try:
        yield
    finally:
        services.pending.done(key)


def responder(body: dict[str, Any]) -> Respond | None:
    """The ``response_url`` reply of a saved request (valid for 30 minutes), when it has one."""
    url = body.get("response_url") or next(
        (u.get("response_url") for u in body.get("response_urls") or [] if u.get("response_url")), None
    )
    return Respond(response_url=str(url)) if url else None
