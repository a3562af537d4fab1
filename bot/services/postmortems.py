"""Post-mortem use cases: a draft on every resolution (rendered, stored, uploaded), done with a link, or skipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.events import ExportIncident, PostmortemDraft, SlackPost, UploadFile
from bot.domain.export_text import emoji_text
from bot.domain.followups import FollowUpView
from bot.domain.permissions import Action
from bot.domain.postmortems import (
    DONE_USAGE,
    MAX_REASON,
    SKIP_USAGE,
    BadLink,
    PostmortemView,
    check_link,
    due_at,
    filename,
)
from bot.domain.status import Status
from bot.playbooks.templates import Templates
from bot.services.context import ServiceContext
from bot.services.drafts import draft_values, stamp
from bot.services.errors import AlreadyHandled, IncidentNotFound, UserError
from bot.services.export import incident_document, markdown
from bot.services.outbox import Delivery, GiveUp
from bot.services.read_models import EntryView, IncidentView, entry_view, incident_view
from bot.storage import followups as follow_ups
from bot.storage import outbox
from bot.storage import postmortems as store
from bot.storage import repositories as repo
from bot.storage.models import Incident

Person = Callable[[str], str]
RECORD_PREFIX = "postmortem:"
RENDERED = "rendered"


def on_resolved(session: Session, incident: Incident, now: datetime, *, export: bool = False) -> None:
    """In the resolving transaction: when the severity expects a post-mortem, open the next draft revision,
    due ``postmortem_within`` after now, and queue its rendering. A post-mortem already done or skipped stays
    so (no reminders); a new draft is uploaded all the same. With ``export``, the incident's export to the
    bucket is queued once the draft is stored (so it carries this revision), or now when there is none."""
    drafted = _open_revision(session, incident, now, export)
    if export and not drafted:  # no draft to wait for
        outbox.enqueue(session, None, ExportIncident(ref=incident.ref))


def _open_revision(session: Session, incident: Incident, now: datetime, export: bool) -> bool:
    within = incident_view(incident).severity.postmortem_within
    row = store.of_incident(session, incident.id, lock=True)
    if within is None and row is None:
        return False
    if row is None:
        row = store.Postmortem(incident_id=incident.id, revision=0, created_at=now)
        session.add(row)
    row.revision += 1
    row.due_at = due_at(now, within)
    settled = row.done_at is not None or row.skipped_at is not None
    row.next_reminder_at = None if settled else row.due_at
    session.flush()
    outbox.enqueue(session, incident.id, PostmortemDraft(revision=row.revision, export=export))
    return True


def on_reopened(session: Session, incident: Incident) -> None:
    """In the reopening transaction: no reminders while the incident is open again."""
    row = store.of_incident(session, incident.id, lock=True)
    if row is not None:
        row.next_reminder_at = None


@dataclass(frozen=True)
class OwedPostmortem:
    """A post-mortem someone is reminded of: the incident's IC, or its reporter when there is no IC."""

    incident: IncidentView
    due_at: datetime


