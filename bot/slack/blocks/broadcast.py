"""The incident's message in the broadcast channel: the managers' live view, edited on every change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.durations import format_duration
from bot.domain.roles import COMMANDER
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import (
    FIELD_TEXT,
    SECTION_TEXT,
    channel_link,
    cut,
    mention,
    severity_emoji,
    status_text,
    when,
)

SINCE = "{date_short_pretty} at {time}"
HEAD = "broadcast_head"
FACTS = "broadcast_facts"
ROLES = "broadcast_roles"
LATEST = "broadcast_latest"
TIMING = "broadcast_timing"
ACTIONS = "broadcast_actions"


def private_declaration_text(incident: IncidentView) -> str:
    """All the broadcast channel learns of a private incident: that one of this severity exists."""
    return f":lock: A private {incident.severity.id} incident was declared."


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def broadcast_text(incident: IncidentView) -> str:
    """The notification and fallback text: severity, status and title (for a private incident, its severity)."""
    if incident.private:
        return private_declaration_text(incident)
    return cut(f"{incident.severity.id} · {incident.status.label}: {incident.title} ({incident.ref})", 3000)


def broadcast_message(incident: IncidentView) -> list[Block]:
    """Severity, status, roles, acknowledgement, latest update or resolution, and a Join button.

    Built from the stored incident only, with date tokens rather than "open for …", so the same state always
    renders the same blocks: ``digest`` of two renders tells whether an edit would change anything.
    """
    if incident.private:  # no title, channel, people or Join button: only that one exists
        return [_section(HEAD, private_declaration_text(incident))]
    sev = incident.severity
    resolved = incident.resolved_at is not None and not incident.status.is_open
    verb = "resolved" if resolved else "declared"
    blocks: list[Block] = [
        _section(
            HEAD,
            f"{severity_emoji(sev)} *{sev.label}* {verb}: *{incident.title}*\n"
            f"{channel_link(incident.channel_id, incident.channel_name)} · {incident.ref}",
        ),
        SectionBlock(block_id=FACTS, fields=[MarkdownTextObject(text=cut(f, FIELD_TEXT)) for f in _facts(incident)]),
    ]
    others = [h for h in incident.roles if h.role.id != COMMANDER and h.user_id]
    if others:
        blocks.append(_section(ROLES, "  ·  ".join(f"*{h.role.name}:* {mention(h.user_id)}" for h in others)))
    blocks.append(_section(LATEST, _latest(incident, resolved)))
    blocks.append(ContextBlock(block_id=TIMING, elements=[MarkdownTextObject(text=_timing(incident, resolved))]))
    blocks.append(
        ActionsBlock(
            block_id=ACTIONS,
            elements=[ButtonElement(text="Join channel", action_id=ids.JOIN, value=str(incident.id), style="primary")],
        )
    )
    return blocks


def _facts(incident: IncidentView) -> list[str]:
    if incident.acknowledged_at is None:
        ack = "*Acknowledged*\n:hourglass_flowing_sand: not yet"
    else:
        took = format_duration(incident.acknowledged_at - incident.declared_at)
        ack = f"*Acknowledged*\n{mention(incident.acknowledged_by)} after {took}"
    return [
        f"*Status*\n{status_text(incident.status)}",
        f"*Incident Commander*\n{mention(incident.commander_id)}",
        ack,
        f"*Reporter*\n{mention(incident.reporter_id)}",
    ]


def _latest(incident: IncidentView, resolved: bool) -> str:
    if resolved:
        text = f"*Resolution*\n{incident.resolution_summary or '_none given_'}"
        return text + f"\n*Root cause:* {incident.root_cause or '_not recorded yet_'}"
    if incident.last_update_by and incident.last_update_text:
        return (
            f"*Latest update* ({when(incident.last_update_at)}, {mention(incident.last_update_by)})\n"
            f"{incident.last_update_text}"
        )
    return "*Latest update*\n_No update yet._"


def _timing(incident: IncidentView, resolved: bool) -> str:
    if resolved and incident.resolved_at is not None:
        took = format_duration(incident.resolved_at - incident.declared_at)
        return f"Started {when(incident.declared_at, SINCE)}  ·  resolved {when(incident.resolved_at, SINCE)} after {took}"
    parts = [f"Open since {when(incident.declared_at, SINCE)}"]
    if incident.next_update_due_at:
        parts.append(f"next update due {when(incident.next_update_due_at, '{time}')}")
    return "  ·  ".join(parts)


def digest(blocks: Sequence[Block], text: str) -> str:
    """A short fingerprint of a rendered message, stored to skip edits that would show the same thing."""
    payload = json.dumps([b.to_dict() for b in blocks] + [text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:64]
