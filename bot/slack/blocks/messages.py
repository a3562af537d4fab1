"""Messages the bot posts: updates, handovers, notices, broadcast thread posts and lists (the summary and the broadcast declaration have their own modules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.durations import format_duration
from bot.domain.roles import Role
from bot.domain.status import Status
from bot.domain.text import plain as plain_text
from bot.services.read_models import EntryView, IncidentView
from bot.slack import ids
from bot.slack.blocks.card import publishable
from bot.slack.blocks.common import (
    HEADER_TEXT,
    SECTION_TEXT,
    channel_link,
    cut,
    mention,
    severity_emoji,
    severity_text,
    status_text,
    when,
)

MAX_LIST = 40


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text, SECTION_TEXT))])


def update_message(incident: IncidentView, entry: EntryView) -> list[Block]:
    status = Status(entry.data.get("status", incident.status.value))
    lines = [f"*{status_text(status)}* · {severity_text(incident.severity)}", entry.text]
    if entry.data.get("impact"):
        lines.append(f"*Impact:* {entry.data['impact']}")
    footer = f"Update by {mention(entry.actor_id)} · {when(entry.occurred_at, '{time}')}"
    if incident.next_update_due_at and incident.status.is_open:
        footer += f" · next update due {when(incident.next_update_due_at, '{time}')}"
    return [_section("\n".join(lines)), _context(footer)]


def broadcast_update(incident: IncidentView, entry: EntryView) -> list[Block]:
    status = Status(entry.data.get("status", incident.status.value))
    head = f"*{incident.ref}* {channel_link(incident.channel_id, incident.channel_name)} · *{status_text(status)}*"
    return [_section(f"{head}\n{entry.text}"), _context(f"by {mention(entry.actor_id)} · {incident.title}")]


def role_message(
    incident: IncidentView, role: Role, user_id: str, previous: str | None, actor: str | None
) -> list[Block]:
    text = f":busts_in_silhouette: {mention(user_id)} is now *{role.name}*"
    if previous:
        text += f" (handed over from {mention(previous)})"
    if actor and actor != user_id:
        text += f", assigned by {mention(actor)}"
    return [_section(text)]


def role_checklist(incident: IncidentView, role: Role, standing: Sequence[str] = ()) -> list[Block]:
    """The role's own checklist, plus the playbook's standing one for that role (the commander's)."""
    items = "\n".join(f"• {item}" for item in role.checklist) or "_No checklist for this role._"
    blocks: list[Block] = [
        _section(
            f"You are *{role.name}* for *{incident.ref}: {incident.title}* in {channel_link(incident.channel_id, incident.channel_name)}."
        ),
        _context(role.description) if role.description else DividerBlock(),
        _section(f"*Checklist*\n{items}"),
    ]
    if standing:
        blocks.append(_section(f"*{role.name} playbook*\n" + "\n".join(f"• {item}" for item in standing)))
    return blocks


def severity_message(incident: IncidentView, entry: EntryView) -> list[Block]:
    old = entry.data.get("from", "?")
    return [
        _section(
            f":arrows_counterclockwise: Severity changed from *{old}* to *{severity_text(incident.severity)}* by {mention(entry.actor_id)}"
        )
    ]


def note_message(entry: EntryView) -> list[Block]:
    return [_section(f":memo: *Timeline note* by {mention(entry.actor_id)}\n{entry.text}")]


def ack_message(incident: IncidentView) -> list[Block]:
    took = format_duration((incident.acknowledged_at or incident.declared_at) - incident.declared_at)
    return [_section(f":white_check_mark: Acknowledged by {mention(incident.acknowledged_by)} after {took}.")]


def resolution_notice(
    incident: IncidentView, now: datetime, checklist: Sequence[str] = (), after: Sequence[str] = ()
) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"✅ Resolved: {incident.ref} {plain_text(incident.title)}", HEADER_TEXT)),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Severity*\n{severity_text(incident.severity)}"),
                MarkdownTextObject(text=f"*Duration*\n{format_duration(incident.duration(now))}"),
                MarkdownTextObject(text=f"*Started*\n{when(incident.declared_at)}"),
                MarkdownTextObject(text=f"*Resolved*\n{when(incident.resolved_at)}"),
            ]
        ),
        _section(f"*Root cause*\n{incident.root_cause or '_not recorded yet_'}"),
        _section(f"*Resolution*\n{incident.resolution_summary}"),
    ]
    if checklist:
        blocks.append(_section("*Resolution checklist*\n" + "\n".join(f"• {c}" for c in checklist)))
    due = incident.severity.postmortem_within
    if after or (due and incident.resolved_at):
        lines = [f"• {c}" for c in after]
        if due and incident.resolved_at:
            lines.insert(0, f"• Post-mortem due by {when(incident.resolved_at + due)}")
        blocks.append(_section("*After the incident*\n" + "\n".join(lines)))
    if publishable(incident):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Publish resolution", action_id=ids.PUBLISH_RESOLUTION, value=str(incident.id)
                    )
                ]
            )
        )
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="_Customers are told only if someone publishes it._")])
        )
    return blocks


