"""The use cases handed to transports (Slack listeners, scheduler jobs, CLI): one typed field each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.playbooks.oncall import OnCall
from bot.services.alerts import AlertService
from bot.services.context import ServiceContext
from bot.services.drafts import DraftService
from bot.services.escalation import EscalationService
from bot.services.followups import FollowUpService
from bot.services.home import HomeService
from bot.services.incidents import IncidentService
from bot.services.pending import PendingRequests
from bot.services.postmortems import PostmortemService
from bot.services.publications import PublicationService
from bot.services.reminders import ReminderService
from bot.services.runbooks import RunbookService
from bot.services.summaries import SummaryService
from bot.services.timeline import TimelineService


class PersonLookup(Protocol):
    def person(self, entry: str) -> tuple[str, ...]:
        """A playbook entry (user id or email) as user ids; empty when nobody matches."""
        ...


@dataclass(frozen=True)
class OnCallQuery:
    """Who is on call: the loaded schedules at the clock's time, entries resolved to people."""

    schedules: Callable[[], OnCall]
    clock: Callable[[], datetime]
    people: PersonLookup


@dataclass(frozen=True)
class Services:
    ctx: ServiceContext
    incidents: IncidentService
    runbooks: RunbookService
    drafts: DraftService
    # Escalate now (button or command).
    escalation: EscalationService
    # Snooze the update reminder.
    reminders: ReminderService
    oncall: OnCallQuery
    # The App Home tab: what each person sees, and joining an incident from it.
    home: HomeService
    followups: FollowUpService
    # What a summary or a newcomer's catch-up shows.
    summaries: SummaryService
    # The post-mortem: drafted on resolve, then done (with its link) or skipped.
    postmortems: PostmortemService
    # True the first time a key (a Slack event id) is seen: Slack's retries are dropped.
    claim_event: Callable[[str], bool]
    # Requests written before they are acknowledged, redone after a crash.
    pending: PendingRequests
    # Publishing to the status page (and Atlassian Statuspage when configured).
    publications: PublicationService
    # Messages captured into the timeline (pins, reactions), and the timeline read page by page.
    timeline: TimelineService
    # Alerts in: routing one alert (the worker), declaring from an alert's button.
    alerts: AlertService
