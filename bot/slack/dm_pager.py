"""The Slack pager (the default): a DM with Acknowledge and Escalate buttons, edited in place once answered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bot.services.outbox import Delivery
from bot.services.ports import Page
from bot.services.read_models import IncidentView
from bot.slack.blocks import paging as blocks
from bot.slack.notifier import SlackNotifier


class SentPage(Protocol):
    """A page DM as recorded: where it is, and what has become of its page."""

    @property
    def id(self) -> int: ...
    @property
    def level(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def ts(self) -> str: ...
    @property
    def acknowledged_by(self) -> str | None: ...
    @property
    def escalated_to(self) -> int | None: ...
    @property
    def resolved(self) -> bool: ...


class SentPages(Protocol):
    """Where page DMs are kept (``bot.storage.page_dms.PageDmStore``)."""

    def add(self, incident_id: int, user_id: str, level: int, reason: str, channel_id: str, ts: str) -> None: ...

    def unresolved(self, incident_id: int) -> Sequence[SentPage]: ...

    def update(self, dm_id: int, **fields: Any) -> None: ...


class SlackDmPager:
    name = "slack"

    def __init__(self, notifier: SlackNotifier, sent: SentPages) -> None:
        self.notifier = notifier
        self.sent = sent

    def page(self, delivery: Delivery, page: Page) -> None:
        inc = page.incident
        if inc.channel_id and not delivery.done("invite"):
            self.notifier.invite(inc.channel_id, page.users)
            delivery.mark("invite")
        for user in page.users:
            step = f"dm:{user}"
            if delivery.done(step):
                continue
            dm = self.notifier.slack.call(
                "conversations.open",
                users=user,
                tolerate=("user_not_found", "cannot_dm_bot", "user_disabled"),
            )
            if dm.get("ok"):
                channel = str(dm["channel"]["id"])
                ts = self.notifier.post(
                    delivery,
                    step,
                    channel,
                    blocks.page_dm(inc, page.level, page.reason),
                    blocks.page_dm_text(inc),
                )
                if ts:
                    self.sent.add(inc.id, user, page.level, page.reason, channel, ts)
            delivery.mark(step)
        if page.level > 1:
            # The levels before this one were paged and nobody acknowledged: their DMs say they are past.
            self._edit(
                delivery,
                inc,
                lambda dm: 0 < dm.level < page.level and not dm.acknowledged_by
                and (dm.escalated_to or 0) < page.level,
                f"escalated:{page.level}",
                escalated_to=page.level,
            )

    def acknowledge(self, delivery: Delivery, incident: IncidentView, by: str | None) -> None:
        """Every open page DM of the incident says who acknowledged, and loses its buttons."""
        who = by or incident.acknowledged_by
        self._edit(delivery, incident, lambda dm: not dm.acknowledged_by, "acknowledged",
                   acknowledged_by=who or "")

    def resolve(self, delivery: Delivery, incident: IncidentView) -> None:
        """Every page DM of the incident says it is resolved, and loses its buttons."""
        self._edit(delivery, incident, lambda dm: True, "resolved", resolved=True)

    def _edit(
        self,
        delivery: Delivery,
        incident: IncidentView,
        wanted: Callable[[SentPage], bool],
        what: str,
        **change: Any,
    ) -> None:
        for dm in self.sent.unresolved(incident.id):
            step = f"dm-edit:{dm.id}:{what}"
            if delivery.done(step) or not wanted(dm):
                continue
            fields = {
                "acknowledged_by": dm.acknowledged_by,
                "escalated_to": dm.escalated_to,
                "resolved": dm.resolved,
                **change,
            }
            with self.notifier.best_effort(delivery, step):  # a DM deleted by hand is not worth a retry
                self.notifier.slack.call(
                    "chat.update",
                    channel=dm.channel_id,
                    ts=dm.ts,
                    blocks=[
                        b.to_dict()
                        for b in blocks.page_dm_answered(
                            incident,
                            dm.level,
                            dm.reason,
                            fields["acknowledged_by"] or None,
                            fields["escalated_to"],
                            bool(fields["resolved"]),
                        )
                    ],
                    text=blocks.page_dm_text(incident),
                )
            self.sent.update(dm.id, **change)
            delivery.mark(step)
