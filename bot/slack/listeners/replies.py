"""Answering one person: an ephemeral reply (response_url, then the channel, then a DM) and the error text."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = (
    ":warning: Something went wrong on our side and nothing was changed. Please try again; "
    "if it keeps failing, tell the bot's maintainers (the error is in the bot's log)."
)


def reply(
    respond: Respond | None,
    client: WebClient,
    channel: str | None,
    user: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """An ephemeral answer to one person, via response_url when there is one."""
    try:
        if respond is not None:
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
                return
            except SlackApiError as exc:  # not a member of that channel, for one: a DM still reaches them
                log.info("ephemeral to %s in %s refused (%s); sending a DM", user, channel, exc.response.get("error"))
        client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except (SlackApiError, OSError) as exc:
        log.warning("could not reply to %s: %s", user, exc)
