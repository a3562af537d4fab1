"""The ``/incident`` command grammar: text in, a typed command (or a friendly error) out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.severity import Severity, SeverityPolicy
from bot.domain.status import Status, parse_status
from bot.domain.text import from_command

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
)

INCIDENT_ONLY: tuple[type, ...] = (
    PostUpdate,
    AssignRole,
    ChangeSeverity,
    AddNote,
    Resolve,
    Reopen,
    Acknowledge,
    Escalate,
    ShowStatus,
    PostSummary,
    Runbook,
    Draft,
)

# What a severity looks like even when this playbook does not define it: SEV9, and P7 or S3 when the
# playbook itself names severities that way (otherwise "S3 bucket public" is a title, not a typo).
_SEVERITY_SHAPED = re.compile(r"^(sev|p|s)-?\d+$", re.IGNORECASE)
# A user mention as Slack escapes it: <@U123|name> or <@U123>; W-prefixed ids in Enterprise Grid.
_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_SETTING_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9._:/@-]{1,200}$")
_ROOT_CAUSE = re.compile(r"(?:^|\s)root[ -]?cause\s*:", re.IGNORECASE)
_RAW_USER_ID = re.compile(r"^[UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,}$")


def parse_command(text: str, severities: SeverityPolicy) -> Command:
    """Parse the text after ``/incident``. Raises ``CommandError`` with a friendly message."""
    text = from_command((text or "").strip())
    if not text:
        return OpenDeclareModal()
    verb, rest = _split(text)
    key = verb.casefold()

    if key == "declare":
        if not rest:
            return OpenDeclareModal()
        word, title = _split(rest)
        severity = severities.lookup(word)
        if severity is None:
            raise CommandError(_unknown_severity(word, severities))
        return _declare_or_modal(severity, title)
    if key in _SIMPLE:
        if rest and key not in ("help",):
            raise CommandError(f"`{verb}` takes no arguments. Try `/incident {key}`.")
        return _SIMPLE[key]()
    if key == "update":
        return _parse_update(rest)
    if key == "role":
        return _parse_role(rest)
    if key in ("severity", "sev"):
        word, extra = _split(rest)
        if not word:
            valid = severities.describe_valid()
            raise CommandError(f"Which severity? Usage: `/incident severity <severity>`. Valid: {valid}.")
        severity = severities.lookup(word)
        if severity is None or extra:
            raise CommandError(_unknown_severity(rest, severities))
        return ChangeSeverity(severity)
    if key == "note":
        return AddNote(_required_text(rest, "note", "note <text>"))
    if key == "resolve":
        return _parse_resolve(rest)
    if key == "reopen":
        return Reopen(_required_text(rest, "reason", "reopen <reason>"))
    if key == "runbook":
        return _parse_runbook(rest)
    if key == "draft":
        word, extra = _split(rest)
        if extra:
            raise CommandError(
                "Which draft? Usage: `/incident draft [status|internal|external|resolution|postmortem]`."
            )
        return Draft(word.casefold() or None)

    # Otherwise: "<severity> <title>", or a bare title that opens the modal.
    severity = severities.lookup(verb)
    if severity is not None:
        return _declare_or_modal(severity, rest)
    if _severity_shaped(verb, severities):
        raise CommandError(_unknown_severity(verb, severities))
    return OpenDeclareModal(title=clean_title(text))


_SIMPLE: dict[str, Callable[[], Command]] = {
    "status": ShowStatus,
    "summary": PostSummary,
    "list": ListIncidents,
    "help": ShowHelp,
    "ack": Acknowledge,
    "acknowledge": Acknowledge,
    "escalate": Escalate,
    "oncall": ShowOncall,
    "on-call": ShowOncall,
}


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


def _split(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def _declare_or_modal(severity: Severity, title: str) -> Command:
    title = title.strip()
    if not title:
        return OpenDeclareModal(severity=severity)
    cleaned = clean_title(title)
    description = title if cleaned != " ".join(title.split()) else ""
    return Declare(severity=severity, title=cleaned, description=description)


def clean_title(title: str) -> str:
    """Collapse whitespace and keep at most ``MAX_TITLE`` characters, cut at a word boundary."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE:
        return title
    cut = title[: MAX_TITLE - 1]
    if " " in cut[MAX_TITLE // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + "…"


def _parse_update(rest: str) -> PostUpdate:
    word, text = _split(rest)
    status = parse_status(word) if word else None
    if status is None:
        text = rest
    elif not text:
        text = f"Status changed to {status.value}."
    usage = "update [investigating|identified|monitoring] <text>"
    return PostUpdate(text=_required_text(text, "update text", usage), status=status)


def _parse_runbook(rest: str) -> Runbook:
    """``runbook``, ``runbook <id>`` or ``runbook <id> name=value …``."""
    runbook_id, extra = _split(rest)
    if not runbook_id:
        return Runbook()
    settings: list[tuple[str, str]] = []
    for word in extra.split():
        name, sep, value = word.partition("=")
        if not sep or not _SETTING_NAME.match(name) or not _SETTING_VALUE.match(value):
            raise CommandError(
                f"`{word}` is not a runbook setting. Usage: `/incident runbook <id> [name=value …]`, "
                "for example `/incident runbook api-down service=checkout cluster=prod` (values: letters, "
                "digits and . _ : / @ -)."
            )
        settings.append((name, value))
    return Runbook(runbook_id, tuple(settings))


def _parse_resolve(rest: str) -> Resolve:
    """``<summary> [root cause: <text>]``: the root cause is optional and kept apart."""
    usage = "resolve <resolution summary> [root cause: <text>]"
    summary, root_cause = rest, ""
    match = _ROOT_CAUSE.search(rest)
    if match is not None:
        summary, root_cause = rest[: match.start()], rest[match.end() :].strip()
    return Resolve(_required_text(summary, "resolution summary", usage), root_cause[:MAX_TEXT])


def _parse_role(rest: str) -> AssignRole:
    usage = "Usage: `/incident role <role> @user`, for example `/incident role ic @alice`."
    role_word, who = _split(rest)
    # One token after the role, or one mention whose display name has spaces: <@U123|Ada Lovelace>.
    if not who or (len(who.split()) > 1 and not _USER_MENTION.match(who)):
        raise CommandError(usage)
    if (user_id := parse_user(who)) is None:
        raise CommandError(f"`{who}` is not a Slack user. Mention them with @. {usage}")
    return AssignRole(role_word=role_word, user_id=user_id)


def parse_user(token: str) -> str | None:
    """A Slack user id from ``<@U123|name>``, ``<@U123>`` or a bare id; ``None`` otherwise."""
    match = _USER_MENTION.match(token.strip())
    if match:
        return match.group(1)
    if _RAW_USER_ID.match(token.strip()):
        return token.strip()
    return None


def _required_text(text: str, what: str, usage: str) -> str:
    text = text.strip()
    if not text:
        raise CommandError(f"Please add the {what}: `/incident {usage}`.")
    if len(text) > MAX_TEXT:
        raise CommandError(
            f"That {what} is {len(text):,} characters; the limit is {MAX_TEXT:,}. Please shorten it."
        )
    return text


def _unknown_severity(word: str, severities: SeverityPolicy) -> str:
    return f"`{word}` is not a severity here. Valid severities: {severities.describe_valid()}."