def broadcast_resolution(incident: IncidentView, now: datetime) -> list[Block]:
    return [
        _section(
            f":white_check_mark: *Resolved* {incident.ref} {channel_link(incident.channel_id, incident.channel_name)}"
            f" after {format_duration(incident.duration(now))}\n*{incident.title}*\n{incident.resolution_summary}"
            + (f"\n*Root cause:* {incident.root_cause}" if incident.root_cause else "")
        )
    ]


def reopen_message(incident: IncidentView, entry: EntryView) -> list[Block]:
    return [_section(f":leftwards_arrow_with_hook: Reopened by {mention(entry.actor_id)}: {entry.text}")]


def incident_count_text(shown: int, hidden: int) -> str:
    """``3 open incidents``, ``3 open incidents and 1 private incident``."""
    text = f"{shown} open incident{'' if shown == 1 else 's'}"
    return text + _private_tail(hidden)


def _private_tail(hidden: int) -> str:
    return f" and {hidden} private incident{'' if hidden == 1 else 's'}" if hidden else ""


def incident_list(incidents: Sequence[IncidentView], now: datetime, hidden: int = 0) -> list[Block]:
    """The open incidents a person may see; ``hidden`` private ones they are not in are only counted."""
    if not incidents:
        if hidden:
            return [_section(f":lock: No open incidents you can see{_private_tail(hidden)}.")]
        return [_section(":sunny: No open incidents.")]
    blocks: list[Block] = [
        _section(f"*Open incidents ({len(incidents)})*{_private_tail(hidden)}, most severe first")
    ]
    for inc in incidents[:MAX_LIST]:
        blocks.append(
            _section(
                f"{severity_emoji(inc.severity)} *{inc.severity.id}* {channel_link(inc.channel_id, inc.channel_name)} "
                f"*{inc.title}*\n{status_text(inc.status)} · IC {mention(inc.commander_id)} · open "
                f"{format_duration(inc.duration(now))} · {inc.ref}"
            )
        )
    if len(incidents) > MAX_LIST:
        blocks.append(_context(f"…and {len(incidents) - MAX_LIST} more."))
    return blocks


def delivery_failed_text(incident: IncidentView, what: str, error: str) -> str:
    return f"{incident.ref}: Slack refused {what} for good ({error}); it was not shown"


def delivery_failed_notice(incident: IncidentView, what: str, error: str, message_id: int) -> list[Block]:
    """Told to the IC (or the channel, or the reporter) when an outbox message is given up for good."""
    where = channel_link(incident.channel_id, incident.channel_name)
    return [
        _section(
            f":warning: *{incident.ref}* {where}: Slack refused {what} for good, so people did not see it.\n"
            f"Slack said: `{cut(error, 300)}`"
        ),
        _context(
            f"Outbox message #{message_id}. Once the cause is fixed an operator can send it again with "
            f"`incident-bot outbox retry {message_id}`."
        ),
    ]


def plain(text: str) -> list[Block]:
    return [_section(text)]
