"""Outbox events: one dataclass per kind of thing Slack (or a pager) must show, with its payload round-trip.

Producers queue an event object; the outbox row keeps its ``kind`` string and JSON payload; the dispatcher
decodes the row back into the same class and the notifier dispatches on that class. Payload keys are the
field names unless a field's ``key`` metadata says otherwise (kept as written by earlier releases, so rows
already queued still decode).
Over 300 lines because every event kind lives here, each a few lines, so the round-trip test sees them all.
"""

from __future__ import annotations

import base64
import types
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints


class MalformedEvent(ValueError):
    """An outbox row whose kind is unknown or whose payload does not fit its kind."""


def _key(f: Field[Any]) -> str:
    return str(f.metadata.get("key", f.name))


def _dump(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _dump(v) for k, v in value.items()}
    return value


def _load(hint: Any, value: object) -> object:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        hint = next(a for a in get_args(hint) if a is not type(None))
        origin = get_origin(hint)
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    if hint in (int, str, bool):
        if not isinstance(value, int | str | bool):
            raise TypeError(f"{value!r} is not a {hint.__name__}")
        return hint(value)
    if origin is tuple:
        (item, *_) = get_args(hint)
        if not isinstance(value, list | tuple):
            raise TypeError(f"{value!r} is not a list")
        return tuple(_load(item, v) for v in value)
    if origin is list:
        if not isinstance(value, list | tuple):
            raise TypeError(f"{value!r} is not a list")
        return list(value)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise TypeError(f"{value!r} is not an object")
        return dict(value)
    return value


