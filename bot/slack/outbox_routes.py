"""The outbox handler table: one handler per event type, built once by the container, and its dispatch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from bot.domain.events import OutboxEvent
from bot.services.outbox import Delivery, GiveUp
from bot.slack.gateway import SlackCallFailed

E = TypeVar("E", bound=OutboxEvent)
# A handler of one event type: ``handler(delivery, event)``, the event being of the type it is routed from.
Handler = Callable[[Delivery, Any], None]


def in_order(*steps: Callable[[Delivery, E], None]) -> Callable[[Delivery, E], None]:
    """One event handled by several steps, each idempotent by its own progress marks, in this order."""

    def handle(delivery: Delivery, event: E) -> None:
        for step in steps:
            step(delivery, event)

    return handle


class OutboxRoutes:
    """Implements the services' ``Notifier``: looks the event's type up in the table and runs its handler."""

    def __init__(self, handlers: Mapping[type[OutboxEvent], Handler]) -> None:
        self.handlers: Mapping[type[OutboxEvent], Handler] = MappingProxyType(dict(handlers))

    def deliver(self, delivery: Delivery) -> None:
        handler = self.handlers.get(type(delivery.event))
        if handler is None:
            raise GiveUp(f"no handler for {delivery.kind}")
        try:
            handler(delivery, delivery.event)
        except SlackCallFailed as exc:
            raise GiveUp(str(exc), exc.error, exc.channel) from exc
