"""``incident-bot outbox list`` and ``outbox retry``: what an operator sees of undelivered Slack effects."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.storage import outbox
from bot.storage.db import UnitOfWork, make_engine, make_session_factory

STATE_NAMES = {"pending": "pending", "dead": "failed", "done": "delivered"}
HEADERS = ("ID", "KIND", "INCIDENT", "STATE", "ATTEMPTS", "AGE", "LAST ERROR")
ERROR_WIDTH = 80


@contextmanager
def _session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(make_session_factory(engine))() as session:
            yield session
    finally:
        engine.dispose()


def table(rows: Sequence[Sequence[str]]) -> str:
    """A plain text table: columns padded to their widest cell, the last one left ragged."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= ERROR_WIDTH else flat[: ERROR_WIDTH - 1] + "…"


def list_outbox(database_url: str, states: tuple[str, ...], now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    try:
        with _session(database_url) as session:
            rows = outbox.listing(session, states)
    except SQLAlchemyError as exc:
        print(f"incident-bot: cannot read the outbox: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    what = " or ".join(STATE_NAMES[s] for s in states)
    if not rows:
        print(f"no {what} outbox messages")
        return 0
    cells = [HEADERS] + [
        (
            str(r.id),
            r.kind,
            r.incident_ref or "-",
            STATE_NAMES.get(r.state, r.state),
            str(r.attempts),
            format_duration(now - r.created_at.astimezone(UTC)),
            _one_line(r.last_error) or "-",
        )
        for r in rows
    ]
    print(table(cells))
    print(f"\n{len(rows)} {what} message(s); `incident-bot outbox retry ID` sends a failed one again")
    return 0


def retry_outbox(database_url: str, message_id: int, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    try:
        with _session(database_url) as session:
            before = outbox.requeue(session, message_id, now)
    except SQLAlchemyError as exc:
        print(f"incident-bot: cannot read the outbox: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    if before is None:
        print(f"incident-bot: there is no outbox message #{message_id}; see `incident-bot outbox list`", file=sys.stderr)
        return 1
    if before == "pending":
        print(f"outbox message #{message_id} is already queued; nothing changed")
        return 0
    if before != "dead":
        print(
            f"incident-bot: outbox message #{message_id} was already delivered; nothing to retry", file=sys.stderr
        )
        return 1
    print(f"outbox message #{message_id} queued again; a running bot delivers it within seconds")
    return 0
