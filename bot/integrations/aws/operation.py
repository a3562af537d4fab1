"""The shape every supported AWS operation shares: its arguments, how it is shown, how it runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.durations import parse_duration
from bot.integrations.aws.arguments import Arg
from bot.integrations.aws.model import StepResult


@dataclass(frozen=True)
class Context:
    """Where and when a step runs: the clock reading, its time window and region."""

    now: datetime
    since: str
    region: str | None

    @property
    def window(self) -> timedelta:
        return parse_duration(self.since)

    @property
    def start(self) -> datetime:
        return self.now - self.window


class Shown:
    """A value shown in a confirmation that is only known when the call is made (prints bare)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"<{self.text}>"


Handler = Callable[[Any, dict[str, Any], Context], StepResult]
Display = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
Planner = Callable[[Any, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """A runnable ``service.operation``: declared args, the boto3 call it shows, and its handler."""

    service: str
    name: str
    args: Mapping[str, Arg]
    display: Display
    run: Handler
    mutating: bool = False
    default_since: str | None = None
    # For calls whose exact arguments need a lookup first (a rollback's target revision).
    plan: Planner | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.service, self.name)


def format_call(service: str, api: str, kwargs: Mapping[str, Any]) -> str:
    """``ecs.update_service(cluster='prod', service='api', forceNewDeployment=True)``."""
    inner = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    return f"{service}.{api}({inner})"
