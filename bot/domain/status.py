"""The incident status machine as an explicit transition table."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an incident stands; ``RESOLVED`` is terminal until an explicit reopen."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


ACTIVE_STATUSES: tuple[Status, ...] = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)

# Any move between active statuses (forward or backward) and any active status to resolved.
# Out of resolved only through reopen, which lands back in investigating.
_ANY_ACTIVE_OR_RESOLVED = frozenset({*ACTIVE_STATUSES, Status.RESOLVED})
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.INVESTIGATING: _ANY_ACTIVE_OR_RESOLVED,
    Status.IDENTIFIED: _ANY_ACTIVE_OR_RESOLVED,
    Status.MONITORING: _ANY_ACTIVE_OR_RESOLVED,
    Status.RESOLVED: frozenset(),
}
REOPEN_TARGET = Status.INVESTIGATING


class IllegalTransition(ValueError):
    """Raised for a status change the table does not allow; the message is user-facing."""

    def __init__(self, current: Status, target: Status) -> None:
        self.current = current
        self.target = target
        if current is Status.RESOLVED and target is Status.RESOLVED:
            message = "This incident is already resolved."
        elif current is Status.RESOLVED:
            message = (
                f"This incident is resolved, so it can't move to *{target.value}*. "
                "Use `/incident reopen <reason>` first."
            )
        else:
            message = f"An incident can't move from *{current.value}* to *{target.value}*."
        super().__init__(message)


def check_transition(current: Status, target: Status) -> Status:
    """Return ``target`` if the table allows ``current -> target``, else raise ``IllegalTransition``."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    return target


def check_reopen(current: Status) -> Status:
    """Only a resolved incident can be reopened; it goes back to investigating."""
    if current is not Status.RESOLVED:
        raise ValueError(f"This incident is still open ({current.value}); nothing to reopen.")
    return REOPEN_TARGET


def parse_status(word: str) -> Status | None:
    """An active status from a word typed by a user (case-insensitive), else ``None``."""
    try:
        status = Status(word.strip().casefold())
    except ValueError:
        return None
    return status if status in ACTIVE_STATUSES else None
