"""The table of ``/incident`` verbs: words, usage, where each may be used, how it parses, what it yields.

Parsing (``grammar.parse_command``), the help text (``usage.help_text``) and the Slack dispatch (one handler
per ``Verb`` in ``slack.listeners.commands``) are all derived from ``VERBS``; a new verb is one row here.
Over 300 lines because it is that one table, a few lines a verb, in the order ``help`` lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import arguments as a
from bot.domain import commands as c
from bot.domain import postmortem_args as pm
from bot.domain.postmortems import DONE_USAGE, SKIP_USAGE


class Scope(StrEnum):
    ANYWHERE = "anywhere"
    INCIDENT = "incident channel"


class Verb(StrEnum):
    """The key that ties a row of the table to its handler."""

    DECLARE = "declare"
    OPEN_FORM = "open-form"
    LIST = "list"
    ONCALL = "oncall"
    HELP = "help"
    UPDATE = "update"
    ROLE = "role"
    SEVERITY = "severity"
    NOTE = "note"
    ACK = "ack"
    ESCALATE = "escalate"
    RUNBOOK = "runbook"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    STATUS = "status"
    SUMMARY = "summary"
    DRAFT = "draft"
    FOLLOWUP = "followup"
    FOLLOWUP_DONE = "followup-done"
    FOLLOWUPS = "followups"
    MY_FOLLOWUPS = "my-followups"
    POSTMORTEM = "postmortem"
    POSTMORTEM_DONE = "postmortem-done"
    POSTMORTEM_SKIP = "postmortem-skip"
    PUBLIC = "public"
    TIMELINE = "timeline"


@dataclass(frozen=True)
class VerbSpec:
    """One verb: ``words`` (the first is the name, the rest aliases; none for the bare form)."""

    key: Verb
    words: tuple[str, ...]
    usage: str
    summary: str
    scope: Scope
    parse: a.ArgParser
    # The command this verb parses into (``declare`` without a title yields the form's instead).
    command: type[c.Command]

    @property
    def verb(self) -> str:
        """The word the help shows; empty for the bare form."""
        return self.words[0] if self.words else ""


def _form(words: a.Words) -> c.Command:
    return c.OpenDeclareModal()


ANYWHERE, INCIDENT = Scope.ANYWHERE, Scope.INCIDENT

# In the order ``help`` lists them.
VERBS: tuple[VerbSpec, ...] = (
    VerbSpec(
        Verb.DECLARE,
        words=("declare",),
        usage="[declare] <severity> <title>",
        summary="Declare an incident and open its channel",
        scope=ANYWHERE,
        parse=a.declare,
        command=c.Declare,
    ),
    VerbSpec(
        Verb.OPEN_FORM,
        words=(),
        usage="(no arguments) or <title>",
        summary="Open the declare form",
        scope=ANYWHERE,
        parse=_form,
        command=c.OpenDeclareModal,
    ),
    VerbSpec(
        Verb.LIST,
        words=("list",),
        usage="list",
        summary="Open incidents, most severe first",
        scope=ANYWHERE,
        parse=a.no_arguments(c.ListIncidents),
        command=c.ListIncidents,
    ),
    VerbSpec(
        Verb.ONCALL,
        words=("oncall", "on-call"),
        usage="oncall",
        summary="Who is on call now, and until when",
        scope=ANYWHERE,
        parse=a.no_arguments(c.ShowOncall),
        command=c.ShowOncall,
    ),
    VerbSpec(
        Verb.HELP,
        words=("help",),
        usage="help",
        summary="This help",
        scope=ANYWHERE,
        parse=a.no_arguments(c.ShowHelp, ignore_extra=True),
        command=c.ShowHelp,
    ),
    VerbSpec(
        Verb.UPDATE,
        words=("update",),
        usage="update [investigating|identified|monitoring] <text>",
        summary="Post a status update (mirrored to the broadcast channel)",
        scope=INCIDENT,
        parse=a.update,
        command=c.PostUpdate,
    ),
    VerbSpec(
        Verb.ROLE,
        words=("role",),
        usage="role <role> @user",
        summary="Hand a role to someone",
        scope=INCIDENT,
        parse=a.role,
        command=c.AssignRole,
    ),
    VerbSpec(
        Verb.SEVERITY,
        words=("severity", "sev"),
        usage="severity <severity>",
        summary="Change the severity",
        scope=INCIDENT,
        parse=a.severity,
        command=c.ChangeSeverity,
    ),
    VerbSpec(
        Verb.NOTE,
        words=("note",),
        usage="note <text>",
        summary="Add an entry to the timeline",
        scope=INCIDENT,
        parse=a.note,
        command=c.AddNote,
    ),
    VerbSpec(
        Verb.ACK,
        words=("ack", "acknowledge"),
        usage="ack",
        summary="Acknowledge the incident (stops paging)",
        scope=INCIDENT,
        parse=a.no_arguments(c.Acknowledge),
        command=c.Acknowledge,
    ),
    VerbSpec(
        Verb.ESCALATE,
        words=("escalate",),
        usage="escalate",
        summary="Page the next escalation level now",
        scope=INCIDENT,
        parse=a.no_arguments(c.Escalate),
        command=c.Escalate,
    ),
    VerbSpec(
        Verb.RUNBOOK,
        words=("runbook",),
        usage="runbook [id [name=value …]]",
        summary="List runbooks, or attach one (optionally setting its variables, e.g. service=checkout)",
        scope=INCIDENT,
        parse=a.runbook,
        command=c.Runbook,
    ),
    VerbSpec(
        Verb.RESOLVE,
        words=("resolve",),
        usage="resolve <resolution summary> [root cause: <text>]",
        summary="Resolve the incident",
        scope=INCIDENT,
        parse=a.resolve,
        command=c.Resolve,
    ),
    VerbSpec(
        Verb.REOPEN,
        words=("reopen",),
        usage="reopen [INC-…] <reason>",
        summary="Reopen a resolved incident (anywhere with its INC-… reference, e.g. once its channel is archived)",
        scope=INCIDENT,
        parse=a.reopen,
        command=c.Reopen,
    ),
    VerbSpec(
        Verb.STATUS,
        words=("status",),
        usage="status",
        summary="Show the incident card (only to you)",
        scope=INCIDENT,
        parse=a.no_arguments(c.ShowStatus),
        command=c.ShowStatus,
    ),
    VerbSpec(
        Verb.SUMMARY,
        words=("summary",),
        usage="summary",
        summary="Post a summary of the incident so far",
        scope=INCIDENT,
        parse=a.no_arguments(c.PostSummary),
        command=c.PostSummary,
    ),
    VerbSpec(
        Verb.DRAFT,
        words=("draft",),
        usage="draft [status|internal|external|resolution|postmortem]",
        summary="Draft a message from the playbook's templates (only to you)",
        scope=INCIDENT,
        parse=a.draft,
        command=c.Draft,
    ),
    VerbSpec(
        Verb.TIMELINE,
        words=("timeline",),
        usage="timeline [INC-…]",
        summary="The incident's timeline, page by page (only to you); pin a message or react with "
        ":pushpin: or :stopwatch: to add it",
        scope=INCIDENT,
        parse=a.timeline,
        command=c.ShowTimeline,
    ),
    VerbSpec(
        Verb.FOLLOWUP,
        words=("followup", "follow-up"),
        usage=a.FOLLOWUP_USAGE,
        summary="Record a follow-up (action item), with an owner and a due date if you like",
        scope=INCIDENT,
        parse=a.followup,
        command=c.AddFollowup,
    ),
    VerbSpec(
        Verb.FOLLOWUP_DONE,
        words=(),  # ``followup done <n>``: the ``followup`` verb's parser yields it
        usage=a.FOLLOWUP_DONE_USAGE,
        summary="Close follow-up number n",
        scope=INCIDENT,
        parse=a.followup,
        command=c.CloseFollowup,
    ),
    VerbSpec(
        Verb.FOLLOWUPS,
        words=("followups", "follow-ups"),
        usage="followups",
        summary="This incident's open follow-ups, with Done buttons (only to you)",
        scope=INCIDENT,
        parse=a.followups,
        command=c.ListFollowups,
    ),
    VerbSpec(
        Verb.MY_FOLLOWUPS,
        words=(),  # ``followups mine``: the ``followups`` verb's parser yields it
        usage="followups mine",
        summary="Your open follow-ups across incidents (only to you)",
        scope=ANYWHERE,
        parse=a.followups,
        command=c.MyFollowups,
    ),
    VerbSpec(
        Verb.POSTMORTEM,
        words=("postmortem", "post-mortem"),
        usage="postmortem",
        summary="The post-mortem: when it is due, or its link once done (only to you)",
        scope=INCIDENT,
        parse=pm.postmortem,
        command=c.ShowPostmortem,
    ),
    VerbSpec(
        Verb.POSTMORTEM_DONE,
        words=(),  # ``postmortem done <link>``: the ``postmortem`` verb's parser yields it
        usage=DONE_USAGE,
        summary="Record the written post-mortem by its link; the reminders stop",
        scope=INCIDENT,
        parse=pm.postmortem,
        command=c.PostmortemDone,
    ),
    VerbSpec(
        Verb.POSTMORTEM_SKIP,
        words=(),  # ``postmortem skip <reason>``
        usage=SKIP_USAGE,
        summary="No post-mortem for this incident, and why; the reminders stop",
        scope=INCIDENT,
        parse=pm.postmortem,
        command=c.PostmortemSkip,
    ),
    VerbSpec(
        Verb.PUBLIC,
        words=("public", "publish"),
        usage="public [message]",
        summary="Publish an update to the status page (opens the form, prefilled with your message)",
        scope=INCIDENT,
        parse=a.publish,
        command=c.Publish,
    ),
)

BY_WORD: Mapping[str, VerbSpec] = {word: spec for spec in VERBS for word in spec.words}
BY_KEY: Mapping[Verb, VerbSpec] = {spec.key: spec for spec in VERBS}
_BY_COMMAND: Mapping[type, VerbSpec] = {spec.command: spec for spec in VERBS}

# Every command a person can type inside an incident channel only.
INCIDENT_ONLY: tuple[type[c.Command], ...] = tuple(
    spec.command for spec in VERBS if spec.scope is Scope.INCIDENT
)


def spec_for(command: c.Command) -> VerbSpec:
    """The row a parsed command came from."""
    return _BY_COMMAND[type(command)]
