"""The incident summary in the Conditions / Actions / Needs shape, built only from stored facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.domain.durations import format_duration
from bot.domain.followups import FollowUpView
from bot.domain.roles import COMMANDER
from bot.domain.status import Status
from bot.domain.text import plain
from bot.services.read_models import EntryView, IncidentView
from bot.slack.blocks.common import (
    FIELD_TEXT,
    HEADER_TEXT,
    SECTION_TEXT,
    cut,
    mention,
    severity_text,
    status_text,
    when,
)
from bot.slack.blocks.followups import followup_line

HEADER = "summary_header"
FACTS = "summary_facts"
CONDITIONS = "summary_conditions"
ROLES = "summary_roles"
TIMELINE = "summary_timeline"
NEEDS = "summary_needs"
FOLLOW_UPS = "summary_followups"
FOOTER = "summary_footer"
KEY_EVENTS = 12
EVENT_TEXT = 180
MAX_FOLLOW_UPS = 15

# Timeline kinds worth a line in a summary, and how each line starts.
_KEY_KINDS = {
    "declared": "Declared",
    "acknowledged": "Acknowledged",
    "severity_changed": "Severity",
    "role_assigned": "Role",
    "update": "Update",
    "note": "Note",
    "resolved": "Resolved",
    "reopened": "Reopened",
    "escalated": "Escalated",
    "runbook_attached": "Runbook",
    "runbook_step_run": "Runbook step",
    "postmortem_done": "Post-mortem",
    "postmortem_skipped": "Post-mortem",
    "captured": "Captured",
    "archived": "Channel archived",
    "unarchived": "Channel unarchived",
}
_POSTMORTEM_KINDS = ("postmortem_done", "postmortem_skipped")


def summary_text(incident: IncidentView) -> str:
    return cut(f"Summary of {incident.ref}: {incident.title} ({incident.severity.id}, {incident.status.label})", 3000)


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def summary_message(
    incident: IncidentView,
    entries: Sequence[EntryView],
    now: datetime,
    follow_ups: Sequence[FollowUpView] = (),
) -> list[Block]:
    """Header and facts, then what is happening (Conditions), who does what and what was done (Actions),
    and what is outstanding (Needs), open follow-ups included."""
    return [
        HeaderBlock(block_id=HEADER, text=cut(f"Summary: {incident.ref} {plain(incident.title)}", HEADER_TEXT)),
        SectionBlock(
            block_id=FACTS,
            fields=[
                MarkdownTextObject(text=f"*Severity*\n{severity_text(incident.severity)}"),
                MarkdownTextObject(text=f"*Status*\n{status_text(incident.status)}"),
                MarkdownTextObject(text=cut(_duration(incident, now), FIELD_TEXT)),
                MarkdownTextObject(text=_acknowledged(incident)),
            ],
        ),
        _section(CONDITIONS, "*Conditions*\n" + "\n".join(_conditions(incident))),
        _section(ROLES, "*Actions: who*\n" + _roles(incident)),
        _section(TIMELINE, "*Actions: key events*\n" + _timeline(entries)),
        _section(NEEDS, "*Needs*\n" + "\n".join(f"• {n}" for n in _needs(incident, now, follow_ups, entries))),
        _section(FOLLOW_UPS, _follow_ups(follow_ups, now)),
        ContextBlock(
            block_id=FOOTER,
            elements=[MarkdownTextObject(text=f"{incident.ref} · as recorded at {when(now)}")],
        ),
    ]


def _duration(incident: IncidentView, now: datetime) -> str:
    took = format_duration(incident.duration(now))
    if incident.resolved_at is not None and not incident.status.is_open:
        return f"*Duration*\n{took}, resolved {when(incident.resolved_at)}"
    return f"*Open for*\n{took}, since {when(incident.declared_at)}"


def _acknowledged(incident: IncidentView) -> str:
    if incident.acknowledged_at is None:
        return "*Acknowledged*\nnot yet"
    took = format_duration(incident.acknowledged_at - incident.declared_at)
    return f"*Acknowledged*\n{mention(incident.acknowledged_by)} after {took}"


def _conditions(incident: IncidentView) -> list[str]:
    lines = [f"*Impact:* {incident.impact or '_not recorded_'}"]
    if incident.status is Status.RESOLVED:
        lines.append(f"*Resolution:* {incident.resolution_summary or '_none given_'}")
        lines.append(f"*Root cause:* {incident.root_cause or '_not recorded yet_'}")
    elif incident.last_update_by and incident.last_update_text:
        lines.append(
            f"*Latest update* ({when(incident.last_update_at)}, {mention(incident.last_update_by)}): "
            f"{cut(incident.last_update_text, 1200)}"
        )
    else:
        lines.append("*Latest update:* _none yet_")
    return lines


def _roles(incident: IncidentView) -> str:
    lines = [f"• *{h.role.name}:* {mention(h.user_id)}" for h in incident.roles]
    return "\n".join(lines) or "_no roles in this incident's playbook_"


def _line(entry: EntryView) -> str:
    label = _KEY_KINDS[entry.kind]
    if entry.kind == "update":
        status = entry.data.get("status")
        if status and status != entry.data.get("previous_status"):
            label = f"Update, now {Status(status).label}"
    by = f" by {mention(entry.actor_id)}" if entry.actor_id else ""
    text = cut(plain_line(entry.text), EVENT_TEXT)
    return f"• {when(entry.occurred_at)} {label}{by}" + (f": {text}" if text else "")


def plain_line(text: str) -> str:
    """One line of a timeline entry's text (newlines folded), keeping mentions, which render in messages."""
    return " ".join(text.split())


