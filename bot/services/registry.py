"""The set of use cases handed to transports (Slack listeners, scheduler jobs, CLI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.services.context import ServiceContext
from bot.services.incidents import IncidentService


@dataclass
class Services:
    ctx: ServiceContext
    incidents: IncidentService
    # Feature services added as they are built (paging, runbooks); looked up by name.
    extra: dict[str, Any] = field(default_factory=dict)
    # Slash-command verbs other features handle: verb -> handler(command, request) (see slack.listeners.commands).
    command_handlers: dict[type, Callable[..., None]] = field(default_factory=dict)
