"""Looking people up in Slack for listeners: is this a person, and what is their name."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError

log = logging.getLogger(__name__)


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


def display_name(client: WebClient, user_id: str) -> str:
    """A person's name as people read it (real name, display name, handle) for a user id or an e-mail
    address, or ``user_id`` itself when Slack cannot tell."""
    try:
        if "@" in user_id:
            user = client.users_lookupByEmail(email=user_id).get("user") or {}
        else:
            user = client.users_info(user=user_id).get("user") or {}
    except Exception:  # Slack unreachable or unknown user: the id is still a truthful answer
        log.info("users.info failed for %s", user_id)
        return user_id
    profile = user.get("profile") or {}
    for name in (
        profile.get("real_name"),
        profile.get("display_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if name:
            return str(name)
    return user_id
