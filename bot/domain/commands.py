"""The typed commands ``/incident`` text parses into: one frozen dataclass per thing a person can ask for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.severity import Severity
from bot.domain.status import Status

MAX_TITLE = 150
MAX_TEXT = 2900


class CommandError(ValueError):
    """A user-facing explanation of why the command text was not understood."""


@dataclass(frozen=True)
class Declare:
    severity: Severity
    title: str
    description: str = ""


@dataclass(frozen=True)
class OpenDeclareModal:
    title: str = ""
    severity: Severity | None = None


@dataclass(frozen=True)
class PostUpdate:
    text: str
    status: Status | None = None


@dataclass(frozen=True)
class AssignRole:
    role_word: str
    user_id: str


@dataclass(frozen=True)
class ChangeSeverity:
    severity: Severity


@dataclass(frozen=True)
class AddNote:
    text: str


@dataclass(frozen=True)
class Resolve:
    summary: str
    root_cause: str = ""


@dataclass(frozen=True)
class Reopen:
    reason: str
    # ``reopen INC-… <reason>``: that incident (from any channel: an archived channel takes no commands).
    ref: str | None = None


@dataclass(frozen=True)
class Acknowledge:
    pass


@dataclass(frozen=True)
class Escalate:
    pass


@dataclass(frozen=True)
class ShowStatus:
    pass


@dataclass(frozen=True)
class PostSummary:
    pass


@dataclass(frozen=True)
class Draft:
    """A communication draft from a template; ``None`` lists the templates."""

    template: str | None = None


@dataclass(frozen=True)
class ListIncidents:
    pass


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class ShowOncall:
    pass


@dataclass(frozen=True)
class Runbook:
    runbook_id: str | None = None
    # ``name=value`` settings for this incident's copy of the runbook (e.g. ``service=checkout``).
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AddFollowup:
    """A follow-up (action item), optionally with an owner and a due date."""

    text: str
    owner_id: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class CloseFollowup:
    number: int


@dataclass(frozen=True)
class ListFollowups:
    """The incident's open follow-ups."""


@dataclass(frozen=True)
class MyFollowups:
    """The caller's open follow-ups, across incidents."""


@dataclass(frozen=True)
class ShowPostmortem:
    """The post-mortem's state: due, done (with its link) or skipped."""


@dataclass(frozen=True)
class PostmortemDone:
    link: str


@dataclass(frozen=True)
class PostmortemSkip:
    reason: str


@dataclass(frozen=True)
class Publish:
    """Open the Publish update form; ``message`` (possibly empty) prefills the public message."""

    message: str = ""


@dataclass(frozen=True)
class ShowTimeline:
    """The timeline, to the asker: this channel's incident, or ``ref``'s."""

    ref: str | None = None


Command = (
    Declare
    | OpenDeclareModal
    | PostUpdate
    | AssignRole
    | ChangeSeverity
    | AddNote
    | Resolve
    | Reopen
    | Acknowledge
    | Escalate
    | ShowStatus
    | PostSummary
    | ListIncidents
    | ShowHelp
    | ShowOncall
    | Runbook
    | Draft
    | AddFollowup
    | CloseFollowup
    | ListFollowups
    | MyFollowups
    | ShowPostmortem
    | PostmortemDone
    | PostmortemSkip
    | Publish
    | ShowTimeline
)
