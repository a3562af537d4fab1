"""Thin Bolt listeners: ack, parse, call one service, render. One module per kind."""

from __future__ import annotations

from slack_bolt import App

from bot.services.registry import Services
from bot.slack.listeners import (
    actions,
    alerts,
    commands,
    events,
    followups,
    home,
    nudges,
    runbooks,
    submissions,
    timeline,
)


def register_all(app: App, services: Services) -> None:
    commands.register(app, services)
    actions.register(app, services)
    submissions.register(app, services)
    events.register(app, services)
    nudges.register(app, services)
    runbooks.register(app, services)
    home.register(app, services)
    followups.register(app, services)
    timeline.register(app, services)
    alerts.register(app, services)
