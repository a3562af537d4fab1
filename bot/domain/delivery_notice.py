"""Who hears of an outbox message given up for good, and how the failed message is described to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What each kind of outbox message would have shown, in words for the notice.
DESCRIPTIONS: dict[str, str] = {
    "incident.declared": "the declaration (channel, card and broadcast)",
    "incident.role_assigned": "a role handover",
    "incident.updated": "a status update",
    "incident.severity_changed": "a severity change",
    "incident.note_added": "a note",
    "incident.resolved": "the resolution notice",
    "incident.reopened": "the reopening notice",
    "incident.acknowledged": "the acknowledgement",
    "incident.summary": "a summary",
    "slack.post": "a message",
    "slack.upload_file": "a file upload",
    "runbook.attached": "a runbook checklist",
    "runbook.refresh": "a runbook checklist refresh",
    "runbook.result": "a runbook step result",
    "paging.page": "a page",
    "paging.long_running": "a long-running incident page",
    "paging.exhausted": "the end-of-escalation notice",
    "paging.acknowledged": "a page acknowledgement",
    "paging.resolved": "a page resolution",
    "nudge.post": "an update reminder",
    "followup.overdue": "an overdue follow-up reminder",
    "stakeholders.notify": "a stakeholder notification (SNS)",
    "postmortem.draft": "the post-mortem draft",
    "postmortem.reminder": "a post-mortem reminder",
    "publication.suggested": "the status page reminder",
    "publication.published": "a status page publication notice",
    "statuspage.sync": "a status page update to Atlassian Statuspage",
    "statuspage.refused": "a notice that Atlassian Statuspage refused an update",
    "export.incident": "the incident's export to S3",
    "timeline.captured": "the link and text of a message added to the timeline",
    "incident.archive_channel": "the final summary and the archiving of the incident channel",
    "alert.notice": "an alert notice in the broadcast channel",
    "alert.resolved": "an alert-resolved notice",
    "alerts.changed": "a refresh of the card's alert counts",
    "report.daily_digest": "the daily digest",
    "report.weekly": "the weekly report",
}


def describe(kind: str) -> str:
    return DESCRIPTIONS.get(kind, f"a `{kind}` message")


@dataclass(frozen=True)
class NoticeTarget:
    """``dm`` a person (``to`` is a user id) or post in a ``channel`` (``to`` is a channel id)."""

    how: Literal["dm", "channel"]
    to: str


# Slack's answers that mean the channel itself cannot take messages (as opposed to one bad message).
CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "channel_is_archived",
        "not_in_channel",
        "restricted_action",
        "cannot_post_in_channel",
        "team_access_not_granted",
    }
)


def notice_target(
    commander: str | None,
    reporter: str,
    incident_channel: str | None,
    failed_channel: str | None = None,
    code: str | None = None,
) -> NoticeTarget:
    """The IC by DM; without one, the incident channel; if that channel is what failed, the reporter by DM.

    The channel failed when it was never created, or when Slack refused a call naming it with an error
    about the channel (``CHANNEL_ERRORS``); a single message refused there (``invalid_blocks``) is told there.
    """
    if commander:
        return NoticeTarget("dm", commander)
    if incident_channel and not (failed_channel == incident_channel and code in CHANNEL_ERRORS):
        return NoticeTarget("channel", incident_channel)
    return NoticeTarget("dm", reporter)
