"""Alert messages: the card's alert section, "alert resolved", the broadcast notice and the page DM."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.events import AlertNotice, AlertResolved
from bot.domain.text import plain
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import SECTION_TEXT, cut

MAX_LABELS = 12


def _labels(labels: dict[str, Any]) -> str:
    items = sorted(labels.items())
    shown = ", ".join(f"`{plain(str(k))}={plain(str(v))}`" if v != "" else f"`{plain(str(k))}`" for k, v in items[:MAX_LABELS])
    return shown + (f" and {len(items) - MAX_LABELS} more" if len(items) > MAX_LABELS else "")


def _linked(name: str, url: str) -> str:
    name = plain(name).replace("|", "/")
    return f"<{url}|{name}>" if url.startswith(("http://", "https://")) else name


def card_alert_section(incident: IncidentView) -> Block | None:
    """The card's lines about the alerts behind the incident, or None for one declared by a person."""
    info = incident.alert_summary
    if not info:
        return None
    alerts, firing, fired = int(info.get("alerts", 1)), int(info.get("firing", 0)), int(info.get("fired", 1))
    lines = [f"*Alert* {_linked(str(info.get('name', '')), str(info.get('url', '')))} ({info.get('source', '')})"]
    if info.get("labels"):
        lines.append(f"Labels: {_labels(dict(info['labels']))}")
    counts = f"alert fired {fired} time{'s' if fired != 1 else ''}"
    if alerts > 1:
        counts += f" · {alerts} alerts grouped here"
    lines.append(counts)
    if firing == 0:
        every = "The alert has" if alerts == 1 else f"All {alerts} alerts have"
        lines.append(f":white_check_mark: {every} resolved. Resolve the incident when you are satisfied.")
    else:
        lines.append(f":rotating_light: {firing} of {alerts} still firing" if alerts > 1 else ":rotating_light: still firing")
    return SectionBlock(block_id="alerts", text=MarkdownTextObject(text=cut("\n".join(lines), SECTION_TEXT)))


def resolved_message(incident: IncidentView, event: AlertResolved) -> list[Block]:
    text = f":white_check_mark: Alert resolved: *{plain(event.name)}* ({event.source})."
    if event.all_resolved:
        text += " Every alert of this incident is resolved."
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))]
    if incident.status.is_open:
        blocks.append(
            ActionsBlock(
                block_id="alert_resolved",
                elements=[ButtonElement(text="Resolve incident", action_id=ids.RESOLVE, value=str(incident.id), style="primary")],
            )
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="An alert never resolves the incident by itself.")]))
    return blocks


def resolved_text(event: AlertResolved) -> str:
    return f"Alert resolved: {event.name} ({event.source})"


def _alert_lines(event: AlertNotice) -> list[str]:
    alert = event.alert
    lines = [f"*{_linked(str(alert.get('name', '')), str(alert.get('url', '')))}* ({alert.get('source', '')})"]
    if alert.get("summary"):
        lines.append(plain(str(alert["summary"])))
    labels = alert.get("labels")
    if isinstance(labels, dict) and labels:
        lines.append(f"Labels: {_labels(labels)}")
    return lines


def notice_message(event: AlertNotice) -> list[Block]:
    """The broadcast channel's notice of an alert no rule declares: with a Declare incident button.

    An alert of a private severity says only that: its name, summary and labels stay out of the channel.
    """
    if event.private:
        lines = [f":lock: *Alert firing* for a private severity ({event.severity}). Declaring opens a private channel."]
    else:
        lines = [":bell: *Alert firing*", *_alert_lines(event)]
    return [
        SectionBlock(text=MarkdownTextObject(text=cut("\n".join(lines), SECTION_TEXT))),
        ActionsBlock(
            block_id="alert_notice",
            elements=[ButtonElement(text="Declare incident", action_id=ids.ALERT_DECLARE, value=event.ref, style="danger")],
        ),
        ContextBlock(elements=[MarkdownTextObject(text=_notice_context(event))]),
    ]


def _notice_context(event: AlertNotice) -> str:
    if event.private:
        return f"Rule {event.rule}"
    return f"Rule {event.rule} · declares as {event.severity}: {plain(event.title)}"


def page_dm(event: AlertNotice) -> list[Block]:
    """The on-call's page for an alert, without an incident: Acknowledge or Declare incident."""
    lines = [":pager: *You are paged for an alert*", *_alert_lines(event)]
    return [
        SectionBlock(text=MarkdownTextObject(text=cut("\n".join(lines), SECTION_TEXT))),
        ActionsBlock(
            block_id="alert_page",
            elements=[
                ButtonElement(text="Acknowledge", action_id=ids.ALERT_ACK, value=event.ref, style="primary"),
                ButtonElement(text="Declare incident", action_id=ids.ALERT_DECLARE, value=event.ref, style="danger"),
            ],
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"Rule {event.rule} · policy {event.policy_id}")]),
    ]


def answered(message_blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """A notice or page DM once answered: its buttons replaced by who did what."""
    kept = [b for b in message_blocks if b.get("type") != "actions"]
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(note, 3000)}]}]


def notice_text(event: AlertNotice) -> str:
    if event.private and not event.page:
        return f"Alert firing for a private severity ({event.severity})"
    return f"Alert firing: {event.alert.get('name', '')} ({event.alert.get('source', '')})"
