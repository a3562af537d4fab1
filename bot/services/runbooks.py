"""Runbook use cases: suggest, attach, tick steps, and run AWS steps with the IC's confirmation for changes.

Over 300 lines because attaching, ticking and running steps share the permission and same-call checks that
guard them; splitting them would scatter those checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from bot.domain.events import RunbookAttached, RunbookRefresh, RunbookStepResult
from bot.integrations.aws import ClientFactory, StepResult, describe_call, run_step
from bot.integrations.aws.model import StepError
from bot.playbooks.runbooks import AwsStep, Runbook, Step
from bot.services.context import ServiceContext
from bot.services.errors import IncidentNotFound, UserError
from bot.services.runbook_access import may_run, refusal_text, require_channel, roles_text
from bot.services.runbook_views import (
    AttachedView,
    PreparedRun,
    attached_view,
    call_digest,
    incident_variables,
    result_payload,
    runbook_snapshot,
)
from bot.storage import outbox
from bot.storage import repositories as repo
from bot.storage import runbooks as attachments
from bot.storage.models import Incident
from bot.storage.runbook_models import AttachedRunbook, RunbookStepState

MAX_SUGGESTIONS = 5


class RunbookCatalog(Protocol):
    """The loaded runbooks, as far as this service needs them."""

    @property
    def runbooks(self) -> Mapping[str, Runbook]: ...

    def match_runbooks(self, title: str) -> list[Runbook]: ...

    def runbook(self, runbook_id: str) -> Runbook | None: ...


class NotAllowed(UserError):
    """Someone without the required incident role tried to run a step that changes AWS."""


class RunbookService:
    """Runbooks attached to incidents. Every method is one transaction; Slack work goes to the outbox."""

    def __init__(
        self,
        ctx: ServiceContext,
        catalog: RunbookCatalog,
        clients: Callable[[], ClientFactory] | None = None,
    ) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self._make_clients = clients or ClientFactory
        self._clients: ClientFactory | None = None

    # -- AWS clients ---------------------------------------------------------------------------
    def use_clients(self, clients: ClientFactory) -> None:
        """Replace the AWS client factory (another account, or a test double such as moto)."""
        self._clients = clients

    def clients(self) -> ClientFactory:
        if self._clients is None:
            self._clients = self._make_clients()
        return self._clients

    # -- catalogue -----------------------------------------------------------------------------
    def suggestions(self, title: str) -> list[Runbook]:
        return self.catalog.match_runbooks(title)[:MAX_SUGGESTIONS]

    def available(self) -> list[Runbook]:
        return sorted(self.catalog.runbooks.values(), key=lambda rb: rb.id)

    def attached_for(self, incident_id: int) -> list[AttachedView]:
        with self.ctx.uow() as session:
            return [attached_view(row) for row in attachments.attached_to(session, incident_id)]

    def get(self, attached_id: int) -> AttachedView:
        with self.ctx.uow() as session:
            return attached_view(self._load(session, attached_id))

    # -- attach --------------------------------------------------------------------------------
    def attach(
        self,
        incident_id: int,
        runbook_id: str,
        actor_id: str,
        *,
        suggestion: dict[str, str] | None = None,
        from_channel: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> AttachedView:
        """Attach a runbook and queue its checklist; attaching one that is already there changes nothing.

        ``suggestion`` (``channel`` and ``ts``) is the suggestion message the Attach click came from; it is
        brought up to date with the checklist. ``from_channel`` is the channel a button click came from:
        a click must come from the incident's own channel (see ``_require_channel``). ``settings``
        override the runbook's own ``variables`` for this incident only (``service=checkout``); names the
        runbook does not declare are refused and nothing is attached.
        """
        runbook = self.catalog.runbook(runbook_id)
        if runbook is None:
            known = ", ".join(f"`{rb.id}`" for rb in self.available()) or "none"
            raise UserError(f"There is no runbook `{runbook_id}`. Runbooks: {known}.")
        if settings:
            unknown = sorted(set(settings) - set(runbook.variables))
            if unknown:
                names = ", ".join(f"`{n}`" for n in sorted(runbook.variables)) or "none"
                raise UserError(
                    f"*{runbook.title}* has no variable {', '.join(f'`{n}`' for n in unknown)}. "
                    f"Its variables: {names}. Nothing was attached."
                )
            runbook = runbook.model_copy(update={"variables": {**runbook.variables, **settings}})
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = self._incident(session, incident_id)
            require_channel(incident, from_channel)
            if attachments.find(session, incident_id, runbook.id) is not None:
                raise UserError(f"The runbook *{runbook.title}* is already attached to {incident.ref}.")
            row = AttachedRunbook(
                incident_id=incident_id,
                runbook_id=runbook.id,
                title=runbook.title,
                snapshot=runbook_snapshot(runbook),
                attached_by=actor_id,
                attached_at=now,
                channel_id=incident.channel_id,
                message_ts=[],
            )
            session.add(row)
            session.flush()
            entry = repo.add_entry(
                session,
                incident,
                "runbook_attached",
                actor_id,
                f"Attached runbook {runbook.title} ({runbook.id})"
                + (" with " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())) if settings else ""),
                {"runbook": runbook.id, "attached_id": row.id, "settings": dict(settings or {})},
                at=now,
            )
            outbox.enqueue(
                session,
                incident_id,
                RunbookAttached(attached_id=row.id, entry_id=entry.id, suggestion=dict(suggestion) if suggestion else None),
            )
            view = attached_view(row)
        return view

    def record_pages(self, attached_id: int, channel_id: str, message_ts: Sequence[str]) -> None:
        """Remember where the checklist pages were posted (called once they are in Slack)."""
        with self.ctx.uow() as session:
            row = self._load(session, attached_id)
            row.channel_id, row.message_ts = channel_id, list(message_ts)

    # -- ticking -------------------------------------------------------------------------------
    def set_done(
        self,
        attached_id: int,
        step_id: str,
        actor_id: str,
        done: bool = True,
        *,
        from_channel: str | None = None,
    ) -> AttachedView:
        """Tick (or untick) a step; a timeline entry says who and when. Repeating a tick is a no-op."""
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            row = self._load(session, attached_id, lock=True)
            incident = self._incident(session, row.incident_id)
            require_channel(incident, from_channel)
            step = self._step(row, step_id)
            state = self._state(session, row, step.id)
            if bool(state.done_by) == done:
                return attached_view(row)
            state.done_by, state.done_at = (actor_id, now) if done else (None, None)
            verb = "Done" if done else "Reopened"
            repo.add_entry(
                session,
                incident,
                "runbook_step_done" if done else "runbook_step_undone",
                actor_id,
                f"{verb}: {step.title} ({row.title})",
                {"runbook": row.runbook_id, "step": step.id, "attached_id": row.id},
                at=now,
            )
            outbox.enqueue(session, row.incident_id, RunbookRefresh(attached_id=row.id))
            session.flush()
            view = attached_view(row)
        return view

    # -- AWS steps -----------------------------------------------------------------------------
    def prepare_run(
        self, attached_id: int, step_id: str, actor_id: str, *, from_channel: str | None = None
    ) -> PreparedRun:
        """Check a Run click: the step is an aws step and, if it changes AWS, the person may confirm it."""
        with self.ctx.uow() as session:
            row = self._load(session, attached_id)
            incident = self._incident(session, row.incident_id)
            require_channel(incident, from_channel)
            step = self._aws_step(row, step_id)
            variables = self._variables(row, incident)
            if step.mutating:
                self._require_approver(incident, step, actor_id)
            view = attached_view(row)
        try:
            call = describe_call(step.to_integration_step(), variables)
        except StepError as exc:
            raise UserError(f"This step cannot run as written: {exc}") from exc
        return PreparedRun(view, step, call)

    def describe(self, attached_id: int, step_id: str, *, from_channel: str | None = None) -> str:
        """The exact call, with lookups (a rollback's target revision) resolved against AWS where possible."""
        with self.ctx.uow() as session:
            row = self._load(session, attached_id)
            incident = self._incident(session, row.incident_id)
            require_channel(incident, from_channel)
            step = self._aws_step(row, step_id)
            variables = self._variables(row, incident)
        return describe_call(step.to_integration_step(), variables, self.clients())

    def run(
        self,
        attached_id: int,
        step_id: str,
        actor_id: str,
        *,
        confirmed_call: str | None = None,
        from_channel: str | None = None,
    ) -> StepResult:
        """Run an aws step now and queue its result for the runbook thread.

        A step that changes AWS runs only for someone permissions.yaml's ``run_mutating_step`` lets in
        (the IC by default), a holder of one of the step's ``allowed_roles`` or an admin, at the moment of
        running; anyone else gets ``NotAllowed`` and the refusal is recorded.
        It also runs only as the exact call the person confirmed (``confirmed_call``, the ``call_digest``
        of what the confirmation showed): if AWS changed
        since (another rollback moved the target revision), nothing runs and ``UserError`` says why.
        """
        with self.ctx.uow() as session:
            row = self._load(session, attached_id)
            incident = self._incident(session, row.incident_id)
            require_channel(incident, from_channel)
            step = self._aws_step(row, step_id)
            variables = self._variables(row, incident)
            decision = may_run(self.ctx.access, step, incident, actor_id)
            refused = step.mutating and not decision.allowed
            refusal = refusal_text(step, incident, decision, self.ctx.access.permissions.has_admins)
            # Permitted here, the person confirms as the step's roles (the AWS layer's own guard).
            roles = set(step.allowed_roles) if decision.allowed else set()
            if refused:
                needed = roles_text(step, incident, decision.standings)
                repo.add_entry(
                    session,
                    incident,
                    "runbook_step_refused",
                    actor_id,
                    f"Refused to run {step.name} ({step.title}) for <@{actor_id}>: not {needed}",
                    {"runbook": row.runbook_id, "step": step.id, "attached_id": row.id},
                    at=self.ctx.clock(),
                )
        if refused:
            raise NotAllowed(refusal)
        if step.mutating:
            self._require_same_call(attached_id, step, confirmed_call)
        # The AWS call happens outside any transaction: it can take seconds.
        result = run_step(
            step.to_integration_step(), variables, self.clients(), approver_roles=roles, now=self.ctx.clock
        )
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            row = self._load(session, attached_id, lock=True)
            incident = self._incident(session, row.incident_id)
            state = self._state(session, row, step.id)
            state.last_result, state.last_ok = result.headline, result.ok
            state.last_run_by, state.last_run_at = actor_id, now
            if result.ok and not state.done_by:
                state.done_by, state.done_at = actor_id, now
            data = {
                "runbook": row.runbook_id,
                "step": step.id,
                "attached_id": row.id,
                "call": result.call,
                "ok": result.ok,
                "mutating": step.mutating,
            }
            if step.mutating:
                data["approver"] = actor_id
            who = f"approved and run by <@{actor_id}>" if step.mutating else f"run by <@{actor_id}>"
            entry = repo.add_entry(
                session,
                incident,
                "runbook_step_run",
                actor_id,
                f"{step.name} ({step.title}), {who}: {result.headline}",
                data,
                at=now,
            )
            outbox.enqueue(
                session,
                row.incident_id,
                RunbookStepResult(
                    attached_id=row.id,
                    step_id=step.id,
                    entry_id=entry.id,
                    actor=actor_id,
                    mutating=step.mutating,
                    result=result_payload(result),
                ),
            )
        return result

    # -- helpers -------------------------------------------------------------------------------
    def _load(self, session: Session, attached_id: int, *, lock: bool = False) -> AttachedRunbook:
        row = attachments.get(session, attached_id, lock=lock)
        if row is None:
            raise UserError("That runbook is no longer attached to an incident.")
        return row

    def _incident(self, session: Session, incident_id: int) -> Incident:
        incident = repo.get_incident(session, incident_id)
        if incident is None:
            raise IncidentNotFound()
        return incident

    def _step(self, row: AttachedRunbook, step_id: str) -> Step:
        step = Runbook.model_validate(row.snapshot).step(step_id)
        if step is None:
            raise UserError(f"The runbook *{row.title}* has no step `{step_id}`.")
        return step

    def _aws_step(self, row: AttachedRunbook, step_id: str) -> AwsStep:
        step = self._step(row, step_id)
        if not isinstance(step, AwsStep):
            raise UserError(f"*{step.title}* is not a step the bot can run.")
        return step

    def _state(self, session: Session, row: AttachedRunbook, step_id: str) -> RunbookStepState:
        state = next((s for s in row.steps if s.step_id == step_id), None)
        if state is None:
            state = RunbookStepState(step_id=step_id)
            row.steps.append(state)
            session.flush()
        return state

    def _variables(self, row: AttachedRunbook, incident: Incident) -> dict[str, str]:
        runbook = Runbook.model_validate(row.snapshot)
        return runbook.variables_for(incident_variables(incident))

    def _require_same_call(self, attached_id: int, step: AwsStep, confirmed_call: str | None) -> None:
        if confirmed_call is None:
            raise UserError(f"*{step.title}* changes AWS: confirm it from its Run button. Nothing was run.")
        current = self.describe(attached_id, step.id)
        if call_digest(current) != confirmed_call:
            raise UserError(
                f"AWS changed since you confirmed *{step.title}*: the call would now be `{current}`. "
                "Nothing was run; press Run again to confirm the new call."
            )

    def _require_approver(self, incident: Incident, step: AwsStep, actor_id: str) -> None:
        decision = may_run(self.ctx.access, step, incident, actor_id)
        if not decision.allowed:
            raise NotAllowed(refusal_text(step, incident, decision, self.ctx.access.permissions.has_admins))
