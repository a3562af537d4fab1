"""Bolt global middleware and its HTTP wrapper: the request's log scope, its ack time, the observed client."""

from __future__ import annotations

import contextvars
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware.custom_middleware import CustomMiddleware
from slack_sdk import WebClient

from bot.logs import begin_request, request_scope

T = TypeVar("T")
AckObserver = Callable[[str, float], None]

_kind: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_kind", default=None)


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


def install(app: App, client: WebClient) -> None:
    """First in Bolt's chain, so the signature check and Bolt's ``auth.test`` run in the request's scope
    and with the observed client.

    Bolt runs its middleware one after another (``next()`` only marks "go on"), so the scope is opened
    by ``observe_request`` around the whole dispatch; this names the request inside it.
    """

    def name_request(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        # Bolt builds a plain WebClient per request; every call goes through the bot's observed one instead.
        req.context["client"] = client
        _kind.set(request_kind(body))
        begin_request(request_id(body))
        return next()

    # Bolt offers only ``app.use``, which appends after its built-ins; its list is the chain's order.
    app._middleware_list.insert(0, CustomMiddleware(app_name=app.name, func=name_request))


def observe_request(dispatch: Callable[[], T], on_ack: AckObserver) -> T:
    """Run one HTTP request through Bolt: a fresh log scope, and the time until Bolt answered (the ack)."""
    started = time.perf_counter()
    token = _kind.set(None)
    try:
        with request_scope(None):
            return dispatch()
    finally:
        on_ack(_kind.get() or "other", time.perf_counter() - started)
        _kind.reset(token)
