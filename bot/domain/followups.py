"""Follow-ups (action items): what one is, how its due date reads, and when it falls overdue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

# A follow-up is overdue once its due day is over, in UTC: from midnight UTC after ``due_on``.
OVERDUE_TZ = UTC
# The effect key of one follow-up's overdue DM (the scheduler's record, unique per incident and number).
OVERDUE_EFFECT = "followup_overdue"
DATE_FORMAT = "YYYY-MM-DD"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)


class BadDueDate(ValueError):
    """A due date that is not a real ``YYYY-MM-DD`` date; the message is meant for the person."""


def parse_due_date(word: str) -> date:
    """``2026-12-15`` as a date; anything else (``15/12/2026``, ``2026-02-30``) raises ``BadDueDate``."""
    match = _ISO_DATE.match(word)
    example = "for example `due 2026-12-15`"
    if match is None:
        raise BadDueDate(f"`{word}` is not a date. Write the due date as {DATE_FORMAT}, {example}.")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise BadDueDate(f"`{word}` is not a day of the calendar. Write it as {DATE_FORMAT}, {example}.") from None


def overdue_at(due_on: date) -> datetime:
    """The moment a follow-up due on ``due_on`` falls overdue: the end of that day."""
    return datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=OVERDUE_TZ)


def today(now: datetime) -> date:
    """The day ``now`` falls on, in the time zone due dates are read in."""
    return now.astimezone(OVERDUE_TZ).date()


def overdue_effect(number: int) -> str:
    """The effect kind recorded when follow-up ``number``'s owner was told it is overdue."""
    return f"{OVERDUE_EFFECT}:{number}"


@dataclass(frozen=True)
class FollowUpView:
    """One follow-up as the use cases and Slack show it, detached from the database."""

    id: int
    incident_id: int
    number: int
    text: str
    owner_id: str | None
    due_on: date | None
    created_by: str
    created_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    external_url: str | None = None
    incident_ref: str = ""
    incident_title: str = ""

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_on is not None and now >= overdue_at(self.due_on)
