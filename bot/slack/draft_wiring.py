"""Plugs communication drafts into the container: ``/incident draft [template]``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.domain import grammar as g
from bot.services.drafts import DraftService
from bot.slack.blocks import drafts as blocks

if TYPE_CHECKING:
    from bot.container import Container

log = logging.getLogger(__name__)


def install(container: Container) -> None:
    playbooks = container.playbooks
    service = DraftService(container.services.ctx, lambda: playbooks.templates)
    container.services.extra["drafts"] = service

    def draft_command(cmd: g.Draft, req: Any) -> None:
        incident = req.incident("draft")
        if cmd.template is None:
            req.say(blocks.draft_list(service.available()))
            return
        names: dict[str, str] = {}

        def person(user_id: str) -> str:
            # Drafts leave Slack (email, status page, wiki): people by name, not as <@U…> mentions.
            if user_id not in names:
                names[user_id] = _display_name(req.client, user_id)
            return names[user_id]

        draft = service.draft(incident.id, cmd.template, person)
        req.say(
            f"Draft: {draft.label} for {draft.incident.ref}",
            [b.to_dict() for b in blocks.draft_message(draft)],
        )

    container.services.command_handlers[g.Draft] = draft_command


def _display_name(client: Any, user_id: str) -> str:
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except Exception:  # Slack unreachable or unknown user: the id is still a truthful answer
        log.info("users.info failed for %s", user_id)
        return user_id
    profile = user.get("profile") or {}
    for name in (
        profile.get("real_name"),
        profile.get("display_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if name:
            return str(name)
    return user_id