class PostmortemService:
    """Renders and records post-mortems; every method is one transaction (the outbox steps, two at most)."""

    def __init__(self, ctx: ServiceContext, templates: Callable[[], Templates], person: Person) -> None:
        self.ctx = ctx
        self._templates = templates
        self.person = person

    # -- the outbox steps ----------------------------------------------------------------------
    def render(self, d: Delivery, event: PostmortemDraft) -> None:
        """Render revision ``event.revision``, store it and queue its upload, once (a newer revision wins)."""
        if d.done(RENDERED):
            return
        if d.incident is None:
            raise GiveUp("incident is gone")
        with self.ctx.uow() as session:
            row = repo.get_incident(session, d.incident.id)
            if row is None:
                raise GiveUp("incident is gone")
            incident = incident_view(row)
            entries = [entry_view(e) for e in repo.timeline(session, row.id)]
            items = [follow_ups.view(f, row) for f in follow_ups.of_incident(session, row.id)]
        # Names are looked up outside any transaction (they may take Slack calls).
        text = self._markdown(incident, entries, items)
        with self.ctx.uow() as session:
            pm = store.of_incident(session, incident.id, lock=True)
            if pm is None or pm.revision != event.revision or pm.rendered_revision >= event.revision:
                d.mark(RENDERED, "superseded")  # a newer revision's draft replaces this one
                return
            pm.markdown, pm.rendered_revision = text, event.revision
            outbox.enqueue(
                session,
                incident.id,
                UploadFile.of(
                    filename(incident.ref),
                    text,
                    title=f"Post-mortem draft: {incident.ref}"
                    + (f" (revision {event.revision})" if event.revision > 1 else ""),
                    initial_comment=_comment(incident, store.view(pm)),
                    record_as=f"{RECORD_PREFIX}{incident.id}:{event.revision}",
                ),
            )
            if event.export:
                outbox.enqueue(session, None, ExportIncident(ref=incident.ref))
        d.mark(RENDERED, True)

    def _markdown(self, incident: IncidentView, entries: Sequence[EntryView], items: Sequence[FollowUpView]) -> str:
        now = self.ctx.clock()
        rendered = self._templates().render("postmortem", draft_values(incident, entries, now, self.person, items))
        if rendered is None:  # a playbook without templates/postmortem.md: the export's Markdown
            rendered = markdown(incident_document(incident, entries, items, self.person)["incident"])
        return emoji_text(rendered).strip() + "\n"

    def record_upload(self, d: Delivery, event: UploadFile) -> None:
        """After an upload named ``postmortem:<incident>:<revision>``: keep its file id on the post-mortem."""
        if not event.record_as.startswith(RECORD_PREFIX) or d.done("recorded"):
            return
        try:
            incident_id, revision = (int(p) for p in event.record_as.removeprefix(RECORD_PREFIX).split(":"))
        except ValueError:
            raise GiveUp(f"unreadable record_as {event.record_as!r}") from None
        file_id = d.progress.get("file")
        with self.ctx.uow() as session:
            pm = store.of_incident(session, incident_id, lock=True)
            if pm is not None and isinstance(file_id, str) and revision >= pm.file_revision:
                pm.file_id, pm.file_revision = file_id, revision
        d.mark("recorded")

    def owed_by(self, user_id: str) -> list[OwedPostmortem]:
        """The post-mortems ``user_id`` is reminded of (expected, not done nor skipped), soonest due first."""
        owed = []
        with self.ctx.uow() as session:
            for row, incident in store.expected(session):
                view = incident_view(incident)
                if (view.commander_id or view.reporter_id) == user_id and row.due_at is not None:
                    owed.append(OwedPostmortem(view, row.due_at))
        return owed

    # -- commands ------------------------------------------------------------------------------
    def get(self, incident_id: int, actor_id: str) -> PostmortemView | None:
        with self.ctx.uow() as session:
            incident = self._load(session, incident_id)
            self.ctx.access.require_visible(incident, actor_id)
            row = store.of_incident(session, incident_id)
            return store.view(row) if row is not None else None

    def done(self, incident_id: int, actor_id: str, link: str, request_key: str | None = None) -> PostmortemView:
        """Record the written post-mortem's link; its reminders stop."""
        try:
            link = check_link(link)
        except BadLink as exc:
            raise UserError(f"{exc} Nothing was recorded.") from None
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This post-mortem was already recorded.")
            incident, row = self._settling(session, incident_id, actor_id, now)
            row.done_at, row.done_by, row.link = now, actor_id, link
            row.skipped_at = row.skipped_by = row.skipped_reason = None
            row.next_reminder_at = None
            text = f"Post-mortem done: {link}"
            repo.add_entry(session, incident, "postmortem_done", actor_id, text, {"link": link}, at=now)
            self._tell_channel(session, incident, f":white_check_mark: <@{actor_id}> recorded the post-mortem "
                               f"of *{incident.ref}* as done: {link}. No more reminders.")
            return store.view(row)

    def skip(self, incident_id: int, actor_id: str, reason: str, request_key: str | None = None) -> PostmortemView:
        """No post-mortem for this incident, and why; its reminders stop."""
        reason = " ".join(reason.split())
        if not reason:
            raise UserError(f"Why is there no post-mortem? Usage: `/incident {SKIP_USAGE}`. Nothing was recorded.")
        if len(reason) > MAX_REASON:
            raise UserError(f"Keep the reason under {MAX_REASON} characters. Nothing was recorded.")
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This post-mortem was already skipped.")
            incident, row = self._settling(session, incident_id, actor_id, now)
            if row.done_at is not None:
                raise UserError(
                    f"The post-mortem of *{incident.ref}* is already recorded as done ({row.link}). Nothing was changed."
                )
            row.skipped_at, row.skipped_by, row.skipped_reason = now, actor_id, reason
            row.next_reminder_at = None
            repo.add_entry(
                session, incident, "postmortem_skipped", actor_id, f"Post-mortem skipped: {reason}",
                {"reason": reason}, at=now,
            )
            self._tell_channel(session, incident, f":fast_forward: <@{actor_id}> skipped the post-mortem of "
                               f"*{incident.ref}*: {reason}. No more reminders.")
            return store.view(row)

    # -- helpers -------------------------------------------------------------------------------
    def _settling(
        self, session: Session, incident_id: int, actor_id: str, now: datetime
    ) -> tuple[Incident, store.Postmortem]:
        incident = self._load(session, incident_id, lock=True)
        self.ctx.access.require(Action.POSTMORTEM, incident, actor_id)
        if Status(incident.status) is not Status.RESOLVED:
            raise UserError(
                f"*{incident.ref}* is not resolved yet: its post-mortem is drafted when it is resolved. "
                f"Then `/incident {DONE_USAGE}` or `/incident {SKIP_USAGE}`. Nothing was recorded."
            )
        row = store.of_incident(session, incident.id, lock=True)
        if row is None:  # a severity that expects none: recording one is still welcome
            row = store.Postmortem(incident_id=incident.id, revision=0, created_at=now)
            session.add(row)
            session.flush()
        return incident, row

    def _tell_channel(self, session: Session, incident: Incident, text: str) -> None:
        if incident.channel_id:
            outbox.enqueue(session, incident.id, SlackPost(channel=incident.channel_id, text=text))

    def _load(self, session: Session, incident_id: int, *, lock: bool = False) -> Incident:
        incident = repo.get_incident(session, incident_id, lock=lock)
        if incident is None:
            raise IncidentNotFound()
        return incident


def _comment(incident: IncidentView, pm: PostmortemView) -> str:
    """What the draft's upload says in the channel: what it is, when it is due, how to close it."""
    head = (
        f":memo: Revised post-mortem draft of *{incident.ref}* (revision {pm.revision}); it replaces the earlier one."
        if pm.revision > 1
        else f":memo: Post-mortem draft of *{incident.ref}*, written from what was recorded."
    )
    if pm.done_at:
        return f"{head} The post-mortem is already recorded as done: {pm.link}"
    if pm.skipped_at:
        return f"{head} The post-mortem was skipped: {pm.skipped_reason}"
    due = f" Due {stamp(pm.due_at)}." if pm.due_at else ""
    return (
        f"{head}{due} Fill in the gaps, publish it, then `/incident {DONE_USAGE}`"
        f" (or `/incident {SKIP_USAGE}`)."
    )
