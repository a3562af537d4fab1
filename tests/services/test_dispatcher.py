"""The outbox dispatcher on its own: order per incident, retries with backoff, giving up, unreadable rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.events import DeliveryFailed, IncidentUpdated, NoteAdded, OutboxEvent
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.dispatcher import CLAIM_FOR, OutboxDispatcher
from bot.services.incidents import IncidentService
from bot.services.outbox import Delivery, GiveUp, RetryLater
from bot.storage import migrate, outbox
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import OutboxMessage

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")


@dataclass
class Recorder:
    """A notifier that records what it is handed and behaves as each test scripts it."""

    behave: Callable[[Delivery], None] = lambda d: None
    seen: list[tuple[str, int | None, OutboxEvent]] = field(default_factory=list)

    def deliver(self, delivery: Delivery) -> None:
        self.seen.append((delivery.kind, delivery.incident.id if delivery.incident else None, delivery.event))
        self.behave(delivery)


@dataclass
class World:
    now: list[datetime]
    uow: UnitOfWork
    incidents: IncidentService
    notifier: Recorder
    dispatcher: OutboxDispatcher
    failed: list[int]

    def advance(self, seconds: float) -> None:
        self.now[0] += timedelta(seconds=seconds)

    def rows(self, *, notices: bool = False) -> list[tuple[str, str, int, str]]:
        """Every outbox row in order; failure notices only when asked for."""
        with self.uow() as session:
            return [
                (m.event, m.state, m.attempts, m.last_error)
                for m in session.query(OutboxMessage).order_by(OutboxMessage.id)
                if notices or m.event != DeliveryFailed.kind
            ]

    def notices(self) -> list[tuple[str, DeliveryFailed]]:
        """The failure notices queued: their state and event."""
        with self.uow() as session:
            rows = session.query(OutboxMessage).filter_by(event=DeliveryFailed.kind).order_by(OutboxMessage.id)
            return [(m.state, DeliveryFailed.from_payload(m.payload)) for m in rows]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    # Rows are queued "now" by the database default, so the test's clock starts a moment after the real one.
    now = [datetime.now(UTC) + timedelta(seconds=1)]
    uow = UnitOfWork(make_session_factory(engine))
    notifier = Recorder()
    failed: list[int] = []
    dispatcher = OutboxDispatcher(uow, notifier, lambda: now[0], on_failed=lambda: failed.append(1))
    incidents = IncidentService(ServiceContext(uow=uow, playbooks=PLAYBOOKS, clock=lambda: now[0]))
    try:
        yield World(now, uow, incidents, notifier, dispatcher, failed)
    finally:
        engine.dispose()


def _declare(world: World, title: str) -> int:
    sev = PLAYBOOKS.severities.get("SEV3")
    return world.incidents.declare(reporter_id="U0ALICE", severity=sev, title=title).incident.id


def test_messages_are_delivered_once_in_order_with_their_typed_event(world: World) -> None:
    first = _declare(world, "one")
    world.incidents.add_note(first, "U0BOB", "a note")
    assert world.dispatcher.run_once()
    assert [(kind, iid) for kind, iid, _ in world.notifier.seen] == [
        ("incident.declared", first), ("incident.note_added", first)
    ]
    assert isinstance(world.notifier.seen[1][2], NoteAdded)
    assert not world.dispatcher.run_once()  # nothing left: nothing delivered twice
    assert [state for _, state, _, _ in world.rows()] == ["done", "done"]
    assert world.dispatcher.pending_count() == 0


def test_a_retry_holds_back_that_incidents_later_messages_only_and_keeps_their_progress(world: World) -> None:
    held, other = _declare(world, "held"), _declare(world, "other")
    world.incidents.post_update(held, "U0BOB", "looking")

    def rate_limited_once(d: Delivery) -> None:
        first_try = not d.done("card")
        if d.incident is not None and d.incident.id == held and d.kind == "incident.declared" and first_try:
            d.mark("card", "1.1")  # a step that did happen before the failure
            raise RetryLater("ratelimited", after_seconds=7)

    world.notifier.behave = rate_limited_once
    world.dispatcher.run_once()
    assert [(kind, iid) for kind, iid, _ in world.notifier.seen] == [
        ("incident.declared", held), ("incident.declared", other)
    ]
    assert world.rows()[0][:3] == ("incident.declared", "pending", 1)
    world.advance(6)
    world.dispatcher.run_once()
    assert len(world.notifier.seen) == 2  # Retry-After not over yet: the update waits behind it
    world.advance(1)
    world.dispatcher.run_once()
    assert [(kind, iid) for kind, iid, _ in world.notifier.seen[2:]] == [
        ("incident.declared", held), ("incident.updated", held)
    ]
    assert isinstance(world.notifier.seen[3][2], IncidentUpdated)
    with world.uow() as session:
        first = session.query(OutboxMessage).order_by(OutboxMessage.id).first()
        assert first is not None and first.progress["card"] == "1.1" and first.state == "done"


def test_refusals_are_set_aside_and_crashes_retried_until_a_day_has_passed(world: World) -> None:
    inc = _declare(world, "refused")

    def refuse(d: Delivery) -> None:
        raise GiveUp("channel_not_found")

    world.notifier.behave = refuse
    world.dispatcher.run_once()
    assert world.rows() == [("incident.declared", "dead", 1, "channel_not_found")]
    assert world.failed == [1]
    ((state, notice),) = world.notices()
    assert state == "pending" and (notice.failed_kind, notice.error) == ("incident.declared", "channel_not_found")
    world.dispatcher.run_once()  # the notice is refused as well: counted, and never noticed in turn
    assert [state for state, _ in world.notices()] == ["dead"]
    assert len(world.rows(notices=True)) == 2
    assert world.failed == [1, 1]

    world.incidents.add_note(inc, "U0BOB", "note")

    def crash(d: Delivery) -> None:
        raise KeyError("a bug")

    world.notifier.behave = crash
    world.dispatcher.run_once()
    assert world.rows()[1][:3] == ("incident.note_added", "pending", 1)
    world.advance(1)  # backoff: 1 s after the first attempt, then 2, 4…
    world.dispatcher.run_once()
    assert world.rows()[1][:3] == ("incident.note_added", "pending", 2)
    world.advance(timedelta(hours=24, seconds=5).total_seconds())
    world.dispatcher.run_once()
    assert world.rows()[1][:2] == ("incident.note_added", "dead")
    assert "KeyError" in world.rows()[1][3]
    assert world.failed == [1, 1, 1]
    assert [(n.failed_kind, n.message_id) for _, n in world.notices()][1:] == [("incident.note_added", 3)]


def test_a_row_that_cannot_be_read_is_set_aside_without_reaching_the_notifier(world: World) -> None:
    inc = _declare(world, "unreadable")
    world.dispatcher.run_once()
    with world.uow() as session:
        session.add(OutboxMessage(event="incident.exploded", incident_id=inc, payload={}))
        outbox.enqueue(session, inc, NoteAdded(entry_id=1))
    seen = len(world.notifier.seen)
    world.dispatcher.run_once()
    rows = world.rows()
    assert rows[1] == ("incident.exploded", "dead", 1, "unknown outbox event 'incident.exploded'")
    assert rows[2][:2] == ("incident.note_added", "done")  # the incident's later messages still go out
    assert [kind for kind, _, _ in world.notifier.seen[seen:]] == ["incident.note_added"]
    assert world.failed == [1]
    ((_, notice),) = world.notices()
    assert (notice.failed_kind, notice.error) == ("incident.exploded", "unknown outbox event 'incident.exploded'")


def test_what_the_notifier_learned_is_written_back(world: World) -> None:
    inc = _declare(world, "patched")

    def learn(d: Delivery) -> None:
        d.patch_incident(channel_id="C0NEW", channel_name="incident-patched")
        with world.uow() as session:
            entry = repo.timeline(session, inc)[0]
        d.patch_entry(entry.id, channel_ts="9.9", permalink="https://slack.test/p")

    world.notifier.behave = learn
    world.dispatcher.run_once()
    view = world.incidents.get(inc)
    assert (view.channel_id, view.channel_name) == ("C0NEW", "incident-patched")
    with world.uow() as session:
        entry = repo.timeline(session, inc)[0]
        assert (entry.channel_ts, entry.permalink) == ("9.9", "https://slack.test/p")


def test_a_dead_workers_claim_holds_its_message_only_until_the_claim_lapses(world: World) -> None:
    _declare(world, "claimed by a process that was killed")
    with world.uow() as session:
        (mid, _, _, _), = outbox.pending(session)
        assert outbox.claim(session, mid, "killed-replica", world.now[0], world.now[0] + CLAIM_FOR)
    assert not world.dispatcher.run_once()
    world.advance(CLAIM_FOR.total_seconds() - 1)
    assert not world.dispatcher.run_once()  # still claimed: never delivered by two workers at once
    world.advance(2)
    assert world.dispatcher.run_once()
    assert [kind for kind, _, _ in world.notifier.seen] == ["incident.declared"]
    assert CLAIM_FOR.total_seconds() <= 30  # a killed replica holds an incident up for seconds, not minutes


def test_a_slow_delivery_keeps_its_claim_while_it_runs(world: World) -> None:
    _declare(world, "slow slack")
    other = OutboxDispatcher(world.uow, Recorder(), lambda: world.now[0])
    stolen: list[bool] = []
    renewed: list[int] = []

    def slow(d: Delivery) -> None:
        for _ in range(3):  # a delivery taking three claim periods, renewed as the dispatch thread does
            world.advance(CLAIM_FOR.total_seconds() * 0.6)
            renewed.append(world.dispatcher.renew_claims(force=True))
            world.advance(CLAIM_FOR.total_seconds() * 0.4)
            stolen.append(other.run_once())

    world.notifier.behave = slow
    assert world.dispatcher.run_once()
    assert renewed == [1, 1, 1] and stolen == [False, False, False]
    assert [state for _, state, _, _ in world.rows()] == ["done"]
    assert world.dispatcher.renew_claims(force=True) == 0  # nothing held once delivered


def test_a_failure_notice_is_not_held_behind_its_incidents_stuck_messages(world: World) -> None:
    inc = _declare(world, "stuck behind a dead declaration")
    world.incidents.add_note(inc, "U0BOB", "waits for a channel that never comes")

    def channel_refused(d: Delivery) -> None:
        if d.kind == "incident.declared":
            raise GiveUp("conversations.create failed: restricted_action", "restricted_action")
        if d.kind == "incident.note_added":
            raise RetryLater("incident channel not created yet")

    world.notifier.behave = channel_refused
    world.dispatcher.run_once()  # the declaration dies; the note starts retrying
    world.dispatcher.run_once()
    assert world.rows()[1][:2] == ("incident.note_added", "pending")
    assert [(state, n.failed_kind, n.code) for state, n in world.notices()] == [
        ("done", "incident.declared", "restricted_action")
    ]


def test_a_requeued_row_keeps_its_done_steps_and_gets_a_fresh_day_of_retries(world: World) -> None:
    _declare(world, "requeued a day later")

    def card_then_refused(d: Delivery) -> None:
        d.mark("card", "1.1")
        raise GiveUp("chat.postMessage failed: channel_not_found", "channel_not_found")

    world.notifier.behave = card_then_refused
    world.dispatcher.run_once()
    with world.uow() as session:
        (mid,) = [m.id for m in session.query(OutboxMessage).filter_by(state="dead")]
    world.advance(timedelta(days=2).total_seconds())
    with world.uow() as session:
        assert outbox.requeue(session, mid, world.now[0]) == "dead"
    with world.uow() as session:
        assert outbox.requeue(session, mid, world.now[0]) == "pending"  # twice is once

    def rate_limited(d: Delivery) -> None:
        if d.kind == "incident.declared":
            assert d.done("card")  # the step done before the failure is not redone
            raise RetryLater("ratelimited", after_seconds=1)

    world.notifier.behave = rate_limited
    world.dispatcher.run_once()
    assert world.rows()[0][:3] == ("incident.declared", "pending", 1)  # not given up at once: two days old
    world.notifier.behave = lambda d: None
    world.advance(1)
    world.dispatcher.run_once()
    assert world.rows()[0][:2] == ("incident.declared", "done")
