"""Delivers outbox messages in order per incident, incidents side by side, with backoff; safe across replicas.

Over 300 lines because claiming, lanes, delivery, retry and set-aside share one transaction discipline that
reads best in one place.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.domain.events import DeliveryFailed, MalformedEvent, StakeholderNotice, StatuspageSync, decode
from bot.domain.followups import FollowUpView
from bot.logs import OutageLog, incident_scope
from bot.services.failures import report_failure
from bot.services.lanes import Lanes
from bot.services.outbox import Delivery, GiveUp, Notifier, RetryLater
from bot.services.read_models import EntryView, entry_view, incident_view
from bot.storage import followups as follow_ups
from bot.storage import outbox
from bot.storage import repositories as repo
from bot.storage.db import DatabaseUnavailable, UnitOfWork

log = logging.getLogger(__name__)

# A claim is short and renewed while its delivery runs, so a replica killed mid-delivery holds up its
# incident's messages for seconds, not minutes; a live one never loses a slow delivery to another replica.
CLAIM_FOR = timedelta(seconds=15)
RENEW_EVERY = 5.0
MAX_BACKOFF = 300.0
GIVE_UP_AFTER = timedelta(hours=24)
RECORD_RETRY_SECONDS = 1.0


def backoff_seconds(attempts: int) -> float:
    """1, 2, 4 … seconds, at most five minutes."""
    return float(min(2 ** max(attempts - 1, 0), MAX_BACKOFF))


LaneKey = int | tuple[str, int]
# Kinds delivered in a lane of their own per incident: calls to an outside service (Atlassian Statuspage,
# the stakeholder SNS topic) whose outage or rate limit must not hold up the incident's Slack messages.
OWN_LANES = frozenset({StatuspageSync.kind, StakeholderNotice.kind})



class OutboxDispatcher:
    """One per process. ``kick()`` after a commit; a thread also polls for retries and other replicas' work.

    Each incident's messages go through its own lane (``Lanes``): strictly in order, one at a time, while
    other incidents' lanes run alongside, so a slow or stalled Slack call for one incident never delays
    another's. Claims (``locked_by``/``locked_until``) keep replicas from delivering the same message, and
    a lane stops at the first message it cannot claim, so order holds across replicas too. The dispatch
    thread renews the claims of running deliveries every few seconds; a dead process's claims lapse.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        notifier: Notifier,
        clock: Callable[[], datetime],
        poll_seconds: float = 2.0,
        on_failed: Callable[[], None] = lambda: None,
        workers: int = 8,
    ) -> None:
        self.uow = uow
        self.on_failed = on_failed
        self.notifier = notifier
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lanes = Lanes(workers, name="outbox", after=self.kick)
        self._lanes_waiting = False  # some incidents found no free worker on the last pass
        self._held: set[int] = set()  # messages this process has claimed and is delivering
        self._held_lock = threading.Lock()
        self._renewed_at = time.monotonic()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outage = OutageLog(log, "outbox: the database is unavailable; delivery resumes when it is back")

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="outbox-dispatcher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking work; let each running lane finish its current message (up to ``timeout``)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if not self.lanes.close(timeout):
            log.warning("outbox: deliveries still running at shutdown; their claims expire and they are retried")

    def kick(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.renew_claims()
                wait = self._start_due_lanes()
            except DatabaseUnavailable as exc:  # said once per outage; polling goes on until it is back
                self._outage.failed(exc)
                wait = self.poll_seconds
            except Exception:  # the loop must survive anything else too; it retries on the next tick
                log.exception("outbox dispatch failed")
                wait = self.poll_seconds
            else:
                self._outage.recovered("outbox: the database is reachable again; delivering")
            self._wake.wait(min(wait, RENEW_EVERY))

    def renew_claims(self, force: bool = False) -> int:
        """Extend the claims of the deliveries running here (every ``RENEW_EVERY`` s); how many were."""
        if not force and time.monotonic() - self._renewed_at < RENEW_EVERY:
            return 0
        self._renewed_at = time.monotonic()
        with self._held_lock:
            held = sorted(self._held)
        if not held:
            return 0
        with self.uow() as session:
            return outbox.extend_claims(session, held, self.worker_id, self.clock() + CLAIM_FOR)

    def _start_due_lanes(self) -> float:
        """Hand each incident with due messages to a free lane; the seconds until the next look."""
        lanes, next_due = self._due_lanes()
        running = self.lanes.running()
        self._lanes_waiting = False
        for key, message_ids in lanes.items():
            if key in running:
                continue  # its lane looks again when it finishes
            if not self.lanes.offer(key, functools.partial(self._run_lane, message_ids)):
                self._lanes_waiting = True  # every worker is busy: the next lane to finish looks again
                break
        if next_due is None:
            return self.poll_seconds
        return min(self.poll_seconds, max((next_due - self.clock()).total_seconds(), 0.05))

    def _run_lane(self, message_ids: list[int]) -> bool:
        """Deliver one incident's due messages in order; stop at one that must wait or is claimed elsewhere.

        True (look again once this lane is free) when something happened: more may have been queued
        meanwhile, a retry falls due later, or other incidents are waiting for a worker.
        """
        for message_id in message_ids:
            if self._stop.is_set():
                return False
            outcome = self._deliver_one(message_id)
            if outcome == "skipped":
                # Another replica holds it (or it is done): that replica goes on from there.
                return self._lanes_waiting
            if outcome == "retry":
                break
        return True

    # -- one pass ------------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Deliver every message that is due now, in this thread; True if anything was delivered or retried."""
        did_work = False
        for message_ids in self._due_lanes()[0].values():
            for message_id in message_ids:
                outcome = self._deliver_one(message_id)
                did_work = did_work or outcome != "skipped"
                if outcome in ("retry", "skipped"):
                    break  # keep this incident's messages in order
        return did_work

    def _due_lanes(self) -> tuple[dict[LaneKey, list[int]], datetime | None]:
        """Due message ids per incident (in order), and when the next not-yet-due message falls due."""
        with self.uow() as session:
            rows = outbox.pending(session)
        now = self.clock()
        lanes: dict[LaneKey, list[int]] = {}
        waiting: set[LaneKey] = set()
        next_due: datetime | None = None
        for mid, iid, due, kind in rows:
            # A failure notice goes out on its own: the incident's lane may be what is stuck.
            lane_of: LaneKey | None = None
            if kind in OWN_LANES and iid is not None:
                lane_of = (kind, iid)  # in order among themselves, beside the incident's Slack work
            elif kind != DeliveryFailed.kind:
                lane_of = iid
            if lane_of is not None and lane_of in waiting:
                continue
            if due > now:
                if lane_of is not None:
                    waiting.add(lane_of)
                next_due = due if next_due is None else min(next_due, due)
                continue
            key: LaneKey = lane_of if lane_of is not None else ("message", mid)
            lanes.setdefault(key, []).append(mid)
        return lanes, next_due

    def _claim(self, message_id: int) -> bool:
        now = self.clock()
        with self.uow() as session:
            return outbox.claim(session, message_id, self.worker_id, now, now + CLAIM_FOR)

    def _deliver_one(self, message_id: int) -> str:
        if not self._claim(message_id):
            return "skipped"
        with self._held_lock:
            self._held.add(message_id)
        try:
            return self._deliver_claimed(message_id)
        finally:
            with self._held_lock:
                self._held.discard(message_id)

    def _deliver_claimed(self, message_id: int) -> str:
        with self.uow() as session:
            msg = outbox.get(session, message_id)
            if msg is None:
                return "skipped"
            kind, attempts = msg.event, msg.attempts
            created_at = outbox.retries_since(msg)
            try:
                event = decode(msg.event, msg.payload)
            except MalformedEvent as exc:
                error = str(exc)
            else:
                error = ""
        if error:
            self._set_aside(message_id, attempts + 1, error)
            self.on_failed()
            return "dead"
        with self.uow() as session:
            msg = outbox.get(session, message_id)
            if msg is None:
                return "skipped"
            incident = repo.get_incident(session, msg.incident_id) if msg.incident_id else None
            view = incident_view(incident) if incident else None
            delivery = Delivery(
                event=event,
                progress=dict(msg.progress or {}),
                incident=view,
                load_entry=self._entry_loader(),
                load_entries=self._entries_loader(msg.incident_id),
                load_followups=self._followups_loader(msg.incident_id),
            )
        with incident_scope(view.ref if view else None):
            outcome, error, retry_after, refused = "done", "", None, None
            try:
                self.notifier.deliver(delivery)
            except RetryLater as exc:
                outcome, error, retry_after = "retry", str(exc), exc.after_seconds
            except GiveUp as exc:
                outcome, error, refused = "dead", str(exc), exc
            except Exception as exc:  # a bug in a handler: keep the message, report loudly, retry later
                log.exception("outbox handler crashed on %s #%s", kind, message_id)
                outcome, error = "retry", f"{type(exc).__name__}: {exc}"
            now = self.clock()
            if outcome == "retry" and now - created_at > GIVE_UP_AFTER:
                outcome = "dead"
            self._record_when_reachable(
                message_id, delivery, outcome, error, retry_after, attempts + 1, now, refused
            )
            if outcome == "dead":
                self.on_failed()
        return outcome

    def _record_when_reachable(self, message_id: int, *args: Any) -> None:
        """Record what Slack was sent even across a database outage: losing it would send it twice.

        This lane keeps its incident to itself in this process meanwhile. The claim cannot be renewed while
        the database is away, so another replica may claim the message when it returns, before this record
        lands: that narrow race is the price; waiting here closes the wide one.
        """
        while True:
            try:
                self._record(message_id, *args)
                return
            except DatabaseUnavailable as exc:
                self._outage.failed(exc)
                if self._stop.wait(RECORD_RETRY_SECONDS):
                    log.warning("outbox: shutting down before #%s was recorded; it is delivered again", message_id)
                    return

    def _record(
        self,
        message_id: int,
        delivery: Delivery,
        outcome: str,
        error: str,
        retry_after: float | None,
        attempts: int,
        now: datetime,
        refused: GiveUp | None = None,
    ) -> None:
        with self.uow() as session:
            msg = outbox.get(session, message_id)
            if msg is None:
                return
            if delivery.incident_patch and msg.incident_id:
                incident = repo.get_incident(session, msg.incident_id)
                if incident is not None:
                    for key, value in delivery.incident_patch.items():
                        setattr(incident, key, value)
            owner = repo.get_incident(session, msg.incident_id) if delivery.new_entries and msg.incident_id else None
            if owner is not None:
                for new in delivery.new_entries:
                    repo.add_entry(session, owner, new.kind, new.actor_id, new.text, dict(new.data), at=new.at)
            for entry_id, fields in delivery.entry_patches.items():
                entry = repo.get_entry(session, entry_id)
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
                report_failure(session, msg, error, refused)
            else:
                delay = retry_after if retry_after is not None else backoff_seconds(attempts)
                msg.next_attempt_at = now + timedelta(seconds=delay)
                msg.last_error = error
                log.warning("will retry %s #%s in %.0fs: %s", msg.event, message_id, delay, error)

    def _set_aside(self, message_id: int, attempts: int, error: str) -> None:
        with self.uow() as session:
            msg = outbox.get(session, message_id)
            if msg is not None:
                msg.state, msg.last_error, msg.attempts = "dead", error, attempts
                msg.locked_by, msg.locked_until = None, None
                report_failure(session, msg, error)

    def _entry_loader(self) -> Callable[[int], EntryView | None]:
        def load(entry_id: int) -> EntryView | None:
            with self.uow() as session:
                entry = repo.get_entry(session, entry_id)
                return entry_view(entry) if entry else None

        return load

    def _entries_loader(self, incident_id: int | None) -> Callable[[], list[EntryView]]:
        def load() -> list[EntryView]:
            if incident_id is None:
                return []
            with self.uow() as session:
                return [entry_view(e) for e in repo.timeline(session, incident_id)]

        return load

    def _followups_loader(self, incident_id: int | None) -> Callable[[], list[FollowUpView]]:
        def load() -> list[FollowUpView]:
            if incident_id is None:
                return []
            with self.uow() as session:
                return [follow_ups.view(f) for f in follow_ups.of_incident(session, incident_id, open_only=True)]

        return load

    # -- for tests and shutdown ----------------------------------------------------------------
    def pending_count(self) -> int:
        with self.uow() as session:
            return outbox.pending_count(session)
