"""Current component status: the worst of the open incidents' latest publications; the shipped playbooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.publication import ComponentStatus, StatusPagePolicy
from bot.domain.severity import Severity
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.incidents import IncidentService
from bot.services.public_status import current_component_status
from bot.storage import migrate
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.publications import PublicIncident, PublicUpdate

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _publish(uow: UnitOfWork, incident_id: int, status: str, components: dict[str, str], at: datetime) -> None:
    with uow() as session:
        row = session.query(PublicIncident).filter_by(incident_id=incident_id).one_or_none()
        if row is None:
            row = PublicIncident(incident_id=incident_id, public_title="Errors", public_status=status, created_at=at)
            session.add(row)
        row.public_status = status
        row.updated_at = at
        session.add(
            PublicUpdate(
                incident_id=incident_id,
                public_title="Errors",
                public_status=status,
                message="We are looking into it.",
                components=[{"id": k, "status": v} for k, v in components.items()],
                published_by="U1",
                published_at=at,
            )
        )


def test_worst_status_across_open_incidents_latest_publications(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    service = IncidentService(ServiceContext(uow=uow, playbooks=PLAYBOOKS))
    sev = PLAYBOOKS.severities.get("SEV2")
    first = service.declare(reporter_id="U1", severity=sev, title="api errors").incident.id
    second = service.declare(reporter_id="U1", severity=sev, title="slow site").incident.id
    third = service.declare(reporter_id="U1", severity=sev, title="old").incident.id
    catalog = PLAYBOOKS.statuspage

    def now() -> dict[str, ComponentStatus]:
        return {item.component.id: item.status for item in current_component_status(uow, catalog)}

    assert set(now().values()) == {ComponentStatus.OPERATIONAL}
    _publish(uow, first, "investigating", {"api": "major_outage", "website": "degraded_performance"}, T0)
    _publish(uow, second, "identified", {"website": "partial_outage"}, T0)
    _publish(uow, third, "resolved", {"payments": "major_outage"}, T0)
    statuses = now()
    assert statuses["api"] is ComponentStatus.MAJOR_OUTAGE
    assert statuses["website"] is ComponentStatus.PARTIAL_OUTAGE
    assert statuses["payments"] is ComponentStatus.OPERATIONAL  # its incident is resolved
    # The latest publication wins for an incident: the API recovers.
    _publish(uow, first, "monitoring", {"api": "operational"}, T0 + timedelta(minutes=5))
    statuses = now()
    assert statuses["api"] is ComponentStatus.OPERATIONAL
    assert statuses["website"] is ComponentStatus.PARTIAL_OUTAGE
    assert list(statuses) == [c.id for c in catalog]
    engine.dispose()


def test_shipped_playbooks_suggest_publishing_for_the_two_most_severe_levels() -> None:
    policies = {sev.id: sev.status_page for sev in PLAYBOOKS.severities}
    assert policies == {
        "SEV1": StatusPagePolicy.SUGGEST,
        "SEV2": StatusPagePolicy.SUGGEST,
        "SEV3": StatusPagePolicy.OPTIONAL,
        "SEV4": StatusPagePolicy.OPTIONAL,
        "SEC": StatusPagePolicy.NEVER,
    }
    assert len(PLAYBOOKS.statuspage) >= 4
    assert PLAYBOOKS.statuspage.get("payments") is not None


def test_severity_snapshots_keep_their_status_page_policy() -> None:
    for sev in PLAYBOOKS.severities:
        assert Severity.from_snapshot(sev.to_snapshot()) == sev
    old = {k: v for k, v in PLAYBOOKS.severities.get("SEV1").to_snapshot().items() if k != "status_page"}
    assert Severity.from_snapshot(old).status_page == "optional"  # no late reminders for older incidents
