"""The ``/incident`` slash command: ack at once, parse with the grammar, hand to one use case."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import grammar as g
from bot.domain.usage import help_text
from bot.services.errors import UserError
from bot.services.registry import Services
from bot.slack.blocks import card, messages, modals
from bot.slack.blocks.common import MESSAGE_TEXT, cut
from bot.slack.listeners.common import require_person

log = logging.getLogger(__name__)


@dataclass
class CommandRequest:
    """What a command handler needs from the Slack request, without Slack types leaking further."""

    user_id: str
    channel_id: str
    trigger_id: str
    response_url: str
    respond: Respond
    client: WebClient
    services: Services

    def say(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self.respond(
            text=cut(text, MESSAGE_TEXT), blocks=blocks, response_type="ephemeral", replace_original=False
        )

    def incident(self, verb: str) -> Any:
        return self.services.incidents.by_channel(self.channel_id, verb)


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
        try:
            parsed = g.parse_command(command.get("text", ""), services.ctx.playbooks.severities)
        except g.CommandError as exc:
            ack(text=f":warning: {exc}")
            return
        if isinstance(parsed, g.Declare):
            ack(text=f":hourglass_flowing_sand: Declaring *{parsed.severity.id}* {parsed.title}…")
        elif isinstance(parsed, g.OpenDeclareModal):
            ack()
            client.views_open(
                trigger_id=req.trigger_id,
                view=modals.declare_modal(
                    services.ctx.playbooks.severities, parsed.title, parsed.severity, req.channel_id
                ),
            )
            return
        else:
            ack()
        try:
            dispatch(parsed, req)
        except UserError as exc:
            req.say(f":warning: {exc}")


def dispatch(cmd: g.Command, req: CommandRequest) -> None:
    extra = req.services.command_handlers.get(type(cmd))
    if extra is not None:
        extra(cmd, req)
        return
    handler = _HANDLERS.get(type(cmd))
    if handler is None:
        req.say(f"`{type(cmd).__name__.lower()}` is not available in this installation yet.")
        return
    handler(cmd, req)


def _declare(cmd: Any, req: CommandRequest) -> None:
    result = req.services.incidents.declare(
        reporter_id=req.user_id,
        severity=cmd.severity,
        title=cmd.title,
        description=cmd.description,
        notify={"response_url": req.response_url, "channel_id": req.channel_id},
    )
    if not result.created:
        inc = result.incident
        where = f"<#{inc.channel_id}>" if inc.channel_id else "its channel (being created)"
        req.say(f"You declared *{inc.ref}* with this title a moment ago: {where}. Not creating a duplicate.")


def _update(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("update")
    req.services.incidents.post_update(inc.id, req.user_id, cmd.text, cmd.status)


def _role(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("role")
    require_person(req.client, cmd.user_id)
    req.services.incidents.assign_role(inc.id, cmd.role_word, cmd.user_id, req.user_id)


def _severity(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("severity")
    req.services.incidents.change_severity(inc.id, req.user_id, cmd.severity.id)


def _note(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("note")
    req.services.incidents.add_note(inc.id, req.user_id, cmd.text)
    req.say(":memo: Added to the timeline.")


def _resolve(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("resolve")
    req.services.incidents.resolve(inc.id, req.user_id, cmd.summary, root_cause=cmd.root_cause)


def _reopen(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("reopen")
    req.services.incidents.reopen(inc.id, req.user_id, cmd.reason)


def _ack(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("ack")
    result = req.services.incidents.acknowledge(inc.id, req.user_id)
    if result.already_by:
        req.say(f"Already acknowledged by <@{result.already_by}>.")


def _status(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("status")
    now = req.services.ctx.clock()
    blocks = [b.to_dict() for b in card.incident_card(inc, now, interactive=False)]
    req.say(card.card_fallback_text(inc), blocks)


def _summary(cmd: Any, req: CommandRequest) -> None:
    inc = req.incident("summary")
    req.services.incidents.request_summary(inc.id, req.user_id)


def _list(cmd: Any, req: CommandRequest) -> None:
    incidents = req.services.incidents.list_open()
    blocks = [b.to_dict() for b in messages.incident_list(incidents, req.services.ctx.clock())]
    req.say(f"{len(incidents)} open incidents", blocks)


def _help(cmd: Any, req: CommandRequest) -> None:
    sev = req.services.ctx.playbooks.severities.describe_valid()
    req.say(help_text() + f"\n\n_Severities:_ {sev}")


def _escalate(cmd: Any, req: CommandRequest) -> None:
    req.incident("escalate")
    req.say("Paging is not configured for this incident's severity, so there is nobody to escalate to.")


_HANDLERS: dict[type, Any] = {
    g.Declare: _declare,
    g.PostUpdate: _update,
    g.AssignRole: _role,
    g.ChangeSeverity: _severity,
    g.AddNote: _note,
    g.Resolve: _resolve,
    g.Reopen: _reopen,
    g.Acknowledge: _ack,
    g.ShowStatus: _status,
    g.PostSummary: _summary,
    g.ListIncidents: _list,
    g.ShowHelp: _help,
    g.Escalate: _escalate,
}
