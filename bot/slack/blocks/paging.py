"""Block Kit for pages and update reminders: the DM page, channel notices and the nudge with its buttons."""

from __future__ import annotations

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
from bot.domain.publication import STATUS_PAGE_OVERDUE
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import SECTION_TEXT, channel_link, cut, mention, severity_text


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def mentions(users: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in users) or "_nobody (no one on call could be resolved)_"


def page_dm(incident: IncidentView, level: int, reason: str) -> list[Block]:
    value = str(incident.id)
    return [
        _section(
            f":rotating_light: *You are being paged* for *{incident.ref}*: {incident.title}\n"
            f"*Severity:* {severity_text(incident.severity)}   *Channel:* "
            f"{channel_link(incident.channel_id, incident.channel_name)}\n"
            + (f"_Escalation level {level}: {reason}_" if level else f"_{reason}_")
        ),
        ActionsBlock(
            elements=[
                ButtonElement(text="Acknowledge", action_id=ids.ACK, value=value, style="primary"),
                ButtonElement(text="Escalate", action_id=ids.ESCALATE, value=value, style="danger"),
            ]
        ),
    ]


def page_dm_answered(
    incident: IncidentView,
    level: int,
    reason: str,
    acknowledged_by: str | None = None,
    escalated_to: int | None = None,
    resolved: bool = False,
) -> list[Block]:
    """The page DM once the page is answered or past: what became of it, and no buttons any more."""
    outcome: list[str] = []
    if escalated_to:
        outcome.append(f":arrow_double_up: Not acknowledged in time: escalated to level {escalated_to}.")
    if acknowledged_by:
        outcome.append(f":white_check_mark: Acknowledged by {mention(acknowledged_by)}.")
    if resolved:
        outcome.append(f":large_green_circle: {incident.ref} is resolved.")
    return [
        _section(
            f":pager: *You were paged* for *{incident.ref}*: {incident.title}\n"
            f"*Severity:* {severity_text(incident.severity)}   *Channel:* "
            f"{channel_link(incident.channel_id, incident.channel_name)}\n"
            + (f"_Escalation level {level}: {reason}_" if level else f"_{reason}_")
        ),
        ContextBlock(elements=[MarkdownTextObject(text=cut(" ".join(outcome) or "Answered.", SECTION_TEXT))]),
    ]


def page_dm_text(incident: IncidentView) -> str:
    return f"Paged: {incident.ref} {incident.severity.id} {incident.title}"


def page_notice(users: Sequence[str], level: int, cycle: int, reason: str) -> list[Block]:
    """A page of an escalation level (1-based), or of people outside the chain (``level`` 0)."""
    again = f" (pass {cycle + 1})" if cycle else ""
    what = f"escalation level {level}{again}" if level else "outside the escalation chain"
    return [_section(f":pager: Paged {what}: {mentions(users)}\n_Why: {reason}_")]


def exhausted_notice(incident: IncidentView) -> list[Block]:
    return [
        _section(
            f":sos: *Nobody acknowledged {incident.ref}* ({incident.title}) after every escalation level "
            "was paged. "
            "Someone please take it: `/incident ack` in the incident channel."
        )
    ]


def nudge(
    incident: IncidentView, since_seconds: int, ignored: int, also: Sequence[str], overdue: Sequence[str] = ()
) -> list[Block]:
    who = mention(incident.commander_id, "<!channel>")
    extra = (
        f"\n:loudspeaker: {', '.join(mention(u) for u in also)}: "
        f"{ignored - 1} reminders have gone unanswered."
        if also
        else ""
    )
    value = str(incident.id)
    buttons = [
        ButtonElement(text="Post update", action_id=ids.POST_UPDATE, value=value, style="primary"),
        ButtonElement(text="No change", action_id=ids.NUDGE_NO_CHANGE, value=value),
        ButtonElement(text="Snooze 15 m", action_id=ids.NUDGE_SNOOZE, value=value),
    ]
    items: list[Block] = []
    if STATUS_PAGE_OVERDUE in overdue:
        within = incident.severity.respond_within
        expected = f" within {format_duration_secs(int(within.total_seconds()))}" if within else ""
        items.append(
            _section(
                f"*Overdue*\n• Status page not updated: nothing published yet ({incident.severity.id} "
                f"publishes{expected})."
            )
        )
        buttons.append(ButtonElement(text="Publish update", action_id=ids.PUBLISH, value=value))
    return [
        _section(
            f":alarm_clock: {who} it has been *{format_duration_secs(since_seconds)}* since the last "
            f"update on *{incident.ref}*. Please post an update.{extra}"
        ),
        *items,
        ActionsBlock(elements=buttons),
        ContextBlock(
            elements=[
                MarkdownTextObject(text="_No change_ posts a short heartbeat that counts as an update._")
            ]
        ),
    ]


def format_duration_secs(seconds: int) -> str:
    from datetime import timedelta

    return format_duration(timedelta(seconds=seconds))
