"""Plugs runbooks into the container: the service, its outbox handlers and ``/incident runbook``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from bot.domain import grammar as g
from bot.integrations.aws import ClientFactory
from bot.services.errors import NotAnIncidentChannel
from bot.services.runbooks import RunbookService
from bot.slack.blocks import runbooks as rb_blocks
from bot.slack.runbook_posts import RunbookPosts

if TYPE_CHECKING:
    from bot.container import Container


def default_clients() -> ClientFactory:
    """boto3's standard credential chain and region settings, built on first use only."""
    return ClientFactory(boto3.session.Session())


def install(container: Container) -> None:
    services = container.services
    service = RunbookService(services.ctx, container.playbooks, default_clients)
    services.extra["runbooks"] = service
    RunbookPosts(container.notifier, service).install()

    def runbook_command(cmd: g.Runbook, req: Any) -> None:
        try:
            incident = req.incident("runbook")
        except NotAnIncidentChannel:
            if cmd.runbook_id:
                raise
            incident = None
        if cmd.runbook_id and incident is not None:
            attached = service.attach(incident.id, cmd.runbook_id, req.user_id, settings=dict(cmd.settings))
            with_ = ", ".join(f"`{k}={v}`" for k, v in cmd.settings)
            req.say(
                f":paperclip: Attached *{attached.runbook.title}*"
                + (f" with {with_}" if with_ else "")
                + "; the checklist is being posted here."
            )
            return
        runbooks = service.available()
        attached_ids = [a.runbook.id for a in service.attached_for(incident.id)] if incident else []
        suggested = [rb.id for rb in service.suggestions(incident.title)] if incident else []
        blocks = rb_blocks.runbook_list(runbooks, incident.id if incident else None, attached_ids, suggested)
        req.say(f"{len(runbooks)} runbooks", [b.to_dict() for b in blocks])

    services.command_handlers[g.Runbook] = runbook_command
