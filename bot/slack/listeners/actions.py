"""Buttons on the card, broadcast posts and DMs: each calls one use case or opens one modal."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks import modals
from bot.slack.listeners.clicks import Click, ClickHandler, on_click
from bot.slack.listeners.payloads import incident_id_from

NOT_AN_INCIDENT = "That button does not belong to an incident."


def register(app: App, services: Services) -> None:
    buttons: dict[str, ClickHandler[int]] = {
        ids.ACK: _acknowledge,
        ids.ASSIGN_ROLES: _open_roles,
        ids.POST_UPDATE: _open_update,
        ids.RESOLVE: _open_resolve,
        ids.REOPEN: _reopen,
        ids.JOIN: _join,
        ids.ESCALATE: _escalate,
    }
    for action_id, handler in buttons.items():
        on_click(app, services, action_id, incident_id_from, NOT_AN_INCIDENT, handler)


def _acknowledge(services: Services, click: Click[int]) -> None:
    result = services.incidents.acknowledge(click.target, click.user)
    if result.already_by:
        click.answer(f"Already acknowledged by <@{result.already_by}>.")


def _open_roles(services: Services, click: Click[int]) -> None:
    click.client.views_open(
        trigger_id=click.body["trigger_id"], view=modals.roles_modal(services.incidents.get(click.target))
    )


def _open_update(services: Services, click: Click[int]) -> None:
    incident = services.incidents.get(click.target)
    if not incident.status.is_open:
        raise UserError("This incident is resolved. Reopen it to post updates.")
    click.client.views_open(trigger_id=click.body["trigger_id"], view=modals.update_modal(incident))


def _open_resolve(services: Services, click: Click[int]) -> None:
    incident = services.incidents.get(click.target)
    if not incident.status.is_open:
        raise UserError("This incident is already resolved.")
    click.client.views_open(trigger_id=click.body["trigger_id"], view=modals.resolve_modal(incident))


def _reopen(services: Services, click: Click[int]) -> None:
    services.incidents.reopen(click.target, click.user, "Reopened from the incident card")


def _join(services: Services, click: Click[int]) -> None:
    incident = services.incidents.get(click.target)
    if not incident.channel_id:
        raise UserError("The incident channel is still being created; try again in a few seconds.")
    _invite(click.client, incident.channel_id, click.user)
    click.answer(f"You're in: <#{incident.channel_id}>")


def _invite(client: WebClient, channel: str, user: str) -> None:
    try:
        client.conversations_invite(channel=channel, users=user)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_in_channel":
            raise UserError(f"I couldn't add you to <#{channel}> ({exc.response.get('error')}).") from exc


def _escalate(services: Services, click: Click[int]) -> None:
    services.escalation.escalate(click.target, click.user)
