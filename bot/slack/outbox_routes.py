"""The outbox handler table: one handler per event kind, built once by the container, and its dispatch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from bot.services.outbox import Delivery, GiveUp
from bot.slack.gateway import SlackCallFailed

Handler = Callable[[Delivery], None]


def in_order(*steps: Handler) -> Handler:
    """One event handled by several steps, each idempotent by its own progress marks, in this order."""

    def handle(delivery: Delivery) -> None:
        for step in steps:
            step(delivery)

    return handle


class OutboxRoutes:
    """Implements the services' ``Notifier``: looks the event up in the table and runs its handler."""

    def __init__(self, handlers: Mapping[str, Handler]) -> None:
        self.handlers: Mapping[str, Handler] = MappingProxyType(dict(handlers))

    def deliver(self, delivery: Delivery) -> None:
        handler = self.handlers.get(delivery.event)
        if handler is None:
            raise GiveUp(f"no handler for {delivery.event}")
        try:
            handler(delivery)
        except SlackCallFailed as exc:
            raise GiveUp(str(exc)) from exc
