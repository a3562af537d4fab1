"""What ``/incident`` understands, verb by verb: the table behind the help text and the playbooks' checks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    ANYWHERE = "anywhere"
    INCIDENT = "incident channel"


@dataclass(frozen=True)
class CommandSpec:
    """One verb of the grammar; ``help`` is generated from these."""

    verb: str
    usage: str
    summary: str
    scope: Scope


SPECS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "declare", "[declare] <severity> <title>", "Declare an incident and open its channel", Scope.ANYWHERE
    ),
    CommandSpec("", "(no arguments) or <title>", "Open the declare form", Scope.ANYWHERE),
    CommandSpec("list", "list", "Open incidents, most severe first", Scope.ANYWHERE),
    CommandSpec("oncall", "oncall", "Who is on call now, and until when", Scope.ANYWHERE),
    CommandSpec("help", "help", "This help", Scope.ANYWHERE),
    CommandSpec(
        "update",
        "update [investigating|identified|monitoring] <text>",
        "Post a status update (mirrored to the broadcast channel)",
        Scope.INCIDENT,
    ),
    CommandSpec("role", "role <role> @user", "Hand a role to someone", Scope.INCIDENT),
    CommandSpec("severity", "severity <severity>", "Change the severity", Scope.INCIDENT),
    CommandSpec("note", "note <text>", "Add an entry to the timeline", Scope.INCIDENT),
    CommandSpec("ack", "ack", "Acknowledge the incident (stops paging)", Scope.INCIDENT),
    CommandSpec("escalate", "escalate", "Page the next escalation level now", Scope.INCIDENT),
    CommandSpec(
        "runbook",
        "runbook [id [name=value …]]",
        "List runbooks, or attach one (optionally setting its variables, e.g. service=checkout)",
        Scope.INCIDENT,
    ),
    CommandSpec(
        "resolve",
        "resolve <resolution summary> [root cause: <text>]",
        "Resolve the incident",
        Scope.INCIDENT,
    ),
    CommandSpec("reopen", "reopen <reason>", "Reopen a resolved incident", Scope.INCIDENT),
    CommandSpec("status", "status", "Show the incident card (only to you)", Scope.INCIDENT),
    CommandSpec("summary", "summary", "Post a summary of the incident so far", Scope.INCIDENT),
    CommandSpec(
        "draft",
        "draft [status|internal|external|resolution|postmortem]",
        "Draft a message from the playbook's templates (only to you)",
        Scope.INCIDENT,
    ),
)


def help_text() -> str:
    """Usage generated from ``SPECS``."""
    lines = ["*`/incident` commands*", "", "_Anywhere:_"]
    lines += [f"• `/incident {s.usage}`: {s.summary}" for s in SPECS if s.scope is Scope.ANYWHERE]
    lines += ["", "_Inside an incident channel:_"]
    lines += [f"• `/incident {s.usage}`: {s.summary}" for s in SPECS if s.scope is Scope.INCIDENT]
    return "\n".join(lines)
