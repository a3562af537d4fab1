"""Plugs paging, update reminders and the leader-elected scheduler into the container."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain import grammar as g
from bot.paging.base import Pager
from bot.paging.handlers import PagingHandlers
from bot.paging.pagerduty import PagerDutyPager
from bot.paging.people import PeopleResolver
from bot.paging.slack_dm import SlackDmPager
from bot.playbooks.oncall import OnCall
from bot.scheduling.effects import Effects
from bot.scheduling.election import LeaderElector
from bot.scheduling.lease import lease_for
from bot.scheduling.oncall_view import oncall_text
from bot.scheduling.runner import SchedulerRunner
from bot.scheduling.usecases import ScheduleActions
from bot.scheduling.wake import Waker

if TYPE_CHECKING:
    from bot.container import Container


def install(container: Container) -> None:
    settings = container.settings
    services = container.services
    playbooks = container.playbooks
    clock = services.ctx.clock

    def oncall() -> OnCall:
        return playbooks.oncall

    people = PeopleResolver(container.gateway)
    pagers: list[Pager] = [SlackDmPager(container.notifier)]
    if settings.pagerduty_routing_key:
        pagers.append(PagerDutyPager(settings.pagerduty_routing_key, settings.pagerduty_events_url))
    metrics = container.metrics
    PagingHandlers(container.notifier, people, oncall, pagers, clock, metrics).install()

    effects = Effects(
        container.uow,
        oncall,
        clock,
        external_pager=bool(settings.pagerduty_routing_key),
        on_escalated=metrics.escalations.inc,
    )
    runner = SchedulerRunner(
        container.engine,
        effects,
        after_fire=container.dispatcher.kick,
        resync_seconds=settings.scheduler_resync_seconds,
        on_fired=metrics.fired,
    )
    waker = Waker(settings.database_url, container.redis)
    actions = ScheduleActions(services.ctx, oncall)

    services.extra["escalate"] = actions.escalate
    services.extra["snooze_nudge"] = actions.snooze
    services.extra["scheduler"] = runner
    services.extra["people"] = people
    services.extra["waker"] = waker

    def escalate_command(cmd: g.Escalate, req: Any) -> None:
        req.say(f":pager: {actions.escalate(req.incident('escalate').id, req.user_id)}")

    def oncall_command(cmd: g.ShowOncall, req: Any) -> None:
        req.say(oncall_text(playbooks.oncall, clock(), people.person))

    services.command_handlers[g.Escalate] = escalate_command
    services.command_handlers[g.ShowOncall] = oncall_command
    services.ctx.after_commit.append(waker.wake)

    def elected() -> None:
        runner.start()
        waker.listen(runner.wake)

    def lost() -> None:
        waker.unlisten()
        runner.stop()

    elector = LeaderElector(lease_for(settings.database_url, container.redis), elected, lost)
    metrics.watch_leadership(lambda: elector.is_leader)
    services.extra["elector"] = elector
    container.on_close.append(waker.close)
    if settings.run_scheduler:
        container.on_start.append(elector.start)
        container.on_close.append(elector.stop)
