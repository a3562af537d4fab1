"""Stakeholder notifications: when they are sent, their subject line, attributes and once-only key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DECLARED = "declared"
UPDATED = "updated"
RESOLVED = "resolved"
MOMENTS = (DECLARED, UPDATED, RESOLVED)
# SNS takes subjects of fewer than 100 characters, on one line.
MAX_SUBJECT = 99
ELLIPSIS = "…"

_HEADINGS = {
    DECLARED: "Production Incident",
    UPDATED: "Production Incident Update",
    RESOLVED: "Production Incident Resolved",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class StakeholderMessage:
    """One notification as it goes out: subject, text, attributes subscribers filter on, and its key."""

    subject: str
    body: str
    key: str
    # ``severity``, ``status``, ``incident_id``: all strings.
    attributes: dict[str, str] = field(default_factory=dict)
    # Notifications of one incident keep their order on a FIFO topic.
    group: str = ""


def notice_key(incident_ref: str, moment: str, entry_id: int) -> str:
    """The notification's identity: one per timeline entry and moment, whatever the retries."""
    return f"{incident_ref}:{moment}:{entry_id}"


def one_line(text: str) -> str:
    """Control characters and runs of whitespace become single spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def fit(text: str, limit: int = MAX_SUBJECT) -> str:
    """``text`` on one line, at most ``limit`` characters: cut at a word boundary with an ellipsis if longer."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    cut = text[: room + 1].rfind(" ")
    head = text[:cut] if cut > room // 2 else text[:room]
    return head.rstrip(" -:,;") + ELLIPSIS


def subject_line(severity_id: str, title: str, moment: str, private: bool = False) -> str:
    """``[SEV1] Production Incident - Payment System`` (the seeds' shape); a private incident has no title."""
    if private:
        return fit(f"[{severity_id}] Private incident {moment}")
    return fit(f"[{severity_id}] {_HEADINGS.get(moment, _HEADINGS[DECLARED])} - {title}")


def private_body(severity_id: str, moment: str) -> str:
    """All stakeholders hear of a private incident: that one was declared, or resolved."""
    return f"A private {severity_id} incident was {moment}."


def attributes(severity_id: str, status: str, incident_ref: str) -> dict[str, str]:
    return {"severity": severity_id, "status": status, "incident_id": incident_ref}
