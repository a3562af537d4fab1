"""The live incident card pinned in the channel, kept current with ``chat.update``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.durations import format_duration
from bot.domain.roles import COMMANDER
from bot.domain.text import plain
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.alerts import card_alert_section
from bot.slack.blocks.common import (
    FIELD_TEXT,
    HEADER_TEXT,
    SECTION_TEXT,
    cut,
    mention,
    severity_emoji,
    severity_text,
    status_text,
    when,
)

SINCE = "{date_short_pretty} at {time}"


def card_header(incident: IncidentView) -> str:
    return cut(f"{incident.ref}: {plain(incident.title)}", HEADER_TEXT)


def card_fallback_text(incident: IncidentView) -> str:
    return cut(f"{incident.ref} [{incident.severity.id}] {incident.title}: {incident.status.value}", 3000)


def incident_card(incident: IncidentView, now: datetime, *, interactive: bool = True) -> list[Block]:
    """Header, facts, roles, latest update and the buttons responders use most."""
    blocks: list[Block] = [
        HeaderBlock(text=f"{severity_emoji(incident.severity)} {card_header(incident)}"[:HEADER_TEXT]),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Severity*\n{severity_text(incident.severity)}"),
                MarkdownTextObject(text=f"*Status*\n{status_text(incident.status)}"),
                MarkdownTextObject(text=f"*Incident Commander*\n{mention(incident.commander_id)}"),
                MarkdownTextObject(text=f"*Reporter*\n{mention(incident.reporter_id)}"),
                MarkdownTextObject(text=f"*Started*\n{when(incident.declared_at)}"),
                MarkdownTextObject(text=_ack_text(incident)),
            ]
        ),
    ]
    others = [h for h in incident.roles if h.role.id != COMMANDER]
    if others:
        roles = "  ·  ".join(f"*{h.role.name}:* {mention(h.user_id)}" for h in others)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(roles, SECTION_TEXT))))
    if incident.description:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=cut(f"*Description*\n{incident.description}", SECTION_TEXT))
            )
        )
    alerts = card_alert_section(incident)
    if alerts is not None:
        blocks.append(alerts)
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(_latest(incident), SECTION_TEXT))))
    if incident.impact:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=cut(f"*Impact*\n{incident.impact}", FIELD_TEXT)))
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_timing(incident, now))]))
    if interactive:
        blocks.append(card_actions(incident))
    return blocks


def _ack_text(incident: IncidentView) -> str:
    if incident.acknowledged_at is None:
        return "*Acknowledged*\n:hourglass_flowing_sand: not yet"
    took = format_duration(incident.acknowledged_at - incident.declared_at)
    return f"*Acknowledged*\n{mention(incident.acknowledged_by)} after {took}"


def _latest(incident: IncidentView) -> str:
    if incident.status.value == "resolved":
        return f"*Resolution*\n{incident.resolution_summary or '_none given_'}"
    if incident.last_update_by:
        return f"*Latest update* ({when(incident.last_update_at)}, {mention(incident.last_update_by)})\n{incident.last_update_text}"
    return "*Latest update*\n_No update yet. Use *Post update* to tell everyone where things stand._"


def _timing(incident: IncidentView, now: datetime) -> str:
    # A date token, not a duration: the card is only edited now and then, and each reader sees their own time.
    parts = [f"Open since {when(incident.declared_at, SINCE)}"]
    if incident.resolved_at:
        parts = [f"Resolved {when(incident.resolved_at, SINCE)} after {format_duration(incident.duration(now))}"]
    elif incident.next_update_due_at:
        parts.append(f"next update due {when(incident.next_update_due_at, '{time}')}")
    parts.append(incident.ref)
    return "  ·  ".join(parts)


def card_actions(incident: IncidentView) -> ActionsBlock:
    value = str(incident.id)
    if incident.status.value == "resolved":
        return ActionsBlock(
            block_id="card_actions",
            elements=[ButtonElement(text="Reopen", action_id=ids.REOPEN, value=value)],
        )
    buttons = []
    if incident.acknowledged_at is None:
        buttons.append(ButtonElement(text="Acknowledge", action_id=ids.ACK, value=value, style="primary"))
    buttons += [
        ButtonElement(text="Assign roles", action_id=ids.ASSIGN_ROLES, value=value),
        ButtonElement(text="Post update", action_id=ids.POST_UPDATE, value=value),
        ButtonElement(
            text="Escalate",
            action_id=ids.ESCALATE,
            value=value,
            confirm=ConfirmObject(
                title="Escalate now?",
                text="This pages the next level of the escalation policy right away.",
                confirm="Escalate",
                deny="Cancel",
            ),
        ),
    ]
    if publishable(incident):
        buttons.append(ButtonElement(text="Publish update", action_id=ids.PUBLISH, value=value))
    buttons.append(ButtonElement(text="Resolve", action_id=ids.RESOLVE, value=value, style="danger"))
    return ActionsBlock(block_id="card_actions", elements=buttons)


def publishable(incident: IncidentView) -> bool:
    """Offer publishing where it can happen at all: never for private incidents or ``status_page: never``.

    Who may publish is the use case's check, made when the button is used.
    """
    return not incident.private and incident.severity.status_page != "never"


def topic_for(incident: IncidentView, person: Callable[[str], str]) -> str:
    """Channel topic: severity, status and commander by name (topics show no mentions), in 250 characters."""
    ic = person(incident.commander_id) if incident.commander_id else "unassigned"
    return cut(f"{incident.severity.id} · {incident.status.label} · IC: {ic} · {plain(incident.title)}", 250)


def purpose_for(incident: IncidentView) -> str:
    return cut(f"{incident.ref} [{incident.severity.label}]: {plain(incident.title)}", 250)
