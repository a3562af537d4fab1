"""Bolt global middleware: the request's log scope, its acknowledgement time, and the observed client."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.logs import request_scope

AckObserver = Callable[[str, float], None]


def request_kind(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "command"
    kind = str(body.get("type") or "")
    if kind == "event_callback":
        return "event"
    if kind == "message_action":
        return "shortcut"
    return kind or "other"


def request_id(body: dict[str, Any]) -> str:
    """Slack's own id where it gives one (an event id, a trigger id), else a fresh one."""
    for key in ("event_id", "trigger_id"):
        value = body.get(key)
        if value:
            return str(value)
    return "req-" + uuid.uuid4().hex[:12]


def install(app: App, client: WebClient, on_ack: AckObserver) -> None:
    @app.use
    def scope_and_time(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        # Bolt builds a plain WebClient per request; listeners use the bot's observed one instead.
        req.context["client"] = client
        started = time.perf_counter()
        with request_scope(request_id(body)):
            try:
                return next()
            finally:
                on_ack(request_kind(body), time.perf_counter() - started)
