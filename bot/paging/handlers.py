"""Outbox handlers for pages, reminders and chain ends: every Slack or pager effect of a scheduled job."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.domain.events import (
    ChainExhausted,
    LongRunningPage,
    PagePeople,
    PagerAcknowledged,
    PagerResolved,
    UpdateReminder,
)
from bot.metrics import Metrics
from bot.paging.people import PeopleResolver
from bot.playbooks.oncall import OnCall, parse_target
from bot.services.outbox import Delivery, GiveUp
from bot.services.ports import Page, Pager, PagingPosts
from bot.services.read_models import IncidentView

log = logging.getLogger(__name__)

COMMS_ROLE = "comms"
# This many reminders in a row without an update (the current one included) also calls in comms.
LOUDER_AFTER = 3


class PagingHandlers:
    """One handler per event type (the container routes them): pages, long-running pages, the chain's end,
    acknowledgements and resolutions for external pagers, update reminders. What shows in Slack goes to
    ``posts``.
    """

    def __init__(
        self,
        posts: PagingPosts,
        people: PeopleResolver,
        oncall: Callable[[], OnCall],
        pagers: Sequence[Pager],
        clock: Callable[[], datetime],
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.posts = posts
        self.people = people
        self.oncall = oncall
        self.pagers = tuple(pagers)
        self.clock = clock

    def _incident(self, d: Delivery) -> IncidentView:
        if d.incident is None:
            raise GiveUp("incident is gone")
        return d.incident

    @staticmethod
    def _answered(inc: IncidentView) -> bool:
        """Acknowledged or resolved: the automatic chain has nothing more to say."""
        return inc.acknowledged_at is not None or not inc.status.is_open

    def page(self, d: Delivery, event: PagePeople) -> None:
        inc = self._incident(d)
        if event.by is None and self._answered(inc):
            # An automatic step held back (Slack rate limits, retries) while someone acknowledged or resolved:
            # the chain has stopped, so nobody more is paged. A manual escalation ("by") still pages.
            return
        # Pages go out even if the incident channel could not be created; the notice needs the channel.
        channel = self.posts.channel_or_none(d)
        policy = self.oncall().policies.get(event.policy_id)
        level_index = event.level
        if policy is None or level_index >= len(policy.levels):
            raise GiveUp(f"escalation policy {event.policy_id!r} has no level {level_index + 1}")
        if d.done("users"):
            users = tuple(d.progress["users"])
        else:
            users = tuple(self.people.users(self.oncall(), policy.levels[level_index].notify, event.at))
            d.mark("users", list(users))
        page = Page(inc, users, level_index + 1, event.cycle, event.reason, policy.id)
        self._page_all(d, page)
        if channel:
            self.posts.page_notice(d, channel, users, page.level, page.cycle, page.reason)

    def long_running(self, d: Delivery, event: LongRunningPage) -> None:
        """The people of a ``long_running`` rule, paged outside the chain (level 0 on the page)."""
        inc = self._incident(d)
        if not inc.status.is_open:
            return  # resolved between the fire and the delivery
        if d.done("users"):
            users = tuple(d.progress["users"])
        else:
            targets = [parse_target(t) for t in event.targets]
            users = tuple(self.people.users(self.oncall(), targets, event.at))
            d.mark("users", list(users))
        page = Page(inc, users, 0, 0, event.reason, event.policy_id)
        self._page_all(d, page)
        self.posts.page_notice(d, self.posts.channel(d), users, 0, 0, page.reason)

    def _page_all(self, d: Delivery, page: Page) -> None:
        """Every pager, each counted once per delivery however often the delivery is retried."""
        for pager in self.pagers:
            pager.page(d, page)
            counted = f"counted:{pager.name}"
            if not d.done(counted):
                d.mark(counted)
                self.metrics.pages_sent.labels(pager.name).inc()

    def exhausted(self, d: Delivery, event: ChainExhausted) -> None:
        inc = self._incident(d)
        if self._answered(inc):
            return  # acknowledged or resolved before the notice went out: somebody did answer
        self.posts.exhausted_notice(d, inc)

    def acknowledged(self, d: Delivery, event: PagerAcknowledged) -> None:
        inc = self._incident(d)
        for pager in self.pagers:
            pager.acknowledge(d, inc, event.by)

    def resolved(self, d: Delivery, event: PagerResolved) -> None:
        inc = self._incident(d)
        for pager in self.pagers:
            pager.resolve(d, inc)

    def nudge(self, d: Delivery, event: UpdateReminder) -> None:
        inc = self._incident(d)
        if not inc.status.is_open:
            return  # resolved between the fire and the delivery: no reminder for a resolved incident
        ignored = event.ignored
        also: list[str] = []
        if ignored >= LOUDER_AFTER:
            if d.done("also"):
                also = list(d.progress["also"])
            else:
                also = self._louder(inc, event)
                d.mark("also", also)
        self.posts.nudge(d, inc, event.since_seconds, ignored, also, overdue=event.overdue)
        if not d.done("counted"):
            d.mark("counted")
            self.metrics.nudges_sent.inc()

    def _louder(self, inc: IncidentView, event: UpdateReminder) -> list[str]:
        comms = inc.holder(COMMS_ROLE)
        if comms:
            return [comms]
        policy = self.oncall().policies.get(event.policy_id or "")
        if policy is None or not policy.levels:
            return []
        level = policy.levels[min(event.next_level, len(policy.levels) - 1)]
        return self.people.users(self.oncall(), level.notify, self.clock())
