"""Follow-up use cases: record one, close one, list an incident's open ones and a person's across incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.domain.followups import FollowUpView, today
from bot.services.context import ServiceContext
from bot.services.errors import AlreadyHandled, IncidentNotFound, UserError
from bot.services.home import IncidentVisibility
from bot.services.read_models import IncidentView, incident_view
from bot.storage import followups as store
from bot.storage import repositories as repo
from bot.storage.models import Incident


@dataclass(frozen=True)
class IncidentFollowUps:
    incident: IncidentView
    items: list[FollowUpView]


@dataclass(frozen=True)
class PersonFollowUps:
    """A person's open follow-ups; ``hidden`` counts those of private incidents whose channel they are not in."""

    items: list[FollowUpView]
    hidden: int = 0


class FollowUpService:
    """Every method is one transaction; private incidents' follow-ups are for those who may see the incident."""

    def __init__(self, ctx: ServiceContext, visibility: IncidentVisibility) -> None:
        self.ctx = ctx
        self.visibility = visibility

    def add(
        self,
        incident_id: int,
        actor_id: str,
        text: str,
        owner_id: str | None = None,
        due_on: date | None = None,
        request_key: str | None = None,
    ) -> FollowUpView:
        now = self.ctx.clock()
        if due_on is not None and due_on < today(now):
            raise UserError(
                f"{due_on.isoformat()} is in the past (today is {today(now).isoformat()}, UTC). "
                "Give a due date from today on. Nothing was recorded."
            )
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This follow-up was already recorded.")
            incident = self._load(session, incident_id, lock=True)
            row = store.add(
                session, incident, text, owner_id=owner_id, due_on=due_on, created_by=actor_id, at=now
            )
            details = (f", owner <@{owner_id}>" if owner_id else "") + (
                f", due {due_on.isoformat()}" if due_on else ""
            )
            repo.add_entry(
                session,
                incident,
                "followup_added",
                actor_id,
                f"Follow-up #{row.number}: {text}{details}",
                {"number": row.number, "owner": owner_id, "due_on": due_on.isoformat() if due_on else None},
                at=now,
            )
            return store.view(row, incident)

    def close(
        self, incident_id: int, number: int, actor_id: str, request_key: str | None = None
    ) -> FollowUpView:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This follow-up was already closed.")
            incident = self._load(session, incident_id, lock=True)
            self._require_member(incident, actor_id)
            row = store.by_number(session, incident.id, number, lock=True)
            if row is None:
                raise UserError(
                    f"{incident.ref} has no follow-up #{number}. `/incident followups` lists the open ones."
                )
            if row.done_at is not None:
                raise UserError(f"Follow-up #{number} was already closed by <@{row.done_by}>. Nothing changed.")
            row.done_at, row.done_by = now, actor_id
            repo.add_entry(
                session,
                incident,
                "followup_done",
                actor_id,
                f"Follow-up #{number} done: {row.text}",
                {"number": number},
                at=now,
            )
            session.flush()
            return store.view(row, incident)

    def of_incident(self, incident_id: int, *, open_only: bool = True) -> IncidentFollowUps:
        with self.ctx.uow() as session:
            incident = self._load(session, incident_id)
            rows = store.of_incident(session, incident.id, open_only=open_only)
            return IncidentFollowUps(incident_view(incident), [store.view(r, incident) for r in rows])

    def mine(self, user_id: str) -> PersonFollowUps:
        with self.ctx.uow() as session:
            rows = store.open_of_owner(session, user_id)
            found = [(store.view(f, i), incident_view(i)) for f, i in rows]
        seen: dict[int, bool] = {}
        for _, incident in found:
            if incident.id not in seen:
                seen[incident.id] = self.visibility.can_see(incident, user_id)
        shown = [item for item, incident in found if seen[incident.id]]
        return PersonFollowUps(shown, hidden=len(found) - len(shown))

    def _require_member(self, incident: Incident, user_id: str) -> None:
        if not incident.private:
            return
        if not self.visibility.can_see(incident_view(incident), user_id):
            raise UserError(
                "Only members of this private incident's channel can close its follow-ups. Nothing changed."
            )

    def _load(self, session: Session, incident_id: int, *, lock: bool = False) -> Incident:
        from_db = repo.get_incident(session, incident_id, lock=lock)
        if from_db is None:
            raise IncidentNotFound()
        return from_db
