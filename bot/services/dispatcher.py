"""Delivers outbox messages in order per incident, retrying with backoff; safe across replicas."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from bot.logs import incident_scope
from bot.services.outbox import Delivery, GiveUp, Notifier, RetryLater
from bot.services.read_models import EntryView, entry_view, incident_view
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork
from bot.storage.models import Incident, OutboxMessage, TimelineEntry

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(seconds=120)
MAX_BACKOFF = 300.0
GIVE_UP_AFTER = timedelta(hours=24)


def backoff_seconds(attempts: int) -> float:
    """1, 2, 4 … seconds, at most five minutes."""
    return float(min(2 ** max(attempts - 1, 0), MAX_BACKOFF))


class OutboxDispatcher:
    """One per process. ``kick()`` after a commit; a thread also polls for retries and other replicas' work."""

    def __init__(
        self,
        uow: UnitOfWork,
        notifier: Notifier,
        clock: Callable[[], datetime],
        poll_seconds: float = 2.0,
        on_failed: Callable[[], None] = lambda: None,
    ) -> None:
        self.uow = uow
        self.on_failed = on_failed
        self.notifier = notifier
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._run_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="outbox-dispatcher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def kick(self) -> None:
        self._idle.clear()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                busy = self.run_once()
            except Exception:  # the loop must survive a database hiccup; it retries on the next tick
                log.exception("outbox dispatch failed")
                busy = False
            if not busy:
                self._idle.set()
                self._wake.wait(self.poll_seconds)

    # -- one pass ------------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Deliver every message that is due now; True if anything was delivered or retried."""
        with self._run_lock:
            did_work = False
            blocked: set[int | None] = set()
            for message_id, incident_id in self._candidates():
                if incident_id in blocked and incident_id is not None:
                    continue
                outcome = self._deliver_one(message_id)
                did_work = did_work or outcome != "skipped"
                if outcome in ("retry", "skipped") and incident_id is not None:
                    blocked.add(incident_id)  # keep this incident's messages in order
            return did_work

    def _candidates(self) -> list[tuple[int, int | None]]:
        with self.uow() as session:
            rows = session.execute(
                select(OutboxMessage.id, OutboxMessage.incident_id, OutboxMessage.next_attempt_at)
                .where(OutboxMessage.state == "pending")
                .order_by(OutboxMessage.id)
                .limit(500)
            ).all()
        now = self.clock()
        result: list[tuple[int, int | None]] = []
        waiting: set[int | None] = set()
        for mid, iid, due in rows:
            if iid is not None and iid in waiting:
                continue
            if due > now:
                waiting.add(iid)
                continue
            result.append((mid, iid))
        return result

    def _claim(self, message_id: int) -> bool:
        now = self.clock()
        with self.uow() as session:
            claimed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.state == "pending",
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                )
                .values(locked_by=self.worker_id, locked_until=now + CLAIM_FOR)
            )
            return bool(getattr(claimed, "rowcount", 0))

    def _deliver_one(self, message_id: int) -> str:
        if not self._claim(message_id):
            return "skipped"
        with self.uow() as session:
            msg = session.get(OutboxMessage, message_id)
            if msg is None:
                return "skipped"
            incident = repo.get_incident(session, msg.incident_id) if msg.incident_id else None
            view = incident_view(incident) if incident else None
            delivery = Delivery(
                event=msg.event,
                payload=dict(msg.payload or {}),
                progress=dict(msg.progress or {}),
                incident=view,
                load_entry=self._entry_loader(),
                load_entries=self._entries_loader(msg.incident_id),
            )
            created_at, attempts = msg.created_at, msg.attempts
        with incident_scope(view.ref if view else None):
            outcome, error, retry_after = "done", "", None
            try:
                self.notifier.deliver(delivery)
            except RetryLater as exc:
                outcome, error, retry_after = "retry", str(exc), exc.after_seconds
            except GiveUp as exc:
                outcome, error = "dead", str(exc)
            except Exception as exc:  # a bug in a handler: keep the message, report loudly, retry later
                log.exception("outbox handler crashed on %s #%s", delivery.event, message_id)
                outcome, error = "retry", f"{type(exc).__name__}: {exc}"
            now = self.clock()
            if outcome == "retry" and now - created_at > GIVE_UP_AFTER:
                outcome = "dead"
            self._record(message_id, delivery, outcome, error, retry_after, attempts + 1, now)
            if outcome == "dead":
                self.on_failed()
        return outcome

    def _record(
        self,
        message_id: int,
        delivery: Delivery,
        outcome: str,
        error: str,
        retry_after: float | None,
        attempts: int,
        now: datetime,
    ) -> None:
        with self.uow() as session:
            msg = session.get(OutboxMessage, message_id)
            if msg is None:
                return
            if delivery.incident_patch and msg.incident_id:
                incident = session.get(Incident, msg.incident_id)
                if incident is not None:
                    for key, value in delivery.incident_patch.items():
                        setattr(incident, key, value)
            for entry_id, fields in delivery.entry_patches.items():
                entry = session.get(TimelineEntry, entry_id)
                if entry is not None:
                    for key, value in fields.items():
                        setattr(entry, key, value)
            msg.progress = dict(delivery.progress)
            msg.attempts = attempts
            msg.locked_by, msg.locked_until = None, None
            if outcome == "done":
                msg.state, msg.delivered_at, msg.last_error = "done", now, ""
            elif outcome == "dead":
                msg.state, msg.last_error = "dead", error
                log.error("giving up on %s #%s: %s", msg.event, message_id, error)
            else:
                delay = retry_after if retry_after is not None else backoff_seconds(attempts)
                msg.next_attempt_at = now + timedelta(seconds=delay)
                msg.last_error = error
                log.warning("will retry %s #%s in %.0fs: %s", msg.event, message_id, delay, error)

    def _entry_loader(self) -> Callable[[int], EntryView | None]:
        def load(entry_id: int) -> EntryView | None:
            with self.uow() as session:
                entry = session.get(TimelineEntry, entry_id)
                return entry_view(entry) if entry else None

        return load

    def _entries_loader(self, incident_id: int | None) -> Callable[[], list[EntryView]]:
        def load() -> list[EntryView]:
            if incident_id is None:
                return []
            with self.uow() as session:
                return [entry_view(e) for e in repo.timeline(session, incident_id)]

        return load

    # -- for tests and shutdown ----------------------------------------------------------------
    def pending_count(self) -> int:
        with self.uow() as session:
            return len(
                session.execute(select(OutboxMessage.id).where(OutboxMessage.state == "pending")).all()
            )
