"""The one wrapper every button listener shares: ack, read the button's value, call the handler, reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.errors import UserError
from bot.services.registry import Services
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

    def answer(self, text: str) -> None:
        """An ephemeral answer to the person who clicked."""
        reply(self.respond, self.client, None, self.user, text)


ClickHandler = Callable[[Services, Click[T]], None]


def on_click(
    app: App,
    services: Services,
    action_id: str,
    read: Callable[[object], T | None],
    not_ours: str,
    handler: ClickHandler[T],
) -> None:
    """Register ``handler`` for ``action_id``; a value ``read`` refuses gets ``not_ours``, a ``UserError`` its text."""

    @app.action(action_id)
    def _listener(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user, channel = user_of(body), channel_of(body)
        answer = respond if body.get("response_url") else None
        target = read(action.get("value"))
        if target is None:
            reply(answer, client, channel, user, f":warning: {not_ours}")
            return
        try:
            handler(services, Click(target, user, channel, body, client, answer))
        except UserError as exc:
            reply(answer, client, channel, user, f":warning: {exc}")
