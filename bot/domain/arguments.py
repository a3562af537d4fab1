"""How each ``/incident`` verb reads the words after it: one parser per verb, each raising ``CommandError``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.commands import (
    MAX_TEXT,
    MAX_TITLE,
    AddFollowup,
    AddNote,
    AssignRole,
    ChangeSeverity,
    CloseFollowup,
    Command,
    CommandError,
    Declare,
    Draft,
    ListFollowups,
    MyFollowups,
    OpenDeclareModal,
    PostUpdate,
    Publish,
    Reopen,
    Resolve,
    Runbook,
    ShowTimeline,
)
from bot.domain.followups import BadDueDate, parse_due_date
from bot.domain.severity import Severity, SeverityPolicy
from bot.domain.status import parse_status

# A user mention as Slack escapes it: <@U123|name> or <@U123>; W-prefixed ids in Enterprise Grid.
_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_SETTING_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9._:/@-]{1,200}$")
_ROOT_CAUSE = re.compile(r"(?:^|\s)root[ -]?cause\s*:", re.IGNORECASE)
_RAW_USER_ID = re.compile(r"^[UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,}$")
_TRAILING_OWNER = re.compile(r"(?:^|\s)<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>\s*$")
_TRAILING_DUE = re.compile(r"(?:^|\s)due\s+(\S+)\s*$", re.IGNORECASE)
# After a trailing ``due``, a word that is meant as a date (and so must be one), not the end of a sentence.
_DATE_MEANT = re.compile(
    r"\d|^(today|tomorrow|tonight|next|eod|eow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$",
    re.IGNORECASE,
)
# An incident reference as people type it: INC-2026-0042 (any case).
_REF = re.compile(r"^INC-\d{4}-\d{4,}$", re.IGNORECASE)
FOLLOWUP_USAGE = "followup <text> [@owner] [due YYYY-MM-DD]"
FOLLOWUP_DONE_USAGE = "followup done <n>"


@dataclass(frozen=True)
class Words:
    """The command text split for one verb: the verb as typed, the rest, and the playbook's severities."""

    verb: str
    rest: str
    severities: SeverityPolicy


ArgParser = Callable[[Words], Command]


