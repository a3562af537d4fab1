"""Stakeholder notifications: queued with the declaration, status updates and resolution; published once each.

A severity with ``notify_stakeholders`` gets one ``StakeholderNotice`` outbox event per notification, in the
transaction of the change; its delivery renders the internal notification template and hands the message to
the stakeholder topic (SNS). A private incident only says that one was declared or resolved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.events import StakeholderNotice
from bot.domain.export_text import emoji_text, plain_text
from bot.domain.stakeholders import (
    DECLARED,
    RESOLVED,
    UPDATED,
    StakeholderMessage,
    attributes,
    notice_key,
    private_body,
    subject_line,
)
from bot.domain.status import Status
from bot.playbooks.templates import Templates
from bot.services.drafts import Person, draft_values, stamp
from bot.services.outbox import Delivery, GiveUp, RetryLater
from bot.services.ports import StakeholderTopic
from bot.services.read_models import EntryView, IncidentView, snapshot_severities
from bot.storage import outbox
from bot.storage.models import Incident

log = logging.getLogger(__name__)

TEMPLATE = "internal_notification"
STEP = "stakeholders:published"
# A declaration notice waits this long at most for the incident channel (then goes out without it).
CHANNEL_WAIT = timedelta(seconds=60)


class StakeholderQueue:
    """Queues a notice when the incident's severity notifies stakeholders (private ones: no updates)."""

    def queue(self, session: Session, incident: Incident, moment: str, entry_id: int) -> None:
        severity = snapshot_severities(incident.policy_snapshot).lookup(incident.severity_id)
        if severity is None or not severity.notify_stakeholders:
            return
        if incident.private and moment == UPDATED:
            return
        key = notice_key(incident.ref, moment, entry_id)
        outbox.enqueue(session, incident.id, StakeholderNotice(entry_id=entry_id, moment=moment, key=key))


class StakeholderNotices:
    """The outbox handler: renders the notification and publishes it to ``topic`` once.

    Without a topic (``STAKEHOLDER_SNS_TOPIC_ARN`` unset since the notice was queued) the notice is dropped
    with a log line.
    """

    def __init__(
        self,
        topic: StakeholderTopic | None,
        templates: Callable[[], Templates],
        person: Person,
        clock: Callable[[], datetime],
        status_page_url: str | None = None,
    ) -> None:
        self.topic = topic
        self.templates = templates
        self.person = person
        self.clock = clock
        # The public status page's address, for the template's {status_page}.
        self.status_page_url = status_page_url

    def notify(self, delivery: Delivery, event: StakeholderNotice) -> None:
        if delivery.done(STEP):
            return
        if self.topic is None:
            log.info("stakeholder notice %s not sent: no stakeholder topic is configured", event.key)
            delivery.mark(STEP, "no topic")
            return
        incident = delivery.incident
        if incident is None:
            raise GiveUp("incident is gone")
        if (
            event.moment == DECLARED
            and not incident.private
            and incident.channel_name is None
            and self.clock() - incident.declared_at < CHANNEL_WAIT
        ):
            # Its own lane runs beside the Slack work: give the channel a moment so the notice can name it.
            raise RetryLater("the incident channel is still being created", 1.0)
        entry = delivery.load_entry(event.entry_id)
        self.topic.publish(self.message(incident, event, entry, delivery.load_entries()))
        delivery.mark(STEP)

    def message(
        self, incident: IncidentView, event: StakeholderNotice, entry: EntryView | None, entries: Sequence[EntryView]
    ) -> StakeholderMessage:
        status = _status_at(incident, event.moment, entry)
        severity = incident.severity.id
        attrs = attributes(severity, status, incident.ref)
        if incident.private:
            return StakeholderMessage(
                subject_line(severity, "", event.moment, private=True),
                private_body(severity, event.moment),
                event.key,
                attrs,
                incident.ref,
            )
        values = draft_values(incident, entries, self.clock(), self.person)
        values["status"] = status.capitalize()
        if self.status_page_url:
            values["status_page"] = self.status_page_url
        template = emoji_text(self.templates().render(TEMPLATE, values) or "").strip()
        lead = self._lead(incident, event.moment, entry, status)
        body = "\n\n".join(part for part in (lead, template) if part)
        return StakeholderMessage(
            subject_line(severity, incident.title, event.moment), body, event.key, attrs, incident.ref
        )

    def _lead(self, incident: IncidentView, moment: str, entry: EntryView | None, status: str) -> str:
        """What changed, above the template: the update, or the resolution."""
        at = stamp(entry.occurred_at if entry else None)
        text = plain_text(entry.text, self.person) if entry else ""
        if moment == UPDATED:
            return f"Update ({at}), status {status.capitalize()}:\n{text}".strip()
        if moment == RESOLVED:
            duration = incident.resolved_at - incident.declared_at if incident.resolved_at else None
            took = f" after {format_duration(duration)}" if duration is not None else ""
            return f"Resolved ({at}){took}:\n{text}".strip()
        return ""


def _status_at(incident: IncidentView, moment: str, entry: EntryView | None) -> str:
    """The status the notification speaks of: the one its timeline entry recorded."""
    if moment == DECLARED:
        return Status.INVESTIGATING.value
    if moment == RESOLVED:
        return Status.RESOLVED.value
    recorded = entry.data.get("status") if entry else None
    return str(recorded or incident.status.value)

