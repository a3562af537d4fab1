"""Buttons on the card, broadcast posts and DMs: each calls one use case or opens one modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.permissions import Action
from bot.services.errors import AlreadyHandled, UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks import duplicates, modals, publish
from bot.slack.blocks.duplicates import Asked
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
        ids.PUBLISH: _open_publish,
        ids.PUBLISH_RESOLUTION: _open_publish_resolution,
    }
    for action_id, handler in buttons.items():
        on_click(app, services, action_id, incident_id_from, NOT_AN_INCIDENT, handler, durable=action_id in WRITES)
    on_click(app, services, ids.DECLARE_ANYWAY, duplicates.read_anyway, NOT_A_DECLARATION, _anyway, durable=True)

    @app.action(ids.OPEN_CHANNEL)
    def _opened(ack: Ack, body: dict[str, Any]) -> None:
        ack()  # a link button: Slack opens the channel and tells the app it was clicked


# The buttons that change something (the others open a modal or only invite): saved before the ack.
WRITES = frozenset({ids.ACK, ids.REOPEN, ids.ESCALATE})
NOT_A_DECLARATION = "That button does not belong to a declaration."


def _acknowledge(services: Services, click: Click[int]) -> None:
    result = services.incidents.acknowledge(click.target, click.user, request_key=click.request_key or None)
    if result.already_by:
        click.answer(f"Already acknowledged by <@{result.already_by}>.")


def _open_roles(services: Services, click: Click[int]) -> None:
    click.client.views_open(
        trigger_id=click.body["trigger_id"],
        view=modals.roles_modal(services.incidents.get_for(click.target, click.user, Action.ROLE)),
    )


def _open_update(services: Services, click: Click[int]) -> None:
    incident = services.incidents.get_for(click.target, click.user)
    if not incident.status.is_open:
        raise UserError("This incident is resolved. Reopen it to post updates.")
    click.client.views_open(trigger_id=click.body["trigger_id"], view=modals.update_modal(incident))


def _open_resolve(services: Services, click: Click[int]) -> None:
    incident = services.incidents.get_for(click.target, click.user, Action.RESOLVE)
    if not incident.status.is_open:
        raise UserError("This incident is already resolved.")
    click.client.views_open(trigger_id=click.body["trigger_id"], view=modals.resolve_modal(incident))


def _open_publish(services: Services, click: Click[int]) -> None:
    form = services.publications.form(click.target, click.user)
    click.client.views_open(trigger_id=click.body["trigger_id"], view=publish.publish_modal(form))


def _open_publish_resolution(services: Services, click: Click[int]) -> None:
    form = services.publications.form(click.target, click.user, resolution=True)
    click.client.views_open(trigger_id=click.body["trigger_id"], view=publish.publish_modal(form))


def _reopen(services: Services, click: Click[int]) -> None:
    services.incidents.reopen(
        click.target, click.user, "Reopened from the incident card", request_key=click.request_key or None
    )


def _join(services: Services, click: Click[int]) -> None:
    incident = services.incidents.get_for(click.target, click.user)  # a private channel only by invitation
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
    services.escalation.escalate(click.target, click.user, request_key=click.request_key or None)


def _anyway(services: Services, click: Click[Asked]) -> None:
    """Declare the held-back incident for real: once per held-back request, however often it is clicked."""
    asked = click.target
    severity = services.ctx.playbooks.severities.lookup(asked.severity_id)
    if severity is None:
        raise UserError(f"`{asked.severity_id}` is no longer a severity here; declare it again with `/incident`.")
    notify = {"channel_id": asked.channel_id or click.channel or "", "user_id": click.user}
    if click.body.get("response_url"):
        notify["response_url"] = str(click.body["response_url"])
    try:
        result = services.incidents.declare(
            reporter_id=click.user,
            severity=severity,
            title=asked.title,
            description=asked.description,
            commander_id=asked.commander_id or None,
            request_key=f"anyway:{asked.request_key}",
            notify=notify,
            allow_duplicate=True,
        )
    except AlreadyHandled as exc:
        raise AlreadyHandled("You already declared this one anyway.") from exc
    click.answer(f":hourglass_flowing_sand: Declaring *{result.incident.ref}* ({severity.id}) {result.incident.title}…")