def split(text: str) -> tuple[str, str]:
    """The first word and the rest, both stripped."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def no_arguments(make: Callable[[], Command], *, ignore_extra: bool = False) -> ArgParser:
    """A verb that takes nothing (``help`` ignores anything after it)."""

    def parse(words: Words) -> Command:
        if words.rest and not ignore_extra:
            raise CommandError(f"`{words.verb}` takes no arguments. Try `/incident {words.verb.casefold()}`.")
        return make()

    return parse


def declare(words: Words) -> Command:
    """``declare <severity> <title>``; a bare ``declare`` opens the form."""
    if not words.rest:
        return OpenDeclareModal()
    word, title = split(words.rest)
    severity = words.severities.lookup(word)
    if severity is None:
        raise CommandError(unknown_severity(word, words.severities))
    return declare_or_modal(severity, title)


def declare_or_modal(severity: Severity, title: str) -> Command:
    """A declaration when there is a title; otherwise the form, with the severity picked."""
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


def update(words: Words) -> Command:
    word, text = split(words.rest)
    status = parse_status(word) if word else None
    if status is None:
        text = words.rest
    elif not text:
        text = f"Status changed to {status.value}."
    usage = "update [investigating|identified|monitoring] <text>"
    return PostUpdate(text=required_text(text, "update text", usage), status=status)


def role(words: Words) -> Command:
    usage = "Usage: `/incident role <role> @user`, for example `/incident role ic @alice`."
    role_word, who = split(words.rest)
    # One token after the role, or one mention whose display name has spaces: <@U123|Ada Lovelace>.
    if not who or (len(who.split()) > 1 and not _USER_MENTION.match(who)):
        raise CommandError(usage)
    if (user_id := parse_user(who)) is None:
        raise CommandError(f"`{who}` is not a Slack user. Mention them with @. {usage}")
    return AssignRole(role_word=role_word, user_id=user_id)


def severity(words: Words) -> Command:
    word, extra = split(words.rest)
    if not word:
        valid = words.severities.describe_valid()
        raise CommandError(f"Which severity? Usage: `/incident severity <severity>`. Valid: {valid}.")
    found = words.severities.lookup(word)
    if found is None or extra:
        raise CommandError(unknown_severity(words.rest, words.severities))
    return ChangeSeverity(found)


def note(words: Words) -> Command:
    return AddNote(required_text(words.rest, "note", "note <text>"))


def resolve(words: Words) -> Command:
    """``<summary> [root cause: <text>]``: the root cause is optional and kept apart."""
    usage = "resolve <resolution summary> [root cause: <text>]"
    summary, root_cause = words.rest, ""
    match = _ROOT_CAUSE.search(words.rest)
    if match is not None:
        summary, root_cause = words.rest[: match.start()], words.rest[match.end() :].strip()
    return Resolve(required_text(summary, "resolution summary", usage), root_cause[:MAX_TEXT])


def reopen(words: Words) -> Command:
    """``reopen <reason>`` here, or ``reopen INC-… <reason>`` for that incident."""
    first, after = split(words.rest)
    if _REF.match(first):
        return Reopen(required_text(after, "reason", f"reopen {first.upper()} <reason>"), first.upper())
    return Reopen(required_text(words.rest, "reason", "reopen [INC-…] <reason>"))


def timeline(words: Words) -> Command:
    """``timeline`` (this incident's) or ``timeline INC-…`` (that one's, from anywhere)."""
    ref, extra = split(words.rest)
    if not ref:
        return ShowTimeline()
    if extra or not _REF.match(ref):
        raise CommandError(
            f"`{words.rest}` is not an incident reference. Usage: `/incident timeline` in an incident channel, "
            "or `/incident timeline INC-2026-0042` anywhere."
        )
    return ShowTimeline(ref.upper())


def runbook(words: Words) -> Command:
    """``runbook``, ``runbook <id>`` or ``runbook <id> name=value …``."""
    runbook_id, extra = split(words.rest)
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


def draft(words: Words) -> Command:
    word, extra = split(words.rest)
    if extra:
        raise CommandError(
            "Which draft? Usage: `/incident draft [status|internal|external|resolution|postmortem]`."
        )
    return Draft(word.casefold() or None)


def followup(words: Words) -> Command:
    """``followup <text> [@owner] [due YYYY-MM-DD]`` (owner and due date in either order), or ``done <n>``."""
    first, after = split(words.rest)
    if first.casefold() == "done":
        return _close_followup(after)
    text, owner_id, due_on = words.rest.strip(), None, None
    while True:
        if (match := _TRAILING_OWNER.search(text)) is not None:
            if owner_id is not None:
                raise CommandError(f"A follow-up has one owner. Usage: `/incident {FOLLOWUP_USAGE}`.")
            owner_id, text = match.group(1), text[: match.start()].rstrip()
        elif (match := _TRAILING_DUE.search(text)) is not None and _DATE_MEANT.search(match.group(1)):
            if due_on is not None:
                raise CommandError(f"A follow-up has one due date. Usage: `/incident {FOLLOWUP_USAGE}`.")
            try:
                due_on = parse_due_date(match.group(1))
            except BadDueDate as exc:
                raise CommandError(f"{exc} Nothing was recorded.") from None
            text = text[: match.start()].rstrip()
        else:
            break
    return AddFollowup(required_text(text, "follow-up text", FOLLOWUP_USAGE), owner_id, due_on)


def _close_followup(rest: str) -> Command:
    number = rest.strip().removeprefix("#")
    if not number.isascii() or not number.isdigit() or int(number) < 1:
        what = f"`{rest.strip()}` is not a follow-up number." if rest.strip() else "Which follow-up?"
        raise CommandError(
            f"{what} Usage: `/incident {FOLLOWUP_DONE_USAGE}`; `/incident followups` lists them with their numbers."
        )
    return CloseFollowup(int(number))


def followups(words: Words) -> Command:
    """``followups`` (this incident's open ones) or ``followups mine`` (the caller's, anywhere)."""
    if not words.rest:
        return ListFollowups()
    if words.rest.strip().casefold() == "mine":
        return MyFollowups()
    raise CommandError(
        f"`{words.verb} {words.rest}` is not understood. Usage: `/incident followups` for this incident's "
        "open follow-ups, or `/incident followups mine` for yours."
    )


def parse_user(token: str) -> str | None:
    """A Slack user id from ``<@U123|name>``, ``<@U123>`` or a bare id; ``None`` otherwise."""
    match = _USER_MENTION.match(token.strip())
    if match:
        return match.group(1)
    if _RAW_USER_ID.match(token.strip()):
        return token.strip()
    return None


def publish(words: Words) -> Command:
    """``public [message]``: the message is optional (the form is prefilled from the template without one)."""
    text = words.rest.strip()
    if len(text) > MAX_TEXT:
        raise CommandError(f"That message is {len(text):,} characters; the limit is {MAX_TEXT:,}. Please shorten it.")
    return Publish(text)


def required_text(text: str, what: str, usage: str) -> str:
    text = text.strip()
    if not text:
        raise CommandError(f"Please add the {what}: `/incident {usage}`.")
    if len(text) > MAX_TEXT:
        raise CommandError(
            f"That {what} is {len(text):,} characters; the limit is {MAX_TEXT:,}. Please shorten it."
        )
    return text


def unknown_severity(word: str, severities: SeverityPolicy) -> str:
    return f"`{word}` is not a severity here. Valid severities: {severities.describe_valid()}."
