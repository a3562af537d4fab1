"""The normalized alert every source is parsed into, and the error a payload of the wrong shape raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["firing", "resolved"]
FIRING: Status = "firing"
RESOLVED: Status = "resolved"
# The sources the bot knows; ``cloudwatch`` arrives through SNS.
SOURCES = ("alertmanager", "datadog", "cloudwatch", "generic")


class AlertShapeError(ValueError):
    """A payload that is not what its source sends; the message is a short reason for the sender."""


@dataclass(frozen=True)
class Alert:
    """One alert, whatever sent it. ``fingerprint`` identifies the same alert across repeats."""

    source: str
    name: str
    status: Status
    fingerprint: str
    summary: str = ""
    severity: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def firing(self) -> bool:
        return self.status == FIRING

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "name": self.name,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "summary": self.summary,
            "severity": self.severity,
            "labels": dict(self.labels),
            "url": self.url,
        }
