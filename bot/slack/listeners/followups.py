"""The Done button of a follow-up (in lists and in the overdue DM): closes it through the use case."""

from __future__ import annotations

from slack_bolt import App

from bot.services.registry import Services
from bot.slack import ids
from bot.slack.listeners.clicks import Click, on_click
from bot.slack.listeners.payloads import split_value

NOT_A_FOLLOWUP = "That button does not belong to a follow-up."


def followup_from(value: object) -> tuple[int, int] | None:
    """``"<incident id>:<number>"``; anything else is refused."""
    parsed = split_value(value)
    if parsed is None or not parsed[1].isascii() or not parsed[1].isdigit() or int(parsed[1]) < 1:
        return None
    return parsed[0], int(parsed[1])


def register(app: App, services: Services) -> None:
    on_click(app, services, ids.FOLLOWUP_DONE, followup_from, NOT_A_FOLLOWUP, _done, durable=True)


def _done(services: Services, click: Click[tuple[int, int]]) -> None:
    incident_id, number = click.target
    item = services.followups.close(incident_id, number, click.user, request_key=click.request_key or None)
    click.answer(f":white_check_mark: Follow-up #{item.number} of {item.incident_ref} closed: {item.text}")
