"""Buttons on the card, broadcast posts and DMs: each calls one use case or opens one modal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks import modals
from bot.slack.listeners.common import incident_id_from, reply

log = logging.getLogger(__name__)

ActionHandler = Callable[[int, dict[str, Any], WebClient, Respond, Services], None]


def register(app: App, services: Services) -> None:
    def route(action_id: str, handler: ActionHandler) -> None:
        @app.action(action_id)
        def _listener(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
        ) -> None:
            ack()
            user = (body.get("user") or {}).get("id", "")
            channel = (body.get("channel") or {}).get("id")
            incident_id = incident_id_from(action.get("value"))
            if incident_id is None:
                reply(respond, client, channel, user, ":warning: That button does not belong to an incident.")
                return
            try:
                handler(incident_id, body, client, respond, services)
            except UserError as exc:
                reply(respond, client, channel, user, f":warning: {exc}")

    route(ids.ACK, _acknowledge)
    route(ids.ASSIGN_ROLES, _open_roles)
    route(ids.POST_UPDATE, _open_update)
    route(ids.RESOLVE, _open_resolve)
    route(ids.REOPEN, _reopen)
    route(ids.JOIN, _join)
    route(ids.ESCALATE, _escalate)


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _acknowledge(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    result = services.incidents.acknowledge(incident_id, _user(body))
    if result.already_by:
        reply(respond, client, None, _user(body), f"Already acknowledged by <@{result.already_by}>.")


def _open_roles(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    client.views_open(
        trigger_id=body["trigger_id"], view=modals.roles_modal(services.incidents.get(incident_id))
    )


def _open_update(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    incident = services.incidents.get(incident_id)
    if not incident.status.is_open:
        raise UserError("This incident is resolved. Reopen it to post updates.")
    client.views_open(trigger_id=body["trigger_id"], view=modals.update_modal(incident))


def _open_resolve(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    incident = services.incidents.get(incident_id)
    if not incident.status.is_open:
        raise UserError("This incident is already resolved.")
    client.views_open(trigger_id=body["trigger_id"], view=modals.resolve_modal(incident))


def _reopen(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    services.incidents.reopen(incident_id, _user(body), "Reopened from the incident card")


def _join(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    incident = services.incidents.get(incident_id)
    if not incident.channel_id:
        raise UserError("The incident channel is still being created; try again in a few seconds.")
    _invite(client, incident.channel_id, _user(body))
    reply(respond, client, None, _user(body), f"You're in: <#{incident.channel_id}>")


def _invite(client: WebClient, channel: str, user: str) -> None:
    try:
        client.conversations_invite(channel=channel, users=user)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_in_channel":
            raise UserError(f"I couldn't add you to <#{channel}> ({exc.response.get('error')}).") from exc


def _escalate(
    incident_id: int, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    handler = services.extra.get("escalate")
    if handler is None:
        raise UserError("Paging is not configured, so there is nobody to escalate to.")
    handler(incident_id, _user(body))
