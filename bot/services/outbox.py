"""What the outbox dispatcher hands a notifier, and how a notifier says "try again later"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.domain.events import OutboxEvent
from bot.domain.followups import FollowUpView
from bot.services.read_models import EntryView, IncidentView


class RetryLater(Exception):
    """A transient failure (rate limit, 5xx, network): the message is kept and retried."""

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class GiveUp(Exception):
    """A permanent failure: retrying cannot help. The message is set aside and reported.

    ``code`` is Slack's error code and ``channel`` the channel the refused call named, when known (so the
    report of a channel that is itself broken goes elsewhere).
    """

    def __init__(self, reason: str, code: str | None = None, channel: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.channel = channel


@dataclass
class Delivery:
    """One outbox message being delivered: what happened, and what the notifier learned."""

    event: OutboxEvent
    progress: dict[str, Any]
    incident: IncidentView | None
    load_entry: Callable[[int], EntryView | None]
    load_entries: Callable[[], list[EntryView]]
    # The incident's open follow-ups, read when asked (a summary shows them).
    load_followups: Callable[[], list[FollowUpView]] = field(default=lambda: [])
    incident_patch: dict[str, Any] = field(default_factory=dict)
    entry_patches: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Timeline entries to add with the progress that records what Slack was sent (so added once).
    new_entries: list[NewEntry] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.event.kind

    def done(self, step: str) -> bool:
        return bool(self.progress.get(step))

    def mark(self, step: str, value: Any = True) -> None:
        self.progress[step] = value

    def patch_incident(self, **fields: Any) -> None:
        self.incident_patch.update(fields)

    def patch_entry(self, entry_id: int, **fields: Any) -> None:
        self.entry_patches.setdefault(entry_id, {}).update(fields)

    def add_entry(self, entry: NewEntry) -> None:
        self.new_entries.append(entry)


@dataclass(frozen=True)
class NewEntry:
    """A timeline entry a delivery learned of (the channel was archived, Slack refused to unarchive it)."""

    kind: str
    actor_id: str | None
    text: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """Turns outbox events into effects (Slack posts), dispatching on the event's type.

    Must be idempotent per ``progress`` step: a delivery is retried from its recorded progress.
    """

    def deliver(self, delivery: Delivery) -> None: ...
