"""The ``/incident`` slash command: ack at once, parse with the grammar, run the verb's one handler."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import grammar as g
from bot.domain.suggest import incident_only, unknown_command
from bot.domain.verbs import Scope, spec_for
from bot.services.errors import NotAnIncidentChannel, UserError
from bot.services.registry import Services
from bot.slack.listeners.command_request import Anywhere, CommandRequest
from bot.slack.listeners.verb_handlers import ROUTES

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.command("/incident")
    def incident_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        req = CommandRequest(
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            trigger_id=command.get("trigger_id", ""),
            response_url=command.get("response_url", ""),
            respond=respond,
            client=client,
            services=services,
        )
        text = command.get("text", "")
        try:
            parsed = _parse(text, req)
        except (g.CommandError, UserError) as exc:  # StorageUnavailable too: the answer must not wait
            ack(text=f":warning: {exc}")
            return
        route = ROUTES[spec_for(parsed).key]
        if isinstance(route, Anywhere) and route.ack_text is not None:
            ack(text=route.ack_text(parsed))
        else:
            ack()
        try:
            dispatch(parsed, req)
        except UserError as exc:
            req.say(f":warning: {exc}")


def _parse(text: str, req: CommandRequest) -> g.Command:
    """The command, or the ``CommandError`` to answer with at once (which may need the channel's incident)."""
    try:
        parsed = g.parse_command(text, req.services.ctx.playbooks.severities)
    except g.CommandError as exc:
        verb = text.split()[0] if text.split() else ""
        # Outside an incident channel, that is the first thing to fix about an incident verb.
        if incident_only(verb) and not _in_incident_channel(req):
            raise NotAnIncidentChannel(verb.casefold()) from exc
        raise
    if isinstance(parsed, g.OpenDeclareModal) and parsed.title and _in_incident_channel(req):
        # Inside an incident channel an unknown first word is a mistyped verb, not a new incident.
        raise g.CommandError(unknown_command(parsed.title.split()[0]))
    return parsed


def _in_incident_channel(req: CommandRequest) -> bool:
    try:
        req.services.incidents.by_channel(req.channel_id)
    except NotAnIncidentChannel:
        return False
    return True


def dispatch(cmd: g.Command, req: CommandRequest) -> None:
    """Run the handler of ``cmd``'s verb; verbs of incident channels get the channel's incident."""
    spec = spec_for(cmd)
    route = ROUTES[spec.key]
    if isinstance(route, Anywhere):
        route.run(cmd, req)
        return
    assert spec.scope is Scope.INCIDENT, f"{spec.key} works anywhere but its handler wants an incident"
    try:
        incident = req.services.incidents.by_channel(req.channel_id, spec.verb)
    except NotAnIncidentChannel:
        if route.outside is None:
            raise
        route.outside(cmd, req)
        return
    route.run(cmd, req, incident)
