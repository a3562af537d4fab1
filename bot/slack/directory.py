"""People in the Slack workspace for paging: users by email, members of a user group."""

from __future__ import annotations

import logging

from bot.slack.gateway import SlackCallFailed, SlackGateway

log = logging.getLogger(__name__)


class SlackDirectory:
    """Implements ``services.ports.Directory`` on ``users.lookupByEmail`` and ``usergroups.users.list``."""

    def __init__(self, gateway: SlackGateway) -> None:
        self.slack = gateway

    def user_by_email(self, email: str) -> str | None:
        resp = self.slack.call("users.lookupByEmail", email=email, tolerate=("users_not_found",))
        user = resp.get("user") or {}
        if not resp.get("ok") or not user.get("id"):
            return None
        return str(user["id"])

    def group_members(self, group_id: str) -> tuple[str, ...]:
        try:
            resp = self.slack.call(
                "usergroups.users.list",
                usergroup=group_id,
                tolerate=("no_such_subteam", "paid_teams_only", "not_allowed_token_type"),
            )
        except SlackCallFailed as exc:
            log.warning("cannot list user group %s: %s", group_id, exc)
            return ()
        return tuple(str(u) for u in resp.get("users") or ())