def _timeline(entries: Sequence[EntryView]) -> str:
    key = [e for e in entries if e.kind in _KEY_KINDS]
    if not key:
        return "_nothing recorded yet_"
    shown = key[-KEY_EVENTS:]
    lines = [_line(e) for e in shown]
    if len(key) > len(shown):
        lines.insert(0, f"_{len(key) - len(shown)} earlier events not shown_")
    return "\n".join(lines)


def _follow_ups(follow_ups: Sequence[FollowUpView], now: datetime) -> str:
    """The open follow-ups, numbered as ``/incident followup done <n>`` takes them."""
    open_ones = [f for f in follow_ups if f.is_open]
    lines = [f"• {followup_line(item, now)}" for item in open_ones[:MAX_FOLLOW_UPS]]
    if len(open_ones) > MAX_FOLLOW_UPS:
        lines.append(f"_and {len(open_ones) - MAX_FOLLOW_UPS} more: `/incident followups`_")
    return f"*Open follow-ups* ({len(open_ones)})\n" + ("\n".join(lines) or "_none_")


def _postmortem(incident: IncidentView, now: datetime, entries: Sequence[EntryView]) -> str | None:
    """Done (its link) or skipped (why), as last recorded; else when it is due; ``None`` if none is expected."""
    settled = [e for e in entries if e.kind in _POSTMORTEM_KINDS]
    if settled:
        return cut(settled[-1].text, EVENT_TEXT * 2)
    within = incident.severity.postmortem_within
    if not within or incident.resolved_at is None:
        return None
    due = incident.resolved_at + within
    return f"Post-mortem overdue since {when(due)}" if due <= now else f"Post-mortem due by {when(due)}"


def _needs(
    incident: IncidentView, now: datetime, follow_ups: Sequence[FollowUpView], entries: Sequence[EntryView] = ()
) -> list[str]:
    needs: list[str] = []
    if incident.status.is_open:
        needs += [f"No *{h.role.name}* assigned" for h in incident.roles if h.role.id == COMMANDER and not h.user_id]
        if incident.acknowledged_at is None:
            needs.append("Nobody has acknowledged the page yet")
        due = incident.next_update_due_at
        if due is not None:
            word = "overdue since" if due <= now else "due"
            needs.append(f"Next update {word} {when(due)}")
    elif (postmortem := _postmortem(incident, now, entries)) is not None:
        needs.append(postmortem)
    if any(f.is_overdue(now) for f in follow_ups):
        needs.append("Overdue follow-ups (listed below)")
    return needs or ["_Nothing outstanding recorded._"]