@dataclass(frozen=True)
class OutboxEvent:
    """Base of every outbox event; ``kind`` is the string stored in the outbox row."""

    kind: ClassVar[str]

    def to_payload(self) -> dict[str, object]:
        return {_key(f): _dump(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Self:
        hints = get_type_hints(cls)
        values: dict[str, object] = {}
        for f in fields(cls):
            key = _key(f)
            if key in payload:
                try:
                    values[f.name] = _load(hints[f.name], payload[key])
                except (TypeError, ValueError) as exc:
                    raise MalformedEvent(f"{cls.kind}: {key}: {exc}") from exc
            elif f.default is MISSING and f.default_factory is MISSING:
                raise MalformedEvent(f"{cls.kind}: {key} is missing")
        return cls(**values)


# -- the incident lifecycle ----------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentDeclared(OutboxEvent):
    """Create the channel, post and pin the card, tell the reporter, broadcast."""

    kind: ClassVar[str] = "incident.declared"
    entry_id: int
    # Where to tell the reporter: ``response_url`` of the command, or the ``channel_id`` it came from.
    notify: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleAssigned(OutboxEvent):
    kind: ClassVar[str] = "incident.role_assigned"
    entry_id: int
    role: str
    user: str
    previous: str | None = None


@dataclass(frozen=True)
class IncidentUpdated(OutboxEvent):
    kind: ClassVar[str] = "incident.updated"
    entry_id: int


@dataclass(frozen=True)
class SeverityChanged(OutboxEvent):
    kind: ClassVar[str] = "incident.severity_changed"
    entry_id: int
    previous: str = field(default="", metadata={"key": "from"})


@dataclass(frozen=True)
class NoteAdded(OutboxEvent):
    kind: ClassVar[str] = "incident.note_added"
    entry_id: int


@dataclass(frozen=True)
class IncidentResolved(OutboxEvent):
    kind: ClassVar[str] = "incident.resolved"
    entry_id: int


@dataclass(frozen=True)
class IncidentReopened(OutboxEvent):
    kind: ClassVar[str] = "incident.reopened"
    entry_id: int


@dataclass(frozen=True)
class IncidentAcknowledged(OutboxEvent):
    kind: ClassVar[str] = "incident.acknowledged"
    entry_id: int


@dataclass(frozen=True)
class SummaryRequested(OutboxEvent):
    kind: ClassVar[str] = "incident.summary"
    actor: str = ""


@dataclass(frozen=True)
class SlackPost(OutboxEvent):
    """A message prepared elsewhere, posted as is."""

    kind: ClassVar[str] = "slack.post"
    channel: str
    text: str = ""
    blocks: list[object] | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class UploadFile(OutboxEvent):
    """Upload a file (Slack's external upload flow) and share it in ``channel`` (the incident's channel when
    empty), once per event: a retried delivery never shares it twice.

    The content is kept base64-encoded in the outbox row, so it is durable before delivery; build one with
    ``UploadFile.of(...)``. ``record_as`` names what the uploaded file is (``postmortem:<id>:<revision>``),
    for the step that stores its file id; other uploads leave it empty.
    """

    kind: ClassVar[str] = "slack.upload_file"
    filename: str
    content_b64: str
    title: str = ""
    channel: str = ""
    thread_ts: str | None = None
    initial_comment: str = ""
    record_as: str = ""

    @classmethod
    def of(
        cls,
        filename: str,
        content: bytes | str,
        *,
        title: str = "",
        channel: str = "",
        thread_ts: str | None = None,
        initial_comment: str = "",
        record_as: str = "",
    ) -> UploadFile:
        """The event for ``content`` (text is sent UTF-8 encoded)."""
        raw = content.encode() if isinstance(content, str) else content
        return cls(
            filename=filename,
            content_b64=base64.b64encode(raw).decode("ascii"),
            title=title,
            channel=channel,
            thread_ts=thread_ts,
            initial_comment=initial_comment,
            record_as=record_as,
        )

    @property
    def content(self) -> bytes:
        return base64.b64decode(self.content_b64)


# -- runbooks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunbookAttached(OutboxEvent):
    """Post the checklist; ``suggestion`` (``channel``, ``ts``) is the suggestion message to bring up to date."""

    kind: ClassVar[str] = "runbook.attached"
    attached_id: int
    entry_id: int | None = None
    suggestion: dict[str, str] | None = None


@dataclass(frozen=True)
class RunbookRefresh(OutboxEvent):
    kind: ClassVar[str] = "runbook.refresh"
    attached_id: int


@dataclass(frozen=True)
class RunbookStepResult(OutboxEvent):
    kind: ClassVar[str] = "runbook.result"
    attached_id: int
    step_id: str
    entry_id: int | None = None
    actor: str = ""
    mutating: bool = False
    result: dict[str, object] = field(default_factory=dict)


# -- paging and reminders ------------------------------------------------------------------------
@dataclass(frozen=True)
class PagePeople(OutboxEvent):
    """Page one level of an escalation policy.

    ``at`` is when the page is sent (the fire time, or the moment of a manual escalation), never the step's
    due time: schedules are resolved at ``at``, so a page sent late after a restart reaches whoever is on
    call when it goes out, the same people its ``paged`` timeline row names. ``by`` is set for a manual
    escalation, which pages even after an acknowledgement.
    """

    kind: ClassVar[str] = "paging.page"
    level: int  # 0-based
    reason: str
    at: datetime
    policy_id: str = field(metadata={"key": "policy"})
    cycle: int = 0
    by: str | None = None


@dataclass(frozen=True)
class LongRunningPage(OutboxEvent):
    """Page a ``long_running`` rule's targets (outside the chain); ``at`` as for ``PagePeople``."""

    kind: ClassVar[str] = "paging.long_running"
    targets: tuple[str, ...]
    reason: str
    at: datetime
    policy_id: str = field(default="", metadata={"key": "policy"})


@dataclass(frozen=True)
class ChainExhausted(OutboxEvent):
    kind: ClassVar[str] = "paging.exhausted"
    cycles: int = 1


@dataclass(frozen=True)
class PagerAcknowledged(OutboxEvent):
    kind: ClassVar[str] = "paging.acknowledged"
    by: str | None = None


@dataclass(frozen=True)
class PagerResolved(OutboxEvent):
    kind: ClassVar[str] = "paging.resolved"


@dataclass(frozen=True)
class UpdateReminder(OutboxEvent):
    """The update reminder due at ``due_at``; ``ignored`` counts reminders unanswered, this one included."""

    kind: ClassVar[str] = "nudge.post"
    due_at: datetime
    since_seconds: int = 0
    ignored: int = 1
    policy_id: str | None = field(default=None, metadata={"key": "policy"})
    # The chain's next level (0-based), whose people a louder reminder calls in when nobody holds comms.
    next_level: int = 0
    # Overdue items the reminder lists besides the update (``status_page``: nothing published in time).
    overdue: list[str] = field(default_factory=list)


# -- the outbox itself ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DeliveryFailed(OutboxEvent):
    """Outbox message ``message_id`` was given up for good: tell the people running the incident.

    ``code`` (Slack's error code) and ``channel`` (the channel the refused call named) when known. A failed
    notice is never re-told.
    """

    kind: ClassVar[str] = "outbox.failed"
    message_id: int
    failed_kind: str
    error: str
    code: str | None = None
    channel: str | None = None


# -- follow-ups ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowUpOverdue(OutboxEvent):
    """DM the owner of follow-up ``number`` that its due date (``due_on``, ISO) has passed."""

    kind: ClassVar[str] = "followup.overdue"
    number: int
    owner: str
    text: str
    due_on: str


# -- stakeholders --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StakeholderNotice(OutboxEvent):
    """Tell the stakeholder topic about timeline entry ``entry_id``: ``moment`` declared, updated or resolved.

    ``key`` names this notification once and for all (it goes out with it, so subscribers can de-duplicate).
    """

    kind: ClassVar[str] = "stakeholders.notify"
    entry_id: int
    moment: str
    key: str
# -- post-mortems --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PostmortemDraft(OutboxEvent):
    """Render revision ``revision`` of the incident's post-mortem draft, store it, then upload it."""

    kind: ClassVar[str] = "postmortem.draft"
    revision: int
    # Then queue the incident's export to the bucket (EXPORT_S3_BUCKET), with this draft.
    export: bool = False


@dataclass(frozen=True)
class PostmortemReminder(OutboxEvent):
    """Remind ``owner`` (by DM, and in the incident channel) that the post-mortem due at ``due_at`` is not
    done; ``nth`` counts the reminders, this one included."""

    kind: ClassVar[str] = "postmortem.reminder"
    owner: str
    due_at: datetime
    nth: int = 1


# -- reports -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DailyDigestPosted(OutboxEvent):
    """Post the daily digest (``digest``: ``Digest.to_payload()``) to ``channel`` (None: the broadcast channel)."""

    kind: ClassVar[str] = "report.daily_digest"
    digest: dict[str, object]
    channel: str | None = None


@dataclass(frozen=True)
class WeeklyReportPosted(OutboxEvent):
    """Post the weekly report for ``[since, until)`` (``rows``: ``report_rows``, one per severity then
    ``all``) to ``channel`` (None: the broadcast channel), then upload its PNG chart (base64) there."""

    kind: ClassVar[str] = "report.weekly"
    since: datetime
    until: datetime
    rows: list[object]
    chart_b64: str = ""
    chart_since: datetime | None = None
    channel: str | None = None


# -- publishing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublishSuggested(OutboxEvent):
    """At declaration of a ``status_page: suggest`` severity: remind the channel to publish, with the button."""

    kind: ClassVar[str] = "publication.suggested"


@dataclass(frozen=True)
class UpdatePublished(OutboxEvent):
    """Public update ``update_id`` was published by ``actor``: say so in the incident channel."""

    kind: ClassVar[str] = "publication.published"
    update_id: int
    actor: str


@dataclass(frozen=True)
class StatuspageSync(OutboxEvent):
    """Send public update ``update_id`` to Atlassian Statuspage (create the incident there, or patch it)."""

    kind: ClassVar[str] = "statuspage.sync"
    update_id: int


@dataclass(frozen=True)
class StatuspageRefused(OutboxEvent):
    """Atlassian Statuspage refused update ``update_id`` for good: tell its publisher in the channel."""

    kind: ClassVar[str] = "statuspage.refused"
    update_id: int
    publisher: str
    reason: str


@dataclass(frozen=True)
class ExportIncident(OutboxEvent):
    """Write resolved incident ``ref``'s export (YAML) and its post-mortem (Markdown) to the export bucket.

    Queued outside the incident's lane (no incident on the row), so a bucket outage never holds up Slack.
    """

    kind: ClassVar[str] = "export.incident"
    ref: str


# -- the timeline and the channel's clean-up ------------------------------------------------------
@dataclass(frozen=True)
class MessageCaptured(OutboxEvent):
    """Fill in captured timeline entry ``entry_id``: the message's permalink, and its text and author when
    the Slack event did not carry them (``fetch_text``)."""

    kind: ClassVar[str] = "timeline.captured"
    entry_id: int
    channel: str
    ts: str
    fetch_text: bool = True


@dataclass(frozen=True)
class ChannelArchiveDue(OutboxEvent):
    """The resolved incident's ``archive_after`` has passed (due at ``due_at``): post a final summary in its
    channel, then archive it; nothing if the incident was reopened meanwhile."""

    kind: ClassVar[str] = "incident.archive_channel"
    due_at: datetime


# -- alerts --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertsChanged(OutboxEvent):
    """An alert of the incident fired again or joined it: the card shows the new counts."""

    kind: ClassVar[str] = "alerts.changed"


@dataclass(frozen=True)
class AlertResolved(OutboxEvent):
    """An alert of the incident resolved: "alert resolved" with a Resolve incident button in its channel."""

    kind: ClassVar[str] = "alert.resolved"
    name: str
    source: str
    entry_id: int
    all_resolved: bool = False


@dataclass(frozen=True)
class AlertNotice(OutboxEvent):
    """An alert routed to ``notify`` (broadcast channel) or ``page`` (DMs to the on-call of ``policy_id``).

    ``alert`` is the normalized alert as JSON; ``ref`` (queue row and index) is what a Declare click names.
    """

    kind: ClassVar[str] = "alert.notice"
    ref: str
    alert: dict[str, object]
    rule: str
    severity: str | None = None
    title: str = ""
    page: bool = False
    policy_id: str | None = None
    at: datetime | None = None
    # A private severity: the broadcast channel is told only that such an alert fired, never what.
    private: bool = False


EVENT_TYPES: dict[str, type[OutboxEvent]] = {
    cls.kind: cls
    for cls in (
        IncidentDeclared,
        RoleAssigned,
        IncidentUpdated,
        SeverityChanged,
        NoteAdded,
        IncidentResolved,
        IncidentReopened,
        IncidentAcknowledged,
        SummaryRequested,
        SlackPost,
        UploadFile,
        RunbookAttached,
        RunbookRefresh,
        RunbookStepResult,
        PagePeople,
        LongRunningPage,
        ChainExhausted,
        PagerAcknowledged,
        PagerResolved,
        UpdateReminder,
        DeliveryFailed,
        FollowUpOverdue,
        StakeholderNotice,
        DailyDigestPosted,
        PostmortemDraft,
        PostmortemReminder,
        PublishSuggested,
        UpdatePublished,
        StatuspageSync,
        StatuspageRefused,
        WeeklyReportPosted,
        ExportIncident,
        MessageCaptured,
        ChannelArchiveDue,
        AlertsChanged,
        AlertResolved,
        AlertNotice,
    )
}


def decode(kind: str, payload: Mapping[str, object] | None) -> OutboxEvent:
    """The event an outbox row holds; ``MalformedEvent`` for an unknown kind or a payload that does not fit."""
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        raise MalformedEvent(f"unknown outbox event {kind!r}")
    return cls.from_payload(payload or {})
