"""Events API: de-duplicates Slack's retries and catches up people who join an incident channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import StorageUnavailable, UserError
from bot.services.registry import Services
from bot.slack.blocks import summary

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
    def member_joined(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """A newcomer sees the summary, to themselves; the bot and the reporter, there from the start, do not."""
        channel, user = event.get("channel", ""), event.get("user", "")
        if not user or user == context.bot_user_id:
            return
        try:
            facts = services.summaries.for_channel(channel)
        except UserError:
            return
        if user == facts.incident.reporter_id:
            return
        blocks = summary.summary_message(
            facts.incident, facts.entries, services.ctx.clock(), facts.follow_ups
        )
        try:
            client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=summary.summary_text(facts.incident),
                blocks=[b.to_dict() for b in blocks],
            )
        except SlackApiError as exc:
            log.info("could not greet %s in %s with the catch-up: %s", user, channel, exc.response.get("error"))
