"""Buttons of alert notices and page DMs: Declare incident (the declare use case, as the clicker) and Acknowledge."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.services.errors import AlreadyHandled
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks.alerts import answered
from bot.slack.listeners.clicks import Click, on_click
from bot.slack.listeners.payloads import split_value

NOT_AN_ALERT = "That button does not belong to an alert."


def _alert_ref(value: object) -> str | None:
    parsed = split_value(value)
    return f"{parsed[0]}:{parsed[1]}" if parsed and parsed[1].isdigit() else None


def register(app: App, services: Services) -> None:
    on_click(app, services, ids.ALERT_DECLARE, _alert_ref, NOT_AN_ALERT, _declare, durable=True)
    on_click(app, services, ids.ALERT_ACK, _alert_ref, NOT_AN_ALERT, _acknowledge)


def _declare(services: Services, click: Click[str]) -> None:
    try:
        result = services.alerts.declare_from(click.target, click.user, request_key=click.request_key or None)
    except AlreadyHandled as exc:
        raise AlreadyHandled("This alert is already being declared.") from exc
    inc = result.incident
    _mark_answered(click, f"Declared as *{inc.ref}* by <@{click.user}>.")
    click.answer(f":hourglass_flowing_sand: Declaring *{inc.ref}* ({inc.severity.id}) {inc.title}…")


def _acknowledge(services: Services, click: Click[str]) -> None:
    alert = services.alerts.alert_at(click.target)
    _mark_answered(click, f":white_check_mark: Acknowledged by <@{click.user}>.")
    click.answer(f"Acknowledged *{alert.name}*. Use *Declare incident* if it needs one.")


def _mark_answered(click: Click[str], note: str) -> None:
    """The notice or DM loses its buttons and says who answered (best effort: the answer stands anyway)."""
    message: dict[str, Any] = click.body.get("message") or {}
    container: dict[str, Any] = click.body.get("container") or {}
    channel = container.get("channel_id") or click.channel
    ts = container.get("message_ts") or message.get("ts")
    if not channel or not ts or not message.get("blocks"):
        return
    try:
        click.client.chat_update(channel=channel, ts=ts, blocks=answered(message["blocks"], note), text=note)
    except Exception:  # the message may be gone; nothing depends on the edit
        return
