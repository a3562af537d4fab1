"""The pager interface: how a page, an acknowledgement and a resolution reach people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.services.outbox import Delivery
from bot.services.views import IncidentView


@dataclass(frozen=True)
class Page:
    """One escalation step: who to reach for which incident, and why."""

    incident: IncidentView
    users: tuple[str, ...]
    level: int  # 1-based
    cycle: int
    reason: str
    policy_id: str


class Pager(Protocol):
    """Each method runs inside an outbox delivery: use ``delivery`` steps to stay idempotent on retries."""

    name: str

    def page(self, delivery: Delivery, page: Page) -> None: ...

    def acknowledge(self, delivery: Delivery, incident: IncidentView, by: str | None) -> None: ...

    def resolve(self, delivery: Delivery, incident: IncidentView) -> None: ...
