"""The daily digest as data: open incidents, those resolved in the last day, what is overdue; JSON round-trip.

Built once when the digest fires and carried in its outbox row, so a late delivery still shows that moment.
Private incidents appear only as counts: nothing here describes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from bot.domain.severity import Severity


@dataclass(frozen=True)
class DigestIncident:
    """One public incident as the digest shows it."""

    ref: str
    title: str
    severity: Severity
    status: str
    channel_id: str | None
    commander_id: str | None
    declared_at: datetime
    last_update_text: str = ""
    last_update_by: str | None = None
    last_update_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class OverdueUpdate:
    ref: str
    title: str
    due_at: datetime


@dataclass(frozen=True)
class OverdueFollowUp:
    ref: str
    number: int
    text: str
    owner_id: str | None
    due_on: date


@dataclass(frozen=True)
class OverduePostmortem:
    ref: str
    title: str
    due_at: datetime


@dataclass(frozen=True)
class Digest:
    """What the digest says at ``at`` (``day`` is the local date it is for)."""

    day: date
    at: datetime
    open: tuple[DigestIncident, ...] = ()  # most severe first, then oldest first
    open_private: int = 0
    resolved: tuple[DigestIncident, ...] = ()  # resolved in the 24 hours before ``at``, latest first
    resolved_private: int = 0
    overdue_updates: tuple[OverdueUpdate, ...] = ()
    overdue_followups: tuple[OverdueFollowUp, ...] = ()
    overdue_postmortems: tuple[OverduePostmortem, ...] = ()
    overdue_private: int = 0  # overdue updates, follow-ups and post-mortems of private incidents
    postmortems_known: bool = field(default=False)  # whether post-mortem due dates are recorded at all

    def to_payload(self) -> dict[str, Any]:
        return {f.name: _dump(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Digest:
        return cls(
            day=date.fromisoformat(str(data["day"])),
            at=datetime.fromisoformat(str(data["at"])),
            open=tuple(_incident(i) for i in data.get("open", ())),
            open_private=int(data.get("open_private", 0)),
            resolved=tuple(_incident(i) for i in data.get("resolved", ())),
            resolved_private=int(data.get("resolved_private", 0)),
            overdue_updates=tuple(
                OverdueUpdate(str(u["ref"]), str(u["title"]), datetime.fromisoformat(str(u["due_at"])))
                for u in data.get("overdue_updates", ())
            ),
            overdue_followups=tuple(
                OverdueFollowUp(
                    str(f["ref"]), int(f["number"]), str(f["text"]), f.get("owner_id"), date.fromisoformat(str(f["due_on"]))
                )
                for f in data.get("overdue_followups", ())
            ),
            overdue_postmortems=tuple(
                OverduePostmortem(str(p["ref"]), str(p["title"]), datetime.fromisoformat(str(p["due_at"])))
                for p in data.get("overdue_postmortems", ())
            ),
            overdue_private=int(data.get("overdue_private", 0)),
            postmortems_known=bool(data.get("postmortems_known", False)),
        )


def _dump(value: object) -> object:
    if isinstance(value, Severity):
        return value.to_snapshot()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _dump(getattr(value, f.name)) for f in fields(value)}  # type: ignore[arg-type]
    return value


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _incident(data: dict[str, Any]) -> DigestIncident:
    declared = _moment(data["declared_at"])
    assert declared is not None
    return DigestIncident(
        ref=str(data["ref"]),
        title=str(data["title"]),
        severity=Severity.from_snapshot(data["severity"]),
        status=str(data["status"]),
        channel_id=data.get("channel_id"),
        commander_id=data.get("commander_id"),
        declared_at=declared,
        last_update_text=str(data.get("last_update_text", "")),
        last_update_by=data.get("last_update_by"),
        last_update_at=_moment(data.get("last_update_at")),
        resolved_at=_moment(data.get("resolved_at")),
    )
