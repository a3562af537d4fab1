"""The outbox table keeps every event kind as written; the unit of work runs its after-commit hooks itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.domain.events import decode
from bot.storage import migrate, outbox
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import OutboxMessage
from tests.domain.test_events import EXAMPLES


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_every_event_kind_round_trips_through_the_outbox_table(engine: Engine) -> None:
    uow = UnitOfWork(make_session_factory(engine))
    with uow() as session:
        for event in EXAMPLES:
            outbox.enqueue(session, None, event)
    with uow() as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        assert [r.event for r in rows] == [e.kind for e in EXAMPLES]  # the kind string stays in its column
        assert [decode(r.event, r.payload) for r in rows] == EXAMPLES
        assert outbox.kinds(session) == [e.kind for e in EXAMPLES]
        assert outbox.pending_count(session) == len(EXAMPLES)


def test_hooks_run_after_a_commit_that_wrote_and_never_after_a_read_or_a_rollback(engine: Engine) -> None:
    ran: list[str] = []
    hooks = [lambda: ran.append("kick")]
    uow = UnitOfWork(make_session_factory(engine)).with_hooks(hooks)
    hooks.append(lambda: ran.append("wake"))  # hooks added after the unit of work was built run too
    with uow() as session:
        repo.claim_request(session, "k1")
    assert ran == ["kick", "wake"]
    with uow() as session:
        assert repo.open_incidents(session) == []
    assert ran == ["kick", "wake"]
    with pytest.raises(RuntimeError), uow() as session:
        repo.claim_request(session, "k2")
        raise RuntimeError("the use case failed")
    assert ran == ["kick", "wake"]
    with uow() as session:
        assert repo.claim_request(session, "k2")  # the failed one left nothing behind
    assert ran == ["kick", "wake"] * 2


def test_a_failing_hook_does_not_undo_the_commit_or_skip_the_other_hooks(engine: Engine) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise ConnectionError("redis is down")

    uow = UnitOfWork(make_session_factory(engine), [broken, lambda: ran.append("kick")])
    with uow() as session:
        repo.claim_request(session, "k1")
    assert ran == ["kick"]
    with uow() as session:
        assert not repo.claim_request(session, "k1")  # committed
