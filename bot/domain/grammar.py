"""The ``/incident`` command grammar: text in, a typed command (or a friendly error) out.

The verbs themselves are rows of ``bot.domain.verbs.VERBS``; this module finds the row for the first word
and falls back to ``<severity> <title>`` or a bare title (which opens the declare form).
"""

from __future__ import annotations

import re

from bot.domain.arguments import Words, clean_title, declare_or_modal, parse_user, split, unknown_severity
from bot.domain.commands import (
    MAX_TEXT,
    MAX_TITLE,
    Acknowledge,
    AddFollowup,
    AddNote,
    AssignRole,
    ChangeSeverity,
    CloseFollowup,
    Command,
    CommandError,
    Declare,
    Draft,
    Escalate,
    ListFollowups,
    ListIncidents,
    MyFollowups,
    OpenDeclareModal,
    PostSummary,
    PostUpdate,
    Publish,
    Reopen,
    Resolve,
    Runbook,
    ShowHelp,
    ShowOncall,
    ShowStatus,
    ShowTimeline,
)
from bot.domain.severity import SeverityPolicy
from bot.domain.suggest import closest_verbs, unknown_command
from bot.domain.text import from_command
from bot.domain.verbs import BY_WORD, INCIDENT_ONLY

__all__ = [
    "INCIDENT_ONLY",
    "MAX_TEXT",
    "MAX_TITLE",
    "Acknowledge",
    "AddFollowup",
    "AddNote",
    "AssignRole",
    "ChangeSeverity",
    "CloseFollowup",
    "Command",
    "CommandError",
    "Declare",
    "Draft",
    "Escalate",
    "ListFollowups",
    "ListIncidents",
    "MyFollowups",
    "OpenDeclareModal",
    "PostSummary",
    "PostUpdate",
    "Publish",
    "Reopen",
    "Resolve",
    "Runbook",
    "ShowHelp",
    "ShowOncall",
    "ShowStatus",
    "ShowTimeline",
    "clean_title",
    "parse_command",
    "parse_user",
]

# What a severity looks like even when this playbook does not define it: SEV9, and P7 or S3 when the
# playbook itself names severities that way (otherwise "S3 bucket public" is a title, not a typo).
_SEVERITY_SHAPED = re.compile(r"^(sev|p|s)-?\d+$", re.IGNORECASE)


def parse_command(text: str, severities: SeverityPolicy) -> Command:
    """Parse the text after ``/incident``. Raises ``CommandError`` with a friendly message."""
    text = from_command((text or "").strip())
    if not text:
        return OpenDeclareModal()
    verb, rest = split(text)
    spec = BY_WORD.get(verb.casefold())
    if spec is not None:
        return spec.parse(Words(verb, rest, severities))

    # Otherwise: "<severity> <title>", or a bare title that opens the modal.
    severity = severities.lookup(verb)
    if severity is not None:
        return declare_or_modal(severity, rest)
    if _severity_shaped(verb, severities):
        raise CommandError(unknown_severity(verb, severities))
    if not rest and closest_verbs(verb):  # a typo of a verb, not a one-word title
        raise CommandError(unknown_command(verb))
    return OpenDeclareModal(title=clean_title(text))


def _severity_shaped(word: str, severities: SeverityPolicy) -> bool:
    """``SEV9`` always; ``P7``/``S3`` only if the playbook has ids or aliases of that shape."""
    match = _SEVERITY_SHAPED.match(word)
    if match is None:
        return False
    prefix = match.group(1).casefold()
    if prefix == "sev":
        return True
    return any(
        (m := _SEVERITY_SHAPED.match(key)) is not None and m.group(1).casefold() == prefix
        for sev in severities
        for key in (sev.id, *sev.aliases)
    )
