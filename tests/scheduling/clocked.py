"""The use cases and job bodies on a real database with a controllable clock: firing decisions without waiting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.events import OutboxEvent, decode
from bot.playbooks.loader import Playbooks, load_playbooks
from bot.playbooks.oncall import OnCall
from bot.scheduling.job_kinds import JobKinds
from bot.services.context import ServiceContext
from bot.services.escalation import EscalationService, FirstPage
from bot.services.incidents import IncidentService
from bot.services.read_models import IncidentView
from bot.services.reminders import ReminderService
from bot.storage import migrate, schedule
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import OutboxMessage
from bot.storage.scheduling_models import EffectFired

PLAYBOOKS = load_playbooks(Path(__file__).parent / "clocked_playbooks")
# A Monday, 10:00 UTC: U0CAROL is on the hourly schedule until 11:00, then U0DAVE.
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Clock:
    """Now, as the code under test sees it; moves only when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


@dataclass
class Scheduled:
    """One bot's use cases and one scheduler's job bodies sharing a database, on a clock the test drives."""

    clock: Clock
    uow: UnitOfWork
    playbooks: Playbooks
    hooks_run: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        ctx = ServiceContext(uow=self.uow, playbooks=self.playbooks, clock=self.clock)
        ctx.after_commit.append(lambda: self.hooks_run.append("after_commit"))
        self.ctx = ctx
        self.incidents = IncidentService(ctx, FirstPage(self.oncall))
        self.escalation = EscalationService(ctx, self.oncall)
        self.reminders = ReminderService(ctx)
        self.jobs = self.new_scheduler()

    def oncall(self) -> OnCall:
        return self.playbooks.oncall

    def new_scheduler(self) -> JobKinds:
        """The job bodies of a freshly started scheduler (another process, or this one after a restart)."""
        return JobKinds(self.uow, self.oncall, self.clock)

    def declare(self, title: str = "SEV1 payments down", reporter: str = "U0ALICE") -> IncidentView:
        severity_word, _, rest = title.partition(" ")
        return self.incidents.declare(
            reporter_id=reporter, severity=self.playbooks.severities.get(severity_word), title=rest
        ).incident

    # -- what the runner does ------------------------------------------------------------------
    def due(self) -> dict[str, datetime]:
        """Job id -> due time, as the runner would schedule them now (after starting and stopping chains)."""
        self.jobs.reconcile()
        return {d.job_id: d.due_at for d in self.jobs.due_times()}

    def run_due(self) -> list[str]:
        """Fire every job due by now, as the runner does; the ids of the jobs that fired."""
        fired = []
        for job_id, due_at in sorted(self.due().items(), key=lambda item: item[1]):
            if due_at <= self.clock():
                kind, _, incident_id = job_id.partition(":")
                if self.jobs.fire(kind, int(incident_id)):
                    fired.append(job_id)
        return fired

    def run_until(self, moment: datetime, step: timedelta = timedelta(seconds=30)) -> list[tuple[datetime, str]]:
        """Move the clock on in ``step``s up to ``moment``, firing what falls due; ``(when, job id)`` fired."""
        fired: list[tuple[datetime, str]] = []
        while self.clock() < moment:
            self.clock.set(min(self.clock() + step, moment))
            fired += [(self.clock(), job_id) for job_id in self.run_due()]
        return fired

    # -- what was written ----------------------------------------------------------------------
    def events(self, incident_id: int, kind: type[OutboxEvent] | None = None) -> list[Any]:
        with self.uow() as session:
            rows = session.query(OutboxMessage).filter_by(incident_id=incident_id).order_by(OutboxMessage.id)
            found = [decode(m.event, m.payload) for m in rows]
        return [e for e in found if kind is None or isinstance(e, kind)]

    def timeline(self, incident_id: int, *kinds: str) -> list[tuple[str, str | None, str, dict[str, Any], datetime]]:
        with self.uow() as session:
            return [
                (e.kind, e.actor_id, e.text, dict(e.data), e.occurred_at)
                for e in repo.timeline(session, incident_id)
                if not kinds or e.kind in kinds
            ]

    def effects(self, incident_id: int, kind: str) -> list[tuple[datetime, datetime]]:
        """``(due_at, fired_at)`` of the incident's ``kind`` effects, by due time."""
        with self.uow() as session:
            rows = (
                session.query(EffectFired)
                .filter_by(incident_id=incident_id, kind=kind)
                .order_by(EffectFired.due_at)
            )
            return [(r.due_at, r.fired_at) for r in rows]

    def chain(self, incident_id: int) -> tuple[str, int, int, datetime | None]:
        """``(state, cycle, level, next_due_at)`` of the incident's chain."""
        with self.uow() as session:
            chain = schedule.chain_of(session, incident_id)
            assert chain is not None, "the incident has no chain"
            return chain.state, chain.cycle, chain.level, chain.next_due_at


@contextmanager
def scheduled(database_url: str) -> Iterator[Scheduled]:
    """A migrated database with the clocked playbooks, its clock at ``START``."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    try:
        yield Scheduled(Clock(), UnitOfWork(make_session_factory(engine)), PLAYBOOKS)
    finally:
        engine.dispose()


@pytest.fixture
def clocked(database_url: str) -> Iterator[Scheduled]:
    with scheduled(database_url) as world:
        yield world
