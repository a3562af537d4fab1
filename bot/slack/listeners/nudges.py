"""Buttons on the update reminder: No change (a heartbeat update) and Snooze."""

from __future__ import annotations

from slack_bolt import App

from bot.services.registry import Services
from bot.slack import ids
from bot.slack.listeners.actions import NOT_AN_INCIDENT
from bot.slack.listeners.clicks import Click, on_click
from bot.slack.listeners.payloads import incident_id_from

HEARTBEAT = "No change: still investigating."


def register(app: App, services: Services) -> None:
    on_click(app, services, ids.NUDGE_NO_CHANGE, incident_id_from, NOT_AN_INCIDENT, _no_change, durable=True)
    on_click(app, services, ids.NUDGE_SNOOZE, incident_id_from, NOT_AN_INCIDENT, _snooze, durable=True)


def _no_change(services: Services, click: Click[int]) -> None:
    services.incidents.post_update(
        click.target, click.user, HEARTBEAT, kind="heartbeat", request_key=click.request_key or None
    )


def _snooze(services: Services, click: Click[int]) -> None:
    click.answer(services.reminders.snooze(click.target, click.user, request_key=click.request_key or None))
