"""Helpers shared by listeners: private_metadata, friendly errors and ephemeral replies."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = (
    ":warning: Something went wrong on our side and nothing was changed. Please try again; "
    "if it keeps failing, tell the bot's maintainers (the error is in the bot's log)."
)


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def incident_id_from(value: Any) -> int | None:
    """Button values and metadata carry the incident's numeric id; anything else is refused."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def reply(respond: Respond | None, client: WebClient, channel: str | None, user: str, text: str) -> None:
    """An ephemeral answer to one person, via response_url when there is one."""
    try:
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
                return
            except SlackApiError as exc:  # not a member of that channel, for one: a DM still reaches them
                log.info("ephemeral to %s in %s refused (%s); sending a DM", user, channel, exc.response.get("error"))
        client.chat_postMessage(channel=user, text=text)
    except (SlackApiError, OSError) as exc:
        log.warning("could not reply to %s: %s", user, exc)


def state_value(values: dict[str, Any], block_id: str, action_id: str) -> Any:
    """The submitted value of one input, whatever its element type."""
    element = (values.get(block_id) or {}).get(action_id) or {}
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    if kind in ("users_select",):
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    return element.get("value")


def require_person(client: WebClient, user_id: str) -> None:
    """Raise ``UserError`` unless ``user_id`` is an active person (not a bot) in this workspace.

    Only Slack saying the user does not exist means "unknown user"; any other failure (rate limits,
    an outage) asks to try again, so a Slack hiccup is never reported as a wrong name.
    """
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "users_not_found"):
            user = {"deleted": True}
        else:
            log.info("users.info failed for %s: %s", user_id, exc.response.get("error"))
            raise UserError(f"Slack could not look up <@{user_id}> just now. Please try again.") from exc
    except OSError as exc:
        log.info("users.info unreachable for %s: %s", user_id, exc)
        raise UserError(f"Slack could not look up <@{user_id}> just now. Please try again.") from exc
    if user.get("is_bot") or user.get("deleted"):
        raise UserError(
            f"<@{user_id}> is not a person in this workspace (unknown user, bot or deactivated)."
        )
