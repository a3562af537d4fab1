"""Severity levels and the policy that looks them up by id or alias."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

# A resolved incident's channel is archived this long after resolution unless its severity says otherwise.
DEFAULT_ARCHIVE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Severity:
    """One severity level as a playbook defines it; ``rank`` 0 is the most severe."""

    id: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    rank: int = 0
    respond_within: timedelta | None = None
    update_every: timedelta | None = None
    escalation: str | None = None
    postmortem_within: timedelta | None = None
    private: bool = False
    broadcast_post: bool = False
    emoji: str = ""
    # None: the channel is never archived.
    archive_after: timedelta | None = DEFAULT_ARCHIVE_AFTER
    # "suggest", "optional" or "never" (bot.domain.publication.StatusPagePolicy); private ones are never.
    status_page: str = "optional"
    # Publish the declaration, each status update and the resolution to the stakeholder topic.
    notify_stakeholders: bool = False

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name and self.name != self.id else self.id

    def to_snapshot(self) -> dict[str, Any]:
        """A JSON-safe copy kept on each incident so later playbook edits never change it."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "aliases": list(self.aliases),
            "rank": self.rank,
            "respond_within": _secs(self.respond_within),
            "update_every": _secs(self.update_every),
            "escalation": self.escalation,
            "postmortem_within": _secs(self.postmortem_within),
            "private": self.private,
            "broadcast_post": self.broadcast_post,
            "emoji": self.emoji,
            "archive_after": _secs(self.archive_after),
            "status_page": self.status_page,
            "notify_stakeholders": self.notify_stakeholders,
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Severity:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            description=str(data.get("description", "")),
            aliases=tuple(data.get("aliases", ())),
            rank=int(data.get("rank", 0)),
            respond_within=_td(data.get("respond_within")),
            update_every=_td(data.get("update_every")),
            escalation=data.get("escalation"),
            postmortem_within=_td(data.get("postmortem_within")),
            private=bool(data.get("private", False)),
            broadcast_post=bool(data.get("broadcast_post", False)),
            emoji=str(data.get("emoji", "")),
            # Incidents declared before the key existed archive after the default.
            archive_after=_td(data.get("archive_after", _secs(DEFAULT_ARCHIVE_AFTER))),
            status_page=str(data.get("status_page") or _default_status_page(data)),
            notify_stakeholders=bool(data.get("notify_stakeholders", False)),
        )


def _default_status_page(data: Mapping[str, Any]) -> str:
    """Snapshots taken before severities had ``status_page``: publishing allowed, never suggested late."""
    return "never" if data.get("private") else "optional"


def _secs(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def _td(seconds: Any) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=int(seconds))


@dataclass(frozen=True)
class SeverityPolicy:
    """The ordered severities of a playbook (most severe first), looked up case-insensitively."""

    levels: tuple[Severity, ...]
    _index: dict[str, Severity] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Severity] = {}
        for sev in self.levels:
            for key in (sev.id, *sev.aliases):
                index.setdefault(key.casefold(), sev)
        object.__setattr__(self, "_index", index)

    @classmethod
    def of(cls, levels: Iterable[Severity]) -> SeverityPolicy:
        return cls(tuple(levels))

    def __iter__(self) -> Iterator[Severity]:
        return iter(self.levels)

    def __len__(self) -> int:
        return len(self.levels)

    def lookup(self, word: str) -> Severity | None:
        """The severity whose id or alias is ``word`` (case-insensitive), or ``None``."""
        return self._index.get(word.strip().casefold())

    def get(self, severity_id: str) -> Severity:
        sev = self.lookup(severity_id)
        if sev is None:
            raise KeyError(severity_id)
        return sev

    def ids(self) -> list[str]:
        return [s.id for s in self.levels]

    def describe_valid(self) -> str:
        """``SEV1 (Critical), SEV2 (High), …`` for error messages."""
        return ", ".join(s.label for s in self.levels)
