"""The lifecycle use cases on both databases: sequential ids under concurrency, snapshots, UTC, outbox."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.roles import RoleCatalog
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.errors import UserError
from bot.services.incidents import IncidentService
from bot.storage import migrate
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import Incident, OutboxMessage

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")


@pytest.fixture
def service(database_url: str) -> IncidentService:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    return IncidentService(ServiceContext(uow=UnitOfWork(make_session_factory(engine)), playbooks=PLAYBOOKS))


def test_references_are_sequential_and_unique_under_concurrent_declarations(service: IncidentService) -> None:
    sev = PLAYBOOKS.severities.get("SEV2")
    refs: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def declare(n: int) -> None:
        try:
            start.wait()
            refs.append(
                service.declare(reporter_id=f"U0R{n}", severity=sev, title=f"outage {n}").incident.ref
            )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=declare, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    year = datetime.now(UTC).year
    assert sorted(refs) == [f"INC-{year}-{n:04d}" for n in range(1, 9)]


def test_a_new_year_starts_a_new_sequence(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    now = [datetime(2026, 12, 31, 23, 59, tzinfo=UTC)]
    svc = IncidentService(
        ServiceContext(UnitOfWork(make_session_factory(engine)), PLAYBOOKS, clock=lambda: now[0])
    )
    sev = PLAYBOOKS.severities.get("SEV3")
    assert svc.declare(reporter_id="U1", severity=sev, title="a").incident.ref == "INC-2026-0001"
    now[0] = datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    assert svc.declare(reporter_id="U1", severity=sev, title="b").incident.ref == "INC-2027-0001"


def test_incidents_keep_the_policy_they_were_declared_under(service: IncidentService) -> None:
    inc = service.declare(
        reporter_id="U1", severity=PLAYBOOKS.severities.get("SEV1"), title="db down"
    ).incident
    # The playbooks change afterwards: the scribe role disappears and SEV1 is renamed.
    trimmed = replace(PLAYBOOKS, roles=RoleCatalog.of(r for r in PLAYBOOKS.roles if r.id != "scribe"))
    later = IncidentService(replace(service.ctx, playbooks=trimmed))
    view = later.assign_role(inc.id, "scribe", "U2", "U1")
    assert view.holder("scribe") == "U2"
    assert later.get(inc.id).severity.update_every == PLAYBOOKS.severities.get("SEV1").update_every


def test_times_are_stored_in_utc_whatever_the_machine_timezone(service: IncidentService) -> None:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        inc = service.declare(
            reporter_id="U1", severity=PLAYBOOKS.severities.get("SEV2"), title="tz"
        ).incident
        with service.ctx.uow() as session:
            row = session.get(Incident, inc.id)
            assert row is not None
            assert row.declared_at.utcoffset() == timedelta(0)
            assert abs(row.declared_at - datetime.now(UTC)) < timedelta(minutes=1)
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_every_change_is_a_timeline_row_and_an_outbox_message(service: IncidentService) -> None:
    inc = service.declare(reporter_id="U1", severity=PLAYBOOKS.severities.get("SEV2"), title="x").incident
    service.assign_role(inc.id, "ic", "U2", "U1")
    service.assign_role(inc.id, "ic", "U2", "U1")  # no-op: same holder
    service.post_update(inc.id, "U2", "found it", None)
    service.change_severity(inc.id, "U2", "SEV1")
    service.add_note(inc.id, "U3", "note")
    service.acknowledge(inc.id, "U2")
    service.resolve(inc.id, "U2", "fixed")
    with pytest.raises(UserError):
        service.post_update(inc.id, "U2", "late", None)
    with service.ctx.uow() as session:
        kinds = [e.kind for e in repo.timeline(session, inc.id)]
        events = [m.event for m in session.query(OutboxMessage).order_by(OutboxMessage.id)]
    assert kinds == [
        "declared",
        "role_assigned",
        "update",
        "severity_changed",
        "note",
        "acknowledged",
        "resolved",
    ]
    assert events == [
        "incident.declared",
        "publication.suggested",  # SEV2 suggests publishing to the status page: a reminder, nothing published
        "incident.role_assigned",
        "incident.updated",
        "incident.severity_changed",
        "incident.note_added",
        "incident.acknowledged",
        "incident.resolved",
        "postmortem.draft",
    ]


def test_update_cadence_is_scheduled_from_the_last_update(service: IncidentService) -> None:
    sev = PLAYBOOKS.severities.get("SEV1")
    assert sev.update_every is not None
    inc = service.declare(reporter_id="U1", severity=sev, title="cadence").incident
    assert inc.next_update_due_at == inc.declared_at + sev.update_every
    upd = service.post_update(inc.id, "U1", "still on it")
    assert upd.next_update_due_at == upd.last_update_at + sev.update_every
    assert service.resolve(inc.id, "U1", "done").next_update_due_at is None
