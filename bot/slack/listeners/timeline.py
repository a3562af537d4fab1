"""Timeline capture from Slack (``pin_added``, ``reaction_added``) and the page buttons of ``/incident timeline``."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.domain.timeline import captures
from bot.services.registry import Services
from bot.services.timeline import Capture
from bot.slack import ids
from bot.slack.blocks.timeline import timeline_page
from bot.slack.listeners.clicks import Click, on_click
from bot.slack.listeners.payloads import split_value

log = logging.getLogger(__name__)
NOT_A_PAGE = "That button does not belong to a timeline."


def page_from(value: object) -> tuple[int, int] | None:
    """``"<incident id>:<page index>"``; anything else is refused."""
    parsed = split_value(value)
    if parsed is None or not parsed[1].isascii() or not parsed[1].isdigit():
        return None
    return parsed[0], int(parsed[1])


def register(app: App, services: Services) -> None:
    @app.event("pin_added")
    def pinned(event: dict[str, Any], context: BoltContext) -> None:
        """A pinned message joins the timeline, with the author and text the event carries."""
        user = str(event.get("user") or "")
        item = event.get("item") or {}
        message = item.get("message") or {}
        if not user or user == context.bot_user_id or item.get("type") != "message" or not message.get("ts"):
            return  # the bot's own pins (the card) and pinned files are not timeline events
        text = message.get("text")
        services.timeline.capture(
            Capture(
                channel_id=str(event.get("channel_id") or item.get("channel") or ""),
                ts=str(message["ts"]),
                by=user,
                via="pin",
                author_id=str(message.get("user") or "") or None,
                text=str(text) if isinstance(text, str) else None,
                permalink=str(message.get("permalink") or "") or None,
            )
        )

    @app.event("reaction_added")
    def reacted(event: dict[str, Any], context: BoltContext) -> None:
        """``:pushpin:`` or ``:stopwatch:`` on a message: it joins the timeline (its text is fetched after)."""
        user, reaction = str(event.get("user") or ""), str(event.get("reaction") or "")
        item = event.get("item") or {}
        if not user or user == context.bot_user_id or item.get("type") != "message" or not captures(reaction):
            return
        services.timeline.capture(
            Capture(
                channel_id=str(item.get("channel") or ""),
                ts=str(item.get("ts") or ""),
                by=user,
                via=reaction.strip(":").split("::", 1)[0],
                author_id=str(event.get("item_user") or "") or None,
            )
        )

    on_click(app, services, ids.TIMELINE_OLDER, page_from, NOT_A_PAGE, _turn)
    on_click(app, services, ids.TIMELINE_NEWER, page_from, NOT_A_PAGE, _turn)


def _turn(services: Services, click: Click[tuple[int, int]]) -> None:
    """Show another page in place of the one clicked (the use case checks the person may see it)."""
    incident_id, page = click.target
    found = services.timeline.of_incident(incident_id, click.user)
    text, blocks = timeline_page(found.incident, found.entries, page)
    rendered = [b.to_dict() for b in blocks]
    if click.respond is not None:
        click.respond(text=text, blocks=rendered, response_type="ephemeral", replace_original=True)
    elif click.channel:
        click.client.chat_postEphemeral(channel=click.channel, user=click.user, text=text, blocks=rendered)
