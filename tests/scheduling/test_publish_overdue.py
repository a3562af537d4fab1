"""An update reminder counts "status page not updated" as overdue for suggest severities, until someone publishes."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.events import UpdateReminder
from bot.domain.publication import STATUS_PAGE_OVERDUE, PublicStatus
from bot.services.publications import PublicationService
from bot.slack import ids
from bot.slack.blocks.paging import nudge
from tests.harness import has_action, shows
from tests.scheduling.clocked import START, Scheduled

M = timedelta(minutes=1)


def test_the_reminder_lists_the_status_page_until_an_update_is_published(clocked: Scheduled) -> None:
    inc = clocked.declare(
        "SEV1 payments down"
    )  # suggest (a top-two severity), respond_within 5m, updates 30m
    clocked.run_until(START + 31 * M)
    [first] = clocked.events(inc.id, UpdateReminder)
    assert first.overdue == [STATUS_PAGE_OVERDUE]
    blocks = [
        b.to_dict() for b in nudge(clocked.incidents.get(inc.id), first.since_seconds, 1, [], first.overdue)
    ]
    assert shows(blocks, "Status page not updated") and has_action(blocks, ids.PUBLISH)

    publications = PublicationService(
        clocked.ctx, lambda: clocked.playbooks.statuspage, lambda: clocked.playbooks.templates
    )
    publications.publish(
        inc.id,
        "U0ALICE",
        public_title="Payments",
        status=PublicStatus.INVESTIGATING,
        message="We are looking into failed payments.",
        components=[],
    )
    clocked.run_until(START + 62 * M)
    reminders = clocked.events(inc.id, UpdateReminder)
    assert len(reminders) == 2 and reminders[1].overdue == []
    plain = [b.to_dict() for b in nudge(clocked.incidents.get(inc.id), 60, 2, [], reminders[1].overdue)]
    assert not shows(plain, "Status page not updated") and not has_action(plain, ids.PUBLISH)


def test_without_respond_within_nothing_is_counted_overdue(clocked: Scheduled) -> None:
    inc = clocked.declare("SEV2 checkout slow")  # suggest, but no respond_within to measure against
    assert clocked.playbooks.severities.get("SEV2").respond_within is None
    clocked.run_until(START + 21 * M)
    reminders = clocked.events(inc.id, UpdateReminder)
    assert len(reminders) == 2 and all(r.overdue == [] for r in reminders)
