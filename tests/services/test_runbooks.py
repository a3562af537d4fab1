"""The runbook service on its own: attach with settings, refusals that change nothing, ticking steps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.events import RunbookAttached, RunbookRefresh, decode
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.errors import UserError
from bot.services.incidents import IncidentService
from bot.services.runbook_access import WrongChannel
from bot.services.runbooks import RunbookService
from bot.storage import migrate
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import OutboxMessage

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")


@dataclass
class World:
    uow: UnitOfWork
    incidents: IncidentService
    runbooks: RunbookService
    incident_id: int

    def events(self) -> list[object]:
        with self.uow() as session:
            rows = session.query(OutboxMessage).filter_by(incident_id=self.incident_id).order_by(OutboxMessage.id)
            return [decode(m.event, m.payload) for m in rows if m.event.startswith("runbook.")]

    def kinds(self) -> list[str]:
        with self.uow() as session:
            return [e.kind for e in repo.timeline(session, self.incident_id)]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    ctx = ServiceContext(uow=uow, playbooks=PLAYBOOKS)
    incidents = IncidentService(ctx)
    inc = incidents.declare(reporter_id="U0ALICE", severity=PLAYBOOKS.severities.get("SEV2"), title="redis down")
    with uow() as session:
        row = repo.get_incident(session, inc.incident.id)
        assert row is not None
        row.channel_id = "C0INC"
    try:
        yield World(uow, incidents, RunbookService(ctx, PLAYBOOKS), inc.incident.id)
    finally:
        engine.dispose()


def test_attach_with_settings_snapshots_the_runbook_and_queues_its_checklist(world: World) -> None:
    attached = world.runbooks.attach(world.incident_id, "cache-outage", "U0BOB", settings={"cache_cluster": "blue"})
    assert attached.runbook.variables["cache_cluster"] == "blue"
    assert [a.runbook.id for a in world.runbooks.attached_for(world.incident_id)] == ["cache-outage"]
    (event,) = world.events()
    assert isinstance(event, RunbookAttached) and event.attached_id == attached.id
    assert world.kinds()[-1] == "runbook_attached"


@pytest.mark.parametrize(
    ("runbook_id", "settings", "problem"),
    [
        ("no-such-runbook", None, "There is no runbook `no-such-runbook`"),
        ("cache-outage", {"colour": "blue"}, "has no variable `colour`.*Nothing was attached"),
    ],
)
def test_a_refused_attach_changes_nothing(
    world: World, runbook_id: str, settings: dict[str, str] | None, problem: str
) -> None:
    before = world.kinds()
    with pytest.raises(UserError, match=problem):
        world.runbooks.attach(world.incident_id, runbook_id, "U0BOB", settings=settings)
    assert world.runbooks.attached_for(world.incident_id) == []
    assert world.kinds() == before and world.events() == []


def test_attaching_twice_and_clicks_from_another_channel_are_refused(world: World) -> None:
    attached = world.runbooks.attach(world.incident_id, "cache-outage", "U0BOB")
    with pytest.raises(UserError, match="already attached"):
        world.runbooks.attach(world.incident_id, "cache-outage", "U0BOB")
    with pytest.raises(WrongChannel):
        world.runbooks.set_done(attached.id, "ping", "U0BOB", from_channel="C0ELSEWHERE")
    assert world.runbooks.get(attached.id).state("ping").done_by is None


def test_ticking_a_step_is_recorded_once_and_can_be_undone(world: World) -> None:
    attached = world.runbooks.attach(world.incident_id, "cache-outage", "U0BOB")
    view = world.runbooks.set_done(attached.id, "ping", "U0BOB", from_channel="C0INC")
    assert view.state("ping").done_by == "U0BOB"
    world.runbooks.set_done(attached.id, "ping", "U0CAROL")  # a second tick: no-op
    assert world.runbooks.get(attached.id).state("ping").done_by == "U0BOB"
    world.runbooks.set_done(attached.id, "ping", "U0BOB", done=False)
    assert world.runbooks.get(attached.id).state("ping").done_by is None
    assert [k for k in world.kinds() if k.startswith("runbook_step")] == ["runbook_step_done", "runbook_step_undone"]
    assert [type(e) for e in world.events()] == [RunbookAttached, RunbookRefresh, RunbookRefresh]
    with pytest.raises(UserError, match="has no step `nope`"):
        world.runbooks.set_done(attached.id, "nope", "U0BOB")
    with pytest.raises(UserError, match="not a step the bot can run"):
        world.runbooks.prepare_run(attached.id, "ping", "U0BOB")
