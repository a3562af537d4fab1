"""Buttons on the update reminder: No change (a heartbeat update) and Snooze."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.errors import UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.listeners.common import incident_id_from, reply

HEARTBEAT = "No change: still investigating."


def register(app: App, services: Services) -> None:
    @app.action(ids.NUDGE_NO_CHANGE)
    def no_change(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user, incident_id = _who_and_what(body, action)
        try:
            if incident_id is None:
                raise UserError("That button does not belong to an incident.")
            services.incidents.post_update(incident_id, user, HEARTBEAT, kind="heartbeat")
        except UserError as exc:
            reply(respond, client, None, user, f":warning: {exc}")

    @app.action(ids.NUDGE_SNOOZE)
    def snooze(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user, incident_id = _who_and_what(body, action)
        try:
            if incident_id is None:
                raise UserError("That button does not belong to an incident.")
            handler = services.extra.get("snooze_nudge")
            if handler is None:
                raise UserError("Update reminders are not running in this installation.")
            reply(respond, client, None, user, handler(incident_id, user))
        except UserError as exc:
            reply(respond, client, None, user, f":warning: {exc}")


def _who_and_what(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, int | None]:
    return str((body.get("user") or {}).get("id", "")), incident_id_from(action.get("value"))
