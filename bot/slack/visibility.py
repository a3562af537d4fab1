"""Who may see a private incident: the members of its channel (``conversations.members``), else its people."""

from __future__ import annotations

import logging

from bot.services.outbox import RetryLater
from bot.services.read_models import IncidentView
from bot.slack.gateway import SlackCallFailed, SlackGateway

log = logging.getLogger(__name__)


class ChannelVisibility:
    """Implements ``services.home.IncidentVisibility``: public incidents for all, private ones for members.

    Before the channel exists, the reporter and the role holders are its members. When Slack cannot list
    the members right now, the person is treated as outside (a private incident is never shown by mistake).
    """

    def __init__(self, gateway: SlackGateway) -> None:
        self.slack = gateway

    def can_see(self, incident: IncidentView, actor: str) -> bool:
        if not incident.private or actor in incident.people:
            return True
        if not incident.channel_id:
            return False
        return actor in self._members(incident.channel_id)

    def _members(self, channel_id: str) -> set[str]:
        found: set[str] = set()
        cursor = ""
        try:
            while True:
                resp = self.slack.call(
                    "conversations.members",
                    channel=channel_id,
                    limit=1000,
                    cursor=cursor,
                    tolerate=("channel_not_found", "not_in_channel"),
                )
                if not resp.get("ok"):
                    log.warning("cannot list the members of %s: %s", channel_id, resp.get("error"))
                    return set()
                found.update(str(u) for u in resp.get("members") or ())
                cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    return found
        except (SlackCallFailed, RetryLater) as exc:
            log.warning("cannot list the members of %s: %s", channel_id, exc)
            return set()
