"""The one wrapper every button listener shares: ack, read the button's value, call the handler, reply.

A button that changes something is ``durable``: its click is saved before the ack and, should the process
die before handling it, redone by another (or the restarted) process through the same handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.errors import AlreadyHandled, UserError
from bot.services.registry import Services
from bot.slack.listeners.durable import DATABASE_UNREACHABLE, accept, finished, request_key, responder
from bot.slack.listeners.payloads import channel_of, user_of
from bot.slack.listeners.replies import reply

T = TypeVar("T")


@dataclass(frozen=True)
class Click(Generic[T]):
    """One button press: what it points at (``target``, read from its value), who pressed it and where."""

    target: T
    user: str
    channel: str | None
    body: dict[str, Any]
    client: WebClient
    respond: Respond | None  # None where Slack gave no response_url (a click in a Home tab or a modal)
    # Slack's identity of this click: the use cases claim it, so a redone click changes things once.
    request_key: str = ""

    def answer(self, text: str) -> None:
        """An ephemeral answer to the person who clicked."""
        reply(self.respond, self.client, self.channel, self.user, text)


ClickHandler = Callable[[Services, Click[T]], None]


def on_click(
    app: App,
    services: Services,
    action_id: str,
    read: Callable[[object], T | None],
    not_ours: str,
    handler: ClickHandler[T],
    *,
    durable: bool = False,
) -> None:
    """Register ``handler`` for ``action_id``; a value ``read`` refuses gets ``not_ours``, a ``UserError`` its text."""
    kind = f"click:{action_id}"

    def handle(body: dict[str, Any], client: WebClient, respond: Respond | None, redoing: bool = False) -> None:
        user, channel = user_of(body), channel_of(body)
        answer = respond if body.get("response_url") else None
        actions: list[dict[str, Any]] = body.get("actions") or []
        action = next((a for a in actions if a.get("action_id") == action_id), {})
        target = read(action.get("value"))
        if target is None:
            reply(answer, client, channel, user, f":warning: {not_ours}")
            return
        key = request_key(kind, body) if durable else ""
        try:
            handler(services, Click(target, user, channel, body, client, answer, key))
        except AlreadyHandled as exc:
            if not redoing:  # redone: the first run got this far and the person has their answer
                reply(answer, client, channel, user, f":warning: {exc}")
        except UserError as exc:
            reply(answer, client, channel, user, f":warning: {exc}")

    if durable:
        services.pending.handle(kind, lambda body: handle(body, app.client, responder(body), redoing=True))

    @app.action(action_id)
    def _listener(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        if not durable:
            ack()
            handle(body, client, respond)
            return
        key = request_key(kind, body)
        if not accept(services, key, kind, body):
            ack()
            answer = respond if body.get("response_url") else None
            reply(answer, client, channel_of(body), user_of(body), DATABASE_UNREACHABLE)
            return
        ack()
        with finished(services, key):
            handle(body, client, respond)
