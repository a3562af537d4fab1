"""Post-mortems: when one is due, when its reminders fall and what a valid link to the written one is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

# The effect key of a post-mortem reminder (the scheduler's record, unique per incident and due time).
REMINDER_EFFECT = "postmortem_reminder"
# After the reminder at the due time, one a day until it is done or skipped.
REMIND_EVERY = timedelta(days=1)
MAX_LINK = 500
MAX_REASON = 500
DONE_USAGE = "postmortem done <link>"
SKIP_USAGE = "postmortem skip <reason>"
_SPACE = re.compile(r"\s")


class BadLink(ValueError):
    """A post-mortem link that is not an http(s) URL; the message is meant for the person."""


def filename(ref: str) -> str:
    """``INC-2026-0042-postmortem.md``."""
    return f"{ref}-postmortem.md"


def export_key(ref: str, year: int, suffix: str) -> str:
    """Where a resolved incident's documents go in the export bucket: ``incidents/2026/INC-2026-0042.yaml``."""
    return f"incidents/{year}/{ref}.{suffix}"


def due_at(resolved_at: datetime, within: timedelta | None) -> datetime | None:
    """When the post-mortem is due: ``within`` after the resolution; ``None`` when the severity expects none."""
    return resolved_at + within if within else None


def next_reminder_after(due: datetime, now: datetime) -> datetime:
    """The first daily reminder time (``due``, ``due`` + 1 day, …) later than ``now``.

    A scheduler that was down for days sends one reminder when it comes back, then goes on daily from the
    due time, never a burst of the missed ones."""
    if now < due:
        return due
    steps = (now - due) // REMIND_EVERY + 1
    return due + steps * REMIND_EVERY


def check_link(text: str) -> str:
    """The link as given (Slack's ``<https://…|label>`` unwrapped) if it is an http(s) URL with a host."""
    link = text.strip()
    if link.startswith("<") and link.endswith(">"):
        link = link[1:-1].split("|", 1)[0]
    example = "for example `/incident postmortem done https://wiki.example.com/pm/INC-2026-0042`"
    if not link:
        raise BadLink(f"Which document? Give its link: {example}.")
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or _SPACE.search(link):
        raise BadLink(f"`{link}` is not a link to the post-mortem. Give an http(s) URL, {example}.")
    if len(link) > MAX_LINK:
        raise BadLink(f"That link is longer than {MAX_LINK} characters; give a shorter one.")
    return link


@dataclass(frozen=True)
class PostmortemView:
    """An incident's post-mortem as the use cases and Slack show it."""

    incident_id: int
    revision: int
    due_at: datetime | None
    done_at: datetime | None = None
    done_by: str | None = None
    link: str | None = None
    skipped_at: datetime | None = None
    skipped_by: str | None = None
    skipped_reason: str | None = None
    file_id: str | None = None
    reminders_sent: int = 0

    @property
    def state(self) -> str:
        """``done``, ``skipped``, ``due`` (expected, not yet recorded) or ``none`` (the severity expects none)."""
        if self.done_at:
            return "done"
        if self.skipped_at:
            return "skipped"
        return "due" if self.due_at else "none"

    def overdue(self, now: datetime) -> bool:
        return self.state == "due" and self.due_at is not None and self.due_at <= now
