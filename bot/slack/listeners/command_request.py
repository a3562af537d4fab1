"""What a ``/incident`` handler receives, and the two kinds of handler: anywhere, or in an incident channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.domain import grammar as g
from bot.services.read_models import IncidentView
from bot.services.registry import Services
from bot.slack.blocks.common import MESSAGE_TEXT, cut
from bot.slack.listeners.replies import reply

C = TypeVar("C", bound=g.Command)


@dataclass
class CommandRequest:
    """What a command handler needs from the Slack request, without Slack types leaking further."""

    user_id: str
    channel_id: str
    trigger_id: str
    response_url: str
    respond: Respond | None
    client: WebClient
    services: Services
    # Slack's identity of this request: the use cases claim it, so a redone request changes things once.
    request_key: str = ""

    def say(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An answer only the person who typed the command sees."""
        text = cut(text, MESSAGE_TEXT)
        if self.respond is None:
            reply(None, self.client, self.channel_id, self.user_id, text, blocks)
            return
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


@dataclass(frozen=True)
class Anywhere(Generic[C]):
    """The handler of a verb that works in any channel; ``ack_text`` answers at once when given."""

    command: type[C]
    run: Callable[[C, CommandRequest], None]
    ack_text: Callable[[C], str] | None = None


@dataclass(frozen=True)
class InIncident(Generic[C]):
    """The handler of a verb that works in an incident channel; it gets that channel's incident.

    ``outside`` is what the verb does elsewhere; without one, the person is told where it works.
    """

    command: type[C]
    run: Callable[[C, CommandRequest, IncidentView], None]
    outside: Callable[[C, CommandRequest], None] | None = None


Route = Anywhere[Any] | InIncident[Any]
