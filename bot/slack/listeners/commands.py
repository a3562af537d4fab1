"""The ``/incident`` slash command: parse with the grammar, save what changes something, ack, run the verb's handler."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import grammar as g
from bot.domain.suggest import incident_only, unknown_command
from bot.domain.verbs import BY_WORD, Scope, Verb, spec_for
from bot.services.errors import AlreadyHandled, NotAnIncidentChannel, UserError
from bot.services.registry import Services
from bot.slack.listeners.command_request import Anywhere, CommandRequest, InIncident
from bot.slack.listeners.durable import DATABASE_UNREACHABLE, accept, finished, request_key, responder
from bot.slack.listeners.verb_handlers import ROUTES, WRITES

log = logging.getLogger(__name__)


KIND = "command"


def register(app: App, services: Services) -> None:
    def redo(command: dict[str, Any]) -> None:
        # The same command again, answered through its response_url: a stopped process acknowledged it.
        req = _request(command, responder(command), app.client, services)
        try:
            parsed = g.parse_command(command.get("text", ""), services.ctx.playbooks.severities)
        except g.CommandError as exc:  # the playbooks changed since: the person hears why
            req.say(f":warning: {exc}")
            return
        _run(parsed, req, redoing=True)

    services.pending.handle(KIND, redo)

    @app.command("/incident")
    def incident_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        req = _request(command, respond, client, services)
        text = command.get("text", "")
        try:
            parsed = _parse(text, req)
        except (g.CommandError, UserError) as exc:  # StorageUnavailable too: the answer must not wait
            ack(text=f":warning: {exc}")
            return
        key = spec_for(parsed).key
        # What changes something is written down before the ack: a crash after it cannot lose it.
        durable = key in WRITES
        if durable and not accept(services, req.request_key, KIND, command):
            ack(text=DATABASE_UNREACHABLE)
            return
        _ack(ack, parsed, key)
        if not durable:
            _run(parsed, req)
            return
        with finished(services, req.request_key):
            _run(parsed, req)


def _request(command: dict[str, Any], respond: Respond | None, client: WebClient, services: Services) -> CommandRequest:
    return CommandRequest(
        user_id=command.get("user_id", ""),
        channel_id=command.get("channel_id", ""),
        trigger_id=command.get("trigger_id", ""),
        response_url=command.get("response_url", ""),
        respond=respond,
        client=client,
        services=services,
        request_key=request_key(KIND, command),
    )


def _ack(ack: Ack, parsed: g.Command, key: Verb) -> None:
    route = ROUTES[key]
    if isinstance(route, Anywhere) and route.ack_text is not None:
        ack(text=route.ack_text(parsed))
    else:
        ack()


def _run(parsed: g.Command, req: CommandRequest, *, redoing: bool = False) -> None:
    try:
        dispatch(parsed, req)
    except AlreadyHandled as exc:
        if not redoing:  # redone: the first run got this far and the person has their answer
            req.say(f":warning: {exc}")
    except UserError as exc:
        req.say(f":warning: {exc}")


def _parse(text: str, req: CommandRequest) -> g.Command:
    """The command, or the ``CommandError`` to answer with at once (which may need the channel's incident)."""
    try:
        parsed = g.parse_command(text, req.services.ctx.playbooks.severities)
    except g.CommandError as exc:
        verb = text.split()[0] if text.split() else ""
        # Outside an incident channel, that is the first thing to fix about an incident verb.
        if incident_only(verb) and not _works_elsewhere(verb) and not _in_incident_channel(req):
            raise NotAnIncidentChannel(verb.casefold()) from exc
        raise
    if isinstance(parsed, g.OpenDeclareModal) and parsed.title and _in_incident_channel(req):
        # Inside an incident channel an unknown first word is a mistyped verb, not a new incident.
        raise g.CommandError(unknown_command(parsed.title.split()[0]))
    return parsed


def _works_elsewhere(verb: str) -> bool:
    """An incident verb that also does something outside (``timeline INC-…``): its own error says what."""
    spec = BY_WORD.get(verb.casefold())
    route = ROUTES.get(spec.key) if spec is not None else None
    return isinstance(route, InIncident) and route.outside is not None


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
