"""Publishing to the status page: the prefilled form, and the publication a person decides to make."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.domain.events import StatuspageSync, UpdatePublished
from bot.domain.permissions import Action
from bot.domain.publication import (
    ComponentState,
    ComponentStatus,
    PublicStatus,
    StatusPageCatalog,
    StatusPagePolicy,
)
from bot.domain.severity import Severity
from bot.domain.text import plain
from bot.playbooks.templates import MISSING, Templates
from bot.services.context import ServiceContext
from bot.services.drafts import stamp
from bot.services.errors import AlreadyHandled, IncidentNotFound, UserError
from bot.services.read_models import IncidentView, incident_view
from bot.storage import outbox
from bot.storage import publications as store
from bot.storage import repositories as repo
from bot.storage.models import Incident

TEMPLATE = "external_notification"
MAX_PUBLIC_TITLE = 200
MAX_MESSAGE = 2900
RESOLVED_TEXT = "The issue has been resolved and all affected services are operating normally. Thank you for your patience."
NOTHING = "Nothing was published."


@dataclass(frozen=True)
class PublishForm:
    """What the Publish form shows: prefilled values, the components to rate, and the rendered preview."""

    incident: IncidentView
    public_title: str
    status: PublicStatus
    message: str
    components: tuple[ComponentState, ...]
    catalog: StatusPageCatalog
    published_before: bool

    @property
    def preview(self) -> str:
        return public_text(self.public_title, self.status, self.message, self.components, self.catalog)


@dataclass(frozen=True)
class Published:
    incident: IncidentView
    update_id: int
    status: PublicStatus
    public_title: str


def public_text(
    title: str,
    status: PublicStatus,
    message: str,
    components: Sequence[ComponentState],
    catalog: StatusPageCatalog,
) -> str:
    """How one public update reads on the status page: title and status, the message, what is affected."""
    lines = [f"*{title}* · {status.label}", message.strip()]
    hit = [c for c in components if c.status is not ComponentStatus.OPERATIONAL]
    if hit:
        names = ", ".join(f"{_name(catalog, c.id)} ({c.status.label.lower()})" for c in hit)
        lines.append(f"Affected: {names}")
    return "\n".join(line for line in lines if line)


def _name(catalog: StatusPageCatalog, component_id: str) -> str:
    comp = catalog.get(component_id)
    return comp.name if comp else component_id


def refusal(incident: Incident | IncidentView, severity: Severity | None) -> str | None:
    """Why this incident can never be published, or ``None`` when it may be."""
    if incident.private:
        return (
            f"{incident.ref} is private: private incidents are never published to the status page. {NOTHING}"
        )
    if severity is not None and severity.status_page == StatusPagePolicy.NEVER:
        return (
            f"{incident.ref} is a {severity.id} incident, and {severity.id} never publishes to the status "
            f"page (`status_page: never` in severities.yaml). {NOTHING}"
        )
    return None


class PublicationService:
    """Every method is one transaction. Nothing is published without a person submitting the form."""

    def __init__(
        self,
        ctx: ServiceContext,
        catalog: Callable[[], StatusPageCatalog],
        templates: Callable[[], Templates],
        statuspage: bool = False,
    ) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.templates = templates
        self.statuspage = statuspage  # Atlassian Statuspage configured: each publication is sent there too

    def form(
        self, incident_id: int, actor_id: str, message: str = "", *, resolution: bool = False
    ) -> PublishForm:
        """The prefilled form, if ``actor_id`` may publish this incident (else a ``UserError`` naming who may)."""
        catalog = self.catalog()
        with self.ctx.uow() as session:
            incident = self._load(session, incident_id)
            view = incident_view(incident)
            self._require(view, actor_id)
            public = store.public_incident(session, incident.id)
            latest = store.latest_update(session, incident.id)
            before = {s.id: s.status for s in store.component_states(latest)} if latest else {}
        title = (public.public_title if public else plain(view.title))[:MAX_PUBLIC_TITLE]
        if resolution:
            status = PublicStatus.RESOLVED
            states = tuple(ComponentState(c.id, ComponentStatus.OPERATIONAL) for c in catalog)
            text = message or RESOLVED_TEXT
        else:
            status = PublicStatus(latest.public_status) if latest else PublicStatus.INVESTIGATING
            if status is PublicStatus.RESOLVED and view.status.is_open:
                status = PublicStatus.INVESTIGATING  # reopened after a public resolution
            states = tuple(
                ComponentState(c.id, before.get(c.id, ComponentStatus.OPERATIONAL)) for c in catalog
            )
            text = message or self._from_template(view, title, status, states, catalog)
        return PublishForm(view, title, status, text[:MAX_MESSAGE], states, catalog, latest is not None)

    def check(self, incident_id: int, actor_id: str) -> None:
        """Refuse (``UserError``) unless ``actor_id`` may publish this incident: a read, for the form's answer."""
        with self.ctx.uow() as session:
            view = incident_view(self._load(session, incident_id))
        self._require(view, actor_id)

    def publish(
        self,
        incident_id: int,
        actor_id: str,
        *,
        public_title: str,
        status: PublicStatus,
        message: str,
        components: Sequence[ComponentState],
        request_key: str | None = None,
    ) -> Published:
        """Store the publication, record who published what on the timeline, queue its notices."""
        title, text = public_title.strip(), message.strip()
        if not title:
            raise UserError(f"Please give the update a public title. {NOTHING}")
        if not text:
            raise UserError(f"Please write the message customers will read. {NOTHING}")
        catalog = self.catalog()
        unknown = [c.id for c in components if catalog.get(c.id) is None]
        if unknown:
            raise UserError(
                f"Unknown component(s): {', '.join(unknown)} (statuspage.yaml changed?). {NOTHING}"
            )
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This update was already published.")
            incident = self._load(session, incident_id, lock=True)
            view = incident_view(incident)
            self._require(view, actor_id)
            public = store.public_incident(session, incident.id, lock=True)
            if public is None:
                public = store.PublicIncident(
                    incident_id=incident.id,
                    public_title=title[:MAX_PUBLIC_TITLE],
                    public_status=status.value,
                    private=incident.private,
                    created_at=now,
                    updated_at=now,
                )
                session.add(public)
            public.public_title, public.public_status, public.updated_at = (
                title[:MAX_PUBLIC_TITLE],
                status.value,
                now,
            )
            public.resolved_at = now if status is PublicStatus.RESOLVED else None
            row = store.PublicUpdate(
                incident_id=incident.id,
                public_title=title[:MAX_PUBLIC_TITLE],
                public_status=status.value,
                message=text[:MAX_MESSAGE],
                components=[c.to_json() for c in components],
                published_by=actor_id,
                published_at=now,
            )
            session.add(row)
            session.flush()
            hit = [
                f"{_name(catalog, c.id)}: {c.status.label.lower()}"
                for c in components
                if c.status is not ComponentStatus.OPERATIONAL
            ]
            repo.add_entry(
                session,
                incident,
                "published",
                actor_id,
                f"Published to the status page ({status.label}): {title} — {text}"
                + (f" [{'; '.join(hit)}]" if hit else ""),
                {
                    "update_id": row.id,
                    "status": status.value,
                    "title": title,
                    "components": [c.to_json() for c in components],
                },
                at=now,
            )
            outbox.enqueue(session, incident.id, UpdatePublished(update_id=row.id, actor=actor_id))
            if self.statuspage:
                outbox.enqueue(session, incident.id, StatuspageSync(update_id=row.id))
            return Published(view, row.id, status, title)

    def _require(self, incident: IncidentView, actor_id: str) -> None:
        self.ctx.access.require_visible(incident, actor_id)
        why = refusal(incident, incident.severity)
        if why:
            raise UserError(why)
        self.ctx.access.require(Action.PUBLISH, incident, actor_id)

    def _from_template(
        self,
        incident: IncidentView,
        title: str,
        status: PublicStatus,
        states: Sequence[ComponentState],
        catalog: StatusPageCatalog,
    ) -> str:
        """The playbook's external notice filled with public facts only (never internal updates or people)."""
        template = self.templates().get(TEMPLATE)
        hit = [_name(catalog, s.id) for s in states if s.status is not ComponentStatus.OPERATIONAL]
        if template is None:
            return ""
        values: dict[str, object] = {
            "title": title,
            "summary": "[describe the issue as customers see it]",
            "impact": ", ".join(hit),
            "status": status.label,
            "started_at": stamp(incident.declared_at),
            "next_update": stamp(incident.next_update_due_at) if incident.status.is_open else "",
        }
        text = template.render(values)
        # A line whose only placeholder has nothing public to say is left out ("Status page: —").
        lines = [line for line in text.splitlines() if not line.rstrip().endswith(f": {MISSING}")]
        return "\n".join(lines).strip()

    def _load(self, session: Session, incident_id: int, *, lock: bool = False) -> Incident:
        incident = repo.get_incident(session, incident_id, lock=lock)
        if incident is None:
            raise IncidentNotFound()
        return incident
