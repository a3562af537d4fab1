"""The metrics report on SQLite and PostgreSQL: incidents driven through the use cases at a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from bot.domain.status import Status
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.errors import UserError
from bot.services.incidents import IncidentService
from bot.services.postmortems import PostmortemService
from bot.services.reporting import FIELDS, PRIVATE_TITLE, build_report, report_rows
from bot.storage import followups, migrate
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import Incident

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # ISO week 48
END = datetime(2026, 12, 7, tzinfo=UTC)  # the Monday of ISO week 50, midnight
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass
class World:
    engine: Engine
    uow: UnitOfWork
    service: IncidentService
    now: list[datetime] = field(default_factory=lambda: [MONDAY])

    def at(self, moment: datetime) -> None:
        self.now[0] = moment

    def declare(self, severity: str, title: str, at: datetime) -> int:
        self.at(at)
        return self.service.declare(
            reporter_id="U0ALICE", severity=PLAYBOOKS.severities.get(severity), title=title
        ).incident.id


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    uow = UnitOfWork(make_session_factory(engine))
    now = [MONDAY]
    service = IncidentService(ServiceContext(uow, PLAYBOOKS, clock=lambda: now[0]))
    yield World(engine, uow, service, now)
    engine.dispose()


def _story(w: World) -> dict[str, int]:
    """Four incidents over two ISO weeks: one SEV1 by the book, one reopened, one never acknowledged, a SEV2."""
    s = w.service
    a = w.declare("SEV1", "Payments down", MONDAY)
    w.at(MONDAY + 4 * MIN)
    s.acknowledge(a, "U0BOB")
    w.at(MONDAY + 10 * MIN)
    s.post_update(a, "U0BOB", "Found it", Status.IDENTIFIED)
    w.at(MONDAY + 20 * MIN)
    s.post_update(a, "U0BOB", "Fix deployed", Status.MONITORING)
    w.at(MONDAY + 30 * MIN)
    s.resolve(a, "U0BOB", "Fixed")  # its post-mortem is due 24 h later
    reviews = PostmortemService(s.ctx, lambda: None, str)  # type: ignore[arg-type,return-value]
    w.at(MONDAY + 2 * HOUR)
    reviews.done(a, "U0ALICE", "https://wiki.example.com/pm/1")

    b = w.declare("SEV1", "Login errors", MONDAY + timedelta(days=1))
    w.at(MONDAY + timedelta(days=1, minutes=2))
    s.acknowledge(b, "U0BOB")
    w.at(MONDAY + timedelta(days=1, minutes=12))
    s.resolve(b, "U0BOB", "Restarted")
    w.at(MONDAY + timedelta(days=1, hours=2))
    s.reopen(b, "U0BOB", "Back again")
    w.at(MONDAY + timedelta(days=1, hours=2, minutes=10))
    s.post_update(b, "U0BOB", "Looking", Status.MONITORING)
    w.at(MONDAY + timedelta(days=1, hours=3))
    s.resolve(b, "U0BOB", "Really fixed")
    w.at(MONDAY + timedelta(days=1, hours=4))
    reviews.skip(b, "U0ALICE", "Same cause as the first one")

    c = w.declare("SEV2", "Slow search", MONDAY + timedelta(days=8))  # ISO week 49
    w.at(MONDAY + timedelta(days=8, minutes=50))  # 50 min of silence on a 30 min cadence
    s.post_update(c, "U0CAROL", "Still looking", Status.MONITORING)
    w.at(MONDAY + timedelta(days=8, hours=1))
    s.resolve(c, "U0CAROL", "Reindexed")  # its post-mortem, due 48 h later, is never written

    d = w.declare("SEC", "Leaked key", MONDAY + timedelta(days=9))
    with w.uow() as session:
        session.execute(update(Incident).where(Incident.id == d).values(private=True))
        row = repo.get_incident(session, a)
        assert row is not None
        followups.add(session, row, "Alert", owner_id="U0BOB", due_on=date(2026, 11, 25), created_by="U0BOB",
                      at=MONDAY + timedelta(hours=1))
        followups.add(session, row, "Runbook", owner_id=None, due_on=None, created_by="U0BOB",
                      at=MONDAY + timedelta(hours=1))
    return {"a": a, "b": b, "c": c, "d": d}


def test_report_by_severity_and_week(world: World) -> None:
    _story(world)
    since, until = MONDAY, END
    report = build_report(world.uow, since, until)
    assert report.severities == ("SEV1", "SEV2", "SEC")
    sev1, sev2, sec = report.by_severity
    assert (sev1.incidents, sev1.resolved, sev1.reopened) == (2, 2, 1)
    assert (sev1.acknowledge.median, sev1.acknowledge.p90) == (3 * MIN, 4 * MIN)
    assert (sev1.mitigate.median, sev1.mitigate.p90) == (16 * MIN, 20 * MIN)  # 20 min, and 12 (resolved at once)
    assert (sev1.resolve.median, sev1.resolve.p90) == (105 * MIN, 180 * MIN)  # 30 min, and 3 h (final resolution)
    assert (sev2.acknowledge.count, sev2.acknowledge.median) == (0, None)
    assert (sev2.mitigate.median, sev2.resolve.median) == (50 * MIN, 60 * MIN)
    assert (sev2.cadence.on_time, sev2.cadence.windows) == (2, 3)  # missed at 30 min, then in time twice
    assert (sec.incidents, sec.resolved, sec.resolve.count) == (1, 0, 0)
    assert report.total.incidents == 4 and report.total.resolve.count == 3
    assert (sev1.follow_ups.opened, sev1.follow_ups.closed, sev1.follow_ups.overdue) == (2, 0, 1)
    assert report.total.follow_ups == sev1.follow_ups
    assert [w.week for w in report.weeks] == ["2026-W48", "2026-W49"]
    assert report.weeks[0].incidents == (("SEV1", 2), ("SEV2", 0), ("SEC", 0))
    assert report.weeks[1].incidents == (("SEV1", 0), ("SEV2", 1), ("SEC", 1))
    assert (report.weeks[0].resolve_median, report.weeks[1].resolve_median) == (105 * MIN, 60 * MIN)
    assert (sev1.postmortems.due, sev1.postmortems.done, sev1.postmortems.skipped) == (2, 1, 1)
    assert (sev2.postmortems.due, sev2.postmortems.share, sec.postmortems.due) == (1, 0.0, 0)
    assert report.total.postmortems.share == 2 / 3


def test_private_incidents_are_counted_never_titled(world: World) -> None:
    _story(world)
    report = build_report(world.uow, MONDAY, END)
    titles = {line.ref: line.title for line in report.incidents}
    assert len(titles) == 4 and PRIVATE_TITLE in titles.values()
    assert "Leaked key" not in repr(report) and "Leaked key" not in repr(report_rows(report))
    assert "Payments down" in titles.values()


def test_events_after_the_end_are_ignored_and_severity_filters(world: World) -> None:
    ids = _story(world)
    # Until an hour into day 1: the second SEV1 was resolved at 12 min, its reopen and final fix came later.
    report = build_report(world.uow, MONDAY, MONDAY + timedelta(days=1, hours=1), severity="SEV1")
    (sev1,) = report.by_severity
    assert sev1.incidents == 2 and sev1.reopened == 0
    assert sorted(line.time_to_resolve for line in report.incidents) == [12 * MIN, 30 * MIN]
    assert ids["c"] not in {line.ref for line in report.incidents}
    later = build_report(world.uow, MONDAY + timedelta(days=1, hours=1), END)  # both SEV1s declared before
    assert later.severities == ("SEV1", "SEV2", "SEC") and later.by_severity[0].incidents == 0
    assert later.by_severity[0].postmortems.due == 1 and later.by_severity[0].postmortems.skipped == 1
    only = build_report(world.uow, MONDAY, END, severity="SEV2")
    assert only.severities == ("SEV2",) and only.total.incidents == 1
    assert only.total.follow_ups.opened == 0


def test_rows_have_the_same_fields_for_every_severity(world: World) -> None:
    _story(world)
    rows = report_rows(build_report(world.uow, MONDAY, END))
    assert [r["severity"] for r in rows] == ["SEV1", "SEV2", "SEC", "all"]
    assert all(tuple(r) == FIELDS for r in rows)
    assert rows[0]["ttr_p90_seconds"] == 3 * 3600 and rows[1]["on_cadence_share"] == 0.6667
    assert rows[-1]["incidents"] == 4 and rows[-1]["followups_overdue"] == 1
    assert (rows[0]["postmortems_due"], rows[0]["postmortem_completion"]) == (2, 1.0)
    assert (rows[-1]["postmortems_done"], rows[-1]["postmortems_skipped"], rows[-1]["postmortem_completion"]) == (
        1,
        1,
        0.6667,
    )


def test_an_empty_range_is_an_empty_report(world: World) -> None:
    report = build_report(world.uow, MONDAY, MONDAY + timedelta(days=7))
    assert report.empty and report.by_severity == () and report.total.resolve.median is None
    assert [w.week for w in report.weeks] == ["2026-W48", "2026-W49"]  # 09:00 to 09:00 a week later
    assert report.weeks[0].incidents == ()
    with pytest.raises(UserError):
        build_report(world.uow, MONDAY, MONDAY)


def test_a_few_queries_whatever_the_number_of_incidents(world: World) -> None:
    for n in range(12):
        i = world.declare("SEV2", f"Incident {n}", MONDAY + n * timedelta(hours=3))
        world.at(MONDAY + n * timedelta(hours=3) + 5 * MIN)
        world.service.resolve(i, "U0BOB", "done")
    statements: list[Any] = []
    event.listen(world.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    report = build_report(world.uow, MONDAY, MONDAY + timedelta(days=7))
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert report.total.incidents == 12 and len(selects) <= 4, selects
