"""The App Home tab: published when a person opens it; its Join and Declare buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks import modals
from bot.slack.blocks.home import home_view
from bot.slack.listeners.clicks import Click, on_click
from bot.slack.listeners.payloads import incident_id_from, user_of
from bot.slack.listeners.replies import reply

log = logging.getLogger(__name__)

NOT_AN_INCIDENT = "That button does not belong to an incident."


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return  # the Messages tab, or an event without a person
        publish(services, client, str(event["user"]))

    @app.action(ids.HOME_DECLARE)
    def declare_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = modals.declare_modal(services.ctx.playbooks.severities)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            log.info("declare form from the Home tab not opened: %s", exc.response.get("error"))
            reply(None, client, None, user_of(body), ":warning: The declare form could not open; please try again.")

    on_click(app, services, ids.HOME_JOIN, incident_id_from, NOT_AN_INCIDENT, _join)


def publish(services: Services, client: WebClient, user_id: str) -> None:
    """Publish ``user_id``'s Home tab as it is now."""
    view = home_view(services.home.home(user_id))
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("Home tab for %s not published: %s", user_id, exc.response.get("error"))


def _join(services: Services, click: Click[int]) -> None:
    incident = services.home.join(click.target, click.user)
    channel = incident.channel_id or ""
    try:
        click.client.conversations_invite(channel=channel, users=click.user)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_in_channel":
            raise UserError(f"I couldn't add you to <#{channel}> ({exc.response.get('error')}).") from exc
        click.answer(f"You are already in <#{channel}> ({incident.ref}).")
        return
    click.answer(f"You're in: <#{channel}> ({incident.ref}).")
