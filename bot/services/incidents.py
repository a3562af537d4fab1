"""Incident use cases: declare, roles, updates, severity, notes, resolve, reopen, acknowledge.

Over 300 lines because every lifecycle change of an incident (one use case each) shares its loading,
locking and status rules; the rules themselves live in domain/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain import stakeholders
from bot.domain.events import (
    IncidentAcknowledged,
    IncidentDeclared,
    IncidentReopened,
    IncidentResolved,
    IncidentUpdated,
    NoteAdded,
    PublishSuggested,
    RoleAssigned,
    SeverityChanged,
    SummaryRequested,
)
from bot.domain.grammar import MAX_TEXT, clean_title
from bot.domain.naming import incident_ref
from bot.domain.permissions import Action
from bot.domain.publication import StatusPagePolicy
from bot.domain.roles import COMMANDER, Role
from bot.domain.severity import Severity
from bot.domain.status import IllegalTransition, Status, check_reopen, check_transition
from bot.logs import bind_incident
from bot.services import postmortems
from bot.services.access import Visible
from bot.services.context import ServiceContext
from bot.services.errors import AlreadyHandled, IncidentNotFound, NotAnIncidentChannel, UserError
from bot.services.escalation import FirstPage
from bot.services.read_models import IncidentView, incident_view, snapshot_roles, snapshot_severities
from bot.services.stakeholders import StakeholderQueue
from bot.storage import outbox
from bot.storage import repositories as repo
from bot.storage.models import Incident, RoleAssignment

DUPLICATE_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Declared:
    incident: IncidentView
    created: bool


@dataclass(frozen=True)
class Acknowledged:
    incident: IncidentView
    already_by: str | None


class IncidentService:
    """The incident lifecycle. Every method is one transaction; Slack work is queued in the outbox.

    With ``first_page`` (paging configured), a declaration also starts its escalation chain and pages
    level 1 in the same transaction. With ``stakeholders`` (a stakeholder topic configured), declarations,
    updates and resolutions of severities that say ``notify_stakeholders`` queue a stakeholder notice too.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        first_page: FirstPage | None = None,
        stakeholders: StakeholderQueue | None = None,
        export_resolved: bool = False,
    ) -> None:
        self.ctx = ctx
        self.first_page = first_page
        self.stakeholders = stakeholders
        # Each resolution also writes the incident's export and post-mortem to the export bucket (S3).
        self.export_resolved = export_resolved

    # -- declare -------------------------------------------------------------------------------
    def declare(
        self,
        *,
        reporter_id: str,
        severity: Severity,
        title: str,
        description: str = "",
        commander_id: str | None = None,
        request_key: str | None = None,
        notify: dict[str, str] | None = None,
        allow_duplicate: bool = False,
        on_created: Callable[[Session, Incident], None] | None = None,
    ) -> Declared:
        """Create the incident row and queue its channel, card and broadcast.

        ``on_created`` runs in the declaration's own transaction once the row exists (an alert links itself).

        The same person declaring the same title within ``DUPLICATE_WINDOW`` gets the open incident back
        (``created`` False), whatever the severity, unless ``allow_duplicate`` (they confirmed they mean it).
        """
        title = clean_title(title)
        if not title:
            raise UserError("Please give the incident a title, e.g. `/incident SEV1 payments down`.")
        if len(description) > MAX_TEXT:
            description = description[:MAX_TEXT]
        if severity.private:
            self.ctx.access.require(Action.DECLARE_PRIVATE, None, reporter_id)
        now = self.ctx.clock()
        playbooks = self.ctx.playbooks
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This incident was already declared.")
            dup = None if allow_duplicate else repo.recent_duplicate(session, reporter_id, title, now - DUPLICATE_WINDOW)
            if dup is not None:
                return Declared(incident_view(dup), created=False)
            # Two identical requests racing (a double submit) claim the same key and only one declares.
            # Once an earlier one is resolved the key changes, so declaring it again is allowed.
            bucket = int(now.timestamp() // DUPLICATE_WINDOW.total_seconds())
            digest = hashlib.sha256(f"{reporter_id}\n{title.lower()}".encode()).hexdigest()[:32]
            earlier = repo.recent_declarations(session, reporter_id, title, now - 2 * DUPLICATE_WINDOW)
            if not repo.claim_request(session, f"declare:{digest}:{bucket}:{earlier}"):
                raise AlreadyHandled("This incident is being declared already.")
            seq = repo.next_sequence(session, now.year)
            incident = Incident(
                ref=incident_ref(now.year, seq),
                year=now.year,
                seq=seq,
                title=title,
                description=description,
                severity_id=severity.id,
                severity_rank=severity.rank,
                status=Status.INVESTIGATING.value,
                reporter_id=reporter_id,
                private=severity.private,
                policy_snapshot={
                    "severities": [s.to_snapshot() for s in playbooks.severities],
                    "roles": [r.to_snapshot() for r in playbooks.roles],
                },
                declared_at=now,
                last_update_at=now,
                next_update_due_at=(now + severity.update_every) if severity.update_every else None,
            )
            session.add(incident)
            session.flush()
            entry = repo.add_entry(
                session,
                incident,
                "declared",
                reporter_id,
                title,
                {"severity": severity.id, "description": description},
                at=now,
            )
            # The declaration's own Slack work is queued first: everything else needs its channel.
            outbox.enqueue(session, incident.id, IncidentDeclared(entry_id=entry.id, notify=dict(notify or {})))
            self._tell_stakeholders(session, incident, stakeholders.DECLARED, entry.id)
            if severity.status_page == StatusPagePolicy.SUGGEST and not severity.private:
                outbox.enqueue(session, incident.id, PublishSuggested())  # a reminder: nothing is published
            if on_created is not None:
                on_created(session, incident)
            if commander_id:
                self._assign(session, incident, playbooks.roles.get(COMMANDER), commander_id, reporter_id)
            if self.first_page is not None:
                self.first_page.start(session, incident, now)
            view = incident_view(incident)
        self.ctx.metrics.incidents_declared.labels(severity.id).inc()
        bind_incident(view.ref)
        return Declared(view, created=True)

    # -- lookups -------------------------------------------------------------------------------
    def by_channel(self, channel_id: str, verb: str = "") -> IncidentView:
        with self.ctx.uow() as session:
            incident = repo.incident_by_channel(session, channel_id)
            if incident is None:
                raise NotAnIncidentChannel(verb)
            bind_incident(incident.ref)
            return incident_view(incident)

    def by_ref(self, ref: str) -> IncidentView:
        """The incident ``INC-…`` (any case); a friendly ``UserError`` when there is none."""
        with self.ctx.uow() as session:
            incident = repo.incident_by_ref(session, ref.strip().upper())
            if incident is None:
                raise UserError(f"There is no incident `{ref}`. `/incident list` shows the open ones.")
            bind_incident(incident.ref)
            return incident_view(incident)

    def get(self, incident_id: int) -> IncidentView:
        with self.ctx.uow() as session:
            incident = repo.get_incident(session, incident_id)
            if incident is None:
                raise IncidentNotFound()
            bind_incident(incident.ref)
            return incident_view(incident)

    def list_open(self) -> list[IncidentView]:
        """Every open incident, private ones included: for the bot itself, never shown to a person as is."""
        with self.ctx.uow() as session:
            return [incident_view(i) for i in repo.open_incidents(session)]

    def list_for(self, actor_id: str) -> Visible:
        """The open incidents ``actor_id`` may see; private ones they are not in are only counted."""
        return self.ctx.access.visible(self.list_open(), actor_id)

    def get_for(self, incident_id: int, actor_id: str, action: Action | None = None) -> IncidentView:
        """The incident, if ``actor_id`` may see it (and do ``action`` to it): a button opening a form asks first."""
        incident = self.get(incident_id)
        self.ctx.access.require_visible(incident, actor_id)
        if action is not None:
            self.ctx.access.require(action, incident, actor_id)
        return incident

    # -- roles ---------------------------------------------------------------------------------
    def assign_role(
        self, incident_id: int, role_word: str, user_id: str, actor_id: str, request_key: str | None = None
    ) -> IncidentView:
        with self.ctx.uow() as session:
            _once(session, request_key, "This role was already handed over.")
            incident = self._load(session, incident_id)
            self.ctx.access.require(Action.ROLE, incident, actor_id)
            catalog = snapshot_roles(incident.policy_snapshot)
            role = catalog.lookup(role_word)
            if role is None:
                raise UserError(f"`{role_word}` is not a role here. Roles: {catalog.describe_valid()}.")
            self._assign(session, incident, role, user_id, actor_id)
            view = incident_view(incident)
        return view

    def _assign(self, session: Session, incident: Incident, role: Role, user_id: str, actor_id: str) -> bool:
        current = next((a for a in incident.roles if a.role_id == role.id), None)
        if current is not None and current.user_id == user_id:
            return False
        previous = current.user_id if current else None
        now = self.ctx.clock()
        if current is None:
            incident.roles.append(
                RoleAssignment(role_id=role.id, user_id=user_id, assigned_by=actor_id, assigned_at=now)
            )
        else:
            current.user_id, current.assigned_by, current.assigned_at = user_id, actor_id, now
        text = f"{role.name}: <@{user_id}>" + (f" (handed over from <@{previous}>)" if previous else "")
        entry = repo.add_entry(
            session,
            incident,
            "role_assigned",
            actor_id,
            text,
            {"role": role.id, "user": user_id, "previous": previous},
            at=now,
        )
        session.flush()
        outbox.enqueue(
            session, incident.id, RoleAssigned(entry_id=entry.id, role=role.id, user=user_id, previous=previous)
        )
        return True

    # -- updates -------------------------------------------------------------------------------
    def post_update(
        self,
        incident_id: int,
        actor_id: str,
        text: str,
        status: Status | None = None,
        impact: str = "",
        request_key: str | None = None,
        kind: str = "update",
    ) -> IncidentView:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This update was already posted.")
            incident = self._load(session, incident_id)
            self.ctx.access.require_visible(incident, actor_id)
            current = Status(incident.status)
            if current is Status.RESOLVED:
                raise UserError(_RESOLVED_HINT)
            target = _transition(current, status or current)
            incident.status = target.value
            if target is Status.MONITORING and incident.mitigated_at is None:
                incident.mitigated_at = now
            if impact:
                incident.impact = impact[:MAX_TEXT]
            incident.last_update_text = text
            incident.last_update_by = actor_id
            incident.last_update_at = now
            incident.next_update_due_at = self._next_due(incident, now)
            entry = repo.add_entry(
                session,
                incident,
                kind,
                actor_id,
                text,
                {"status": target.value, "previous_status": current.value, "impact": impact},
                at=now,
            )
            outbox.enqueue(session, incident.id, IncidentUpdated(entry_id=entry.id))
            if kind == "update":  # a "no change" heartbeat tells stakeholders nothing new
                self._tell_stakeholders(session, incident, stakeholders.UPDATED, entry.id)
            view = incident_view(incident)
        return view

    def check_transition(self, incident_id: int, target: Status | None) -> IncidentView:
        """Read-only: raise the ``UserError`` an update (``target`` None or a status) or resolve would.

        Lets a modal answer a field error before acknowledging, without holding a write lock meanwhile.
        """
        with self.ctx.uow() as session:
            incident = self._load(session, incident_id)
            current = Status(incident.status)
            if current is Status.RESOLVED and target is not Status.RESOLVED:
                raise UserError(_RESOLVED_HINT)
            _transition(current, target or current)
            return incident_view(incident)

    def _next_due(self, incident: Incident, now: datetime) -> datetime | None:
        severity = snapshot_severities(incident.policy_snapshot).lookup(incident.severity_id)
        if severity is None or severity.update_every is None or incident.status == Status.RESOLVED.value:
            return None
        return incident.last_update_at + severity.update_every if incident.last_update_at else None

    def _archive_due(self, incident: Incident, now: datetime) -> datetime | None:
        severity = snapshot_severities(incident.policy_snapshot).lookup(incident.severity_id)
        after = severity.archive_after if severity is not None else None
        return now + after if after is not None and incident.channel_archived_at is None else None

    # -- severity ------------------------------------------------------------------------------
    def change_severity(
        self, incident_id: int, actor_id: str, severity_word: str, request_key: str | None = None
    ) -> IncidentView:
        with self.ctx.uow() as session:
            _once(session, request_key, "This severity change was already made.")
            incident = self._load(session, incident_id)
            self.ctx.access.require(Action.SEVERITY, incident, actor_id)
            levels = snapshot_severities(incident.policy_snapshot)
            severity = levels.lookup(severity_word)
            if severity is None:
                raise UserError(
                    f"`{severity_word}` is not a severity here. Valid severities: {levels.describe_valid()}."
                )
            if severity.id == incident.severity_id:
                raise UserError(f"This incident is already {severity.label}.")
            if incident.status == Status.RESOLVED.value:
                raise UserError("This incident is resolved; reopen it before changing its severity.")
            previous = incident.severity_id
            incident.severity_id, incident.severity_rank = severity.id, severity.rank
            incident.next_update_due_at = self._next_due(incident, self.ctx.clock())
            entry = repo.add_entry(
                session,
                incident,
                "severity_changed",
                actor_id,
                f"{previous} → {severity.id}",
                {"from": previous, "to": severity.id},
                at=self.ctx.clock(),
            )
            outbox.enqueue(session, incident.id, SeverityChanged(entry_id=entry.id, previous=previous))
            view = incident_view(incident)
        return view

    # -- notes ---------------------------------------------------------------------------------
    def add_note(
        self, incident_id: int, actor_id: str, text: str, request_key: str | None = None
    ) -> IncidentView:
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This note was already added.")
            incident = self._load(session, incident_id)
            self.ctx.access.require_visible(incident, actor_id)
            entry = repo.add_entry(session, incident, "note", actor_id, text, at=self.ctx.clock())
            outbox.enqueue(session, incident.id, NoteAdded(entry_id=entry.id))
            view = incident_view(incident)
        return view

    # -- resolve / reopen ----------------------------------------------------------------------
    def resolve(
        self,
        incident_id: int,
        actor_id: str,
        summary: str,
        request_key: str | None = None,
        root_cause: str = "",
    ) -> IncidentView:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This incident was already resolved.")
            incident = self._load(session, incident_id)
            self.ctx.access.require(Action.RESOLVE, incident, actor_id)
            _transition(Status(incident.status), Status.RESOLVED)
            incident.status = Status.RESOLVED.value
            incident.resolved_at = now
            incident.mitigated_at = incident.mitigated_at or now
            incident.resolution_summary = summary
            incident.root_cause = root_cause[:MAX_TEXT]
            incident.next_update_due_at = None
            incident.archive_due_at = self._archive_due(incident, now)
            entry = repo.add_entry(
                session, incident, "resolved", actor_id, summary, {"root_cause": root_cause}, at=now
            )
            outbox.enqueue(session, incident.id, IncidentResolved(entry_id=entry.id))
            self._tell_stakeholders(session, incident, stakeholders.RESOLVED, entry.id)
            postmortems.on_resolved(session, incident, now, export=self.export_resolved)
            view = incident_view(incident)
        return view

    def reopen(self, incident_id: int, actor_id: str, reason: str, request_key: str | None = None) -> IncidentView:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            _once(session, request_key, "This incident was already reopened.")
            incident = self._load(session, incident_id)
            self.ctx.access.require(Action.REOPEN, incident, actor_id)
            try:
                target = check_reopen(Status(incident.status))
            except ValueError as exc:
                raise UserError(str(exc)) from exc
            incident.status = target.value
            incident.resolved_at = None
            incident.last_update_at = now
            incident.last_update_text = f"Reopened: {reason}"
            incident.last_update_by = actor_id
            incident.next_update_due_at = self._next_due(incident, now)
            incident.archive_due_at = None  # the channel stays; one archived already is unarchived
            entry = repo.add_entry(session, incident, "reopened", actor_id, reason, at=now)
            outbox.enqueue(session, incident.id, IncidentReopened(entry_id=entry.id))
            postmortems.on_reopened(session, incident)
            view = incident_view(incident)
        return view

    # -- acknowledge ---------------------------------------------------------------------------
    def acknowledge(self, incident_id: int, actor_id: str, request_key: str | None = None) -> Acknowledged:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            _once(session, request_key, "This incident was already acknowledged.")
            incident = self._load(session, incident_id, lock=True)
            self.ctx.access.require_visible(incident, actor_id)  # the paged are invited to its channel
            if incident.acknowledged_at is not None:
                return Acknowledged(incident_view(incident), already_by=incident.acknowledged_by)
            incident.acknowledged_at, incident.acknowledged_by = now, actor_id
            took = now - incident.declared_at
            entry = repo.add_entry(
                session,
                incident,
                "acknowledged",
                actor_id,
                "Acknowledged",
                {"seconds_to_ack": int(took.total_seconds())},
                at=now,
            )
            outbox.enqueue(session, incident.id, IncidentAcknowledged(entry_id=entry.id))
            view = incident_view(incident)
        self.ctx.metrics.time_to_acknowledge.labels(view.severity.id).observe(took.total_seconds())
        return Acknowledged(view, already_by=None)

    def request_summary(self, incident_id: int, actor_id: str, request_key: str | None = None) -> None:
        with self.ctx.uow() as session:
            _once(session, request_key, "The summary was already requested.")
            incident = self._load(session, incident_id)
            self.ctx.access.require_visible(incident, actor_id)
            outbox.enqueue(session, incident.id, SummaryRequested(actor=actor_id))

    # -- helpers -------------------------------------------------------------------------------
    def _tell_stakeholders(self, session: Session, incident: Incident, moment: str, entry_id: int) -> None:
        if self.stakeholders is not None:
            self.stakeholders.queue(session, incident, moment, entry_id)

    def _load(self, session: Session, incident_id: int, *, lock: bool = False) -> Incident:
        incident = repo.get_incident(session, incident_id, lock=lock)
        if incident is None:
            raise IncidentNotFound()
        bind_incident(incident.ref)
        return incident


def _once(session: Session, request_key: str | None, already: str) -> None:
    """Claim the request's key in this transaction: the same request (redone, retried) changes things once."""
    if request_key and not repo.claim_request(session, request_key):
        raise AlreadyHandled(already)


_RESOLVED_HINT = "This incident is resolved. Use `/incident reopen <reason>` to reopen it first."


def _transition(current: Status, target: Status) -> Status:
    try:
        return check_transition(current, target)
    except IllegalTransition as exc:
        raise UserError(str(exc)) from exc
