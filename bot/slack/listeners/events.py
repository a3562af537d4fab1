"""Events API: de-duplicates Slack's retries and greets people who join an incident channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import StorageUnavailable, UserError
from bot.services.registry import Services
from bot.slack.blocks import card

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    seen = services.claim_event

    @app.middleware
    def drop_retries(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        try:
            if event_id and not seen(f"event:{event_id}"):
                return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        except StorageUnavailable:  # cannot tell a retry apart now: let Slack send it again later
            log.warning("event %s not handled: the database is unavailable; Slack retries it", event_id)
            return BoltResponse(status=503, body="")
        return next()

    @app.event("member_joined_channel")
    def member_joined(event: dict[str, Any], client: WebClient) -> None:
        channel, user = event.get("channel", ""), event.get("user", "")
        try:
            incident = services.incidents.by_channel(channel)
        except UserError:
            return
        now = services.ctx.clock()
        try:
            client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=card.card_fallback_text(incident),
                blocks=[b.to_dict() for b in card.incident_card(incident, now, interactive=False)],
            )
        except SlackApiError as exc:
            log.info("could not greet %s in %s: %s", user, channel, exc.response.get("error"))
