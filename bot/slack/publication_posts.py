"""What Slack shows for publishing: the reminder at declaration, each publication, Statuspage's refusals."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.events import PublishSuggested, StatuspageRefused, UpdatePublished
from bot.domain.publication import StatusPageCatalog
from bot.services.outbox import Delivery, GiveUp
from bot.services.publication_records import PublicationRecords
from bot.services.publications import public_text
from bot.slack.blocks import publish
from bot.slack.notifier import SlackNotifier


class PublicationPosts:
    """Outbox handlers posting into the incident channel through the notifier (idempotent per step)."""

    def __init__(
        self, notifier: SlackNotifier, records: PublicationRecords, catalog: Callable[[], StatusPageCatalog]
    ) -> None:
        self.notifier = notifier
        self.records = records
        self.catalog = catalog

    def suggested(self, d: Delivery, event: PublishSuggested) -> None:
        inc = d.incident
        if inc is None:
            raise GiveUp("incident is gone")
        if not inc.status.is_open:
            return
        channel = self.notifier.channel(d)
        text = f"{inc.severity.id} incidents publish to the status page: use Publish update"
        self.notifier.post(d, "message", channel, publish.publish_suggestion(inc), text)

    def published(self, d: Delivery, event: UpdatePublished) -> None:
        pub = self.records.load(event.update_id)
        if pub is None:
            return
        text = public_text(pub.public_title, pub.status, pub.message, pub.components, self.catalog())
        channel = self.notifier.channel(d)
        self.notifier.post(
            d, "message", channel, publish.published_notice(event.actor, text), f"Published: {pub.public_title}"
        )

    def refused(self, d: Delivery, event: StatuspageRefused) -> None:
        channel = self.notifier.channel(d)
        self.notifier.post(
            d,
            "message",
            channel,
            publish.refused_notice(event.publisher, event.reason),
            f"Atlassian Statuspage refused the update: {event.reason}",
        )
