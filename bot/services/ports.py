"""The small interfaces outbox handlers ask adapters for: pagers, paging posts, a people directory, the stakeholder topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.stakeholders import StakeholderMessage
from bot.services.outbox import Delivery
from bot.services.read_models import IncidentView


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


class PagingPosts(Protocol):
    """What paging shows in the incident's channels; each post is one ``step`` of the delivery."""

    def channel_or_none(self, delivery: Delivery) -> str | None: ...

    def channel(self, delivery: Delivery) -> str:
        """The incident channel; retries later while it is being created."""
        ...

    def page_notice(
        self, delivery: Delivery, channel: str, users: Sequence[str], level: int, cycle: int, reason: str
    ) -> None: ...

    def exhausted_notice(self, delivery: Delivery, incident: IncidentView) -> None:
        """Nobody acknowledged: said in the channel and, unless private, the broadcast channel."""
        ...

    def nudge(
        self,
        delivery: Delivery,
        incident: IncidentView,
        since_seconds: int,
        ignored: int,
        also: Sequence[str],
        overdue: Sequence[str] = (),
    ) -> None: ...


class Directory(Protocol):
    """Who people are in the chat workspace: look-ups by email and user group."""

    def user_by_email(self, email: str) -> str | None: ...

    def group_members(self, group_id: str) -> tuple[str, ...]: ...


class StakeholderTopic(Protocol):
    """Where stakeholder notifications go (an SNS topic); raises ``RetryLater`` or ``GiveUp`` on failure."""

    def publish(self, message: StakeholderMessage) -> None: ...
