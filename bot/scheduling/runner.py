"""The active scheduler: APScheduler with a SQLAlchemy job store, re-synced from the due-time tables."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from bot.logs import OutageLog
from bot.scheduling import jobs
from bot.scheduling.job_kinds import JobKinds
from bot.storage.db import is_unavailable

log = logging.getLogger(__name__)


class CacheJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """The job store is a cache of the due-time tables: removing a job that is already gone is fine.

    APScheduler removes a date job right after submitting it; a re-sync or a shutdown racing with that
    must not kill the scheduler thread with ``JobLookupError``. Nor may a database outage: APScheduler's
    loop guards only its first read, so while the database is away the store has nothing due and looks
    again every ``RETRY_SECONDS``; the re-sync rewrites the store from the tables once it is back.
    """

    RETRY_SECONDS = 2.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outage = OutageLog(log, "scheduler job store: the database is unavailable; looking again shortly")

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except JobLookupError:
            log.debug("job %s was already removed", job_id)
        except Exception as error:
            self._unless_unavailable(error)

    def get_due_jobs(self, now: datetime) -> list[Any]:
        try:
            due: list[Any] = super().get_due_jobs(now)
        except Exception as error:
            self._unless_unavailable(error)
            return []
        self.outage.recovered("scheduler job store: the database is reachable again")
        return due

    def get_next_run_time(self) -> datetime | None:
        try:
            found: datetime | None = super().get_next_run_time()
        except Exception as error:
            self._unless_unavailable(error)
            return datetime.now(UTC) + timedelta(seconds=self.RETRY_SECONDS)
        return found

    def _unless_unavailable(self, error: Exception) -> None:
        if not is_unavailable(error):
            raise error
        self.outage.failed(error)


class CacheScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, tolerant of a job already gone when it removes one.

    Its loop removes a date job right after submitting it; if the scheduler is shutting down meanwhile,
    APScheduler looks the job up among pending jobs only and raises ``JobLookupError`` in its own thread.
    """

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            log.debug("job %s was already removed", job_id)


JOBS_TABLE = "apscheduler_jobs"
# A job whose body raised (not a database outage) waits before it runs again: 5 s, 10 s, 20 s … 10 min.
FAILED_FIRST_WAIT = timedelta(seconds=5)
FAILED_MAX_WAIT = timedelta(minutes=10)
# No grace limit and coalescing: a job that fell due while no scheduler ran fires once, at start.
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class SchedulerRunner:
    """Started on the leader only. ``wake()`` re-syncs at once; a thread also re-syncs every few seconds."""

    def __init__(
        self,
        engine: Engine,
        kinds: JobKinds,
        resync_seconds: float = 3.0,
        after_fire: Callable[[], None] = lambda: None,
        on_fired: Callable[[datetime, datetime], None] = lambda due, now: None,
    ) -> None:
        self.engine = engine
        self.on_fired = on_fired
        self.kinds = kinds
        self.resync_seconds = resync_seconds
        self.after_fire = after_fire
        self.runner_id = uuid.uuid4().hex
        self.scheduler: BackgroundScheduler | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sync_lock = threading.Lock()
        self._outage = OutageLog(log, "scheduler: the database is unavailable; re-syncing when it is back")
        # job id -> (failures in a row, not before): a job that keeps raising backs off instead of re-firing
        # at every re-sync; a success, or a new due time after the wait, forgets it.
        self._failed: dict[str, tuple[int, datetime]] = {}
        self._failed_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    def start(self) -> None:
        if self.scheduler is not None:
            return
        jobs.register(self.runner_id, self)
        scheduler = CacheScheduler(
            jobstores={"default": CacheJobStore(engine=self.engine, tablename=JOBS_TABLE)},
            job_defaults=JOB_DEFAULTS,
            timezone=UTC,
        )
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.start(paused=True)
        self.scheduler = scheduler
        self.resync()  # rewrite the store from the tables before anything runs
        scheduler.resume()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler-resync", daemon=True)
        self._thread.start()
        log.info("scheduler started (%s)", self.runner_id)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        jobs.unregister(self.runner_id)

    def wake(self) -> None:
        self._wake.set()

    def _submitted(self, event: JobSubmissionEvent) -> None:
        """How late each job fired compared with its due time (the fire-lag histogram)."""
        now = datetime.now(UTC)
        for due in event.scheduled_run_times or ():
            self.on_fired(due, now)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.resync_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.resync()
            except Exception as error:  # a database hiccup: try again on the next tick
                if not is_unavailable(error):
                    log.exception("scheduler re-sync failed")
                    continue
                self._outage.failed(error)
            else:
                self._outage.recovered("scheduler: the database is reachable again; re-synced")

    def resync(self) -> None:
        """Make the job store match the due-time tables (start chains, add, move, drop jobs)."""
        with self._sync_lock:
            scheduler = self.scheduler
            if scheduler is None:
                return
            if self.kinds.reconcile():
                self.after_fire()
            wanted = {due.job_id: due for due in self.kinds.due_times()}
            existing = {job.id: job for job in scheduler.get_jobs()}
            for job_id, due in wanted.items():
                run_at = self._not_before(job_id, due.due_at)
                job = existing.get(job_id)
                if (
                    job is not None
                    and job.args
                    and job.args[0] == self.runner_id
                    and job.next_run_time is not None
                    and abs((job.next_run_time - run_at).total_seconds()) < 0.01
                ):
                    continue
                scheduler.add_job(
                    jobs.run_effect,
                    "date",
                    run_date=run_at,
                    id=job_id,
                    replace_existing=True,
                    args=(self.runner_id, due.kind, due.incident_id),
                    name=job_id,
                )
            for job_id in existing.keys() - wanted.keys():
                try:
                    scheduler.remove_job(job_id)
                except Exception:  # already run and gone
                    log.debug("job %s already gone", job_id)

    def _not_before(self, job_id: str, due_at: datetime) -> datetime:
        with self._failed_lock:
            failed = self._failed.get(job_id)
        return max(due_at, failed[1]) if failed else due_at

    def run_job(self, kind: str, incident_id: int) -> None:
        job_id = f"{kind}:{incident_id}"
        try:
            fired = self.kinds.fire(kind, incident_id)
        except Exception as error:
            if is_unavailable(error):
                raise  # an outage: the job store and re-sync retry it once the database is back
            with self._failed_lock:
                count = self._failed.get(job_id, (0, datetime.min))[0] + 1
                wait = min(FAILED_FIRST_WAIT * 2 ** (count - 1), FAILED_MAX_WAIT)
                self._failed[job_id] = (count, datetime.now(UTC) + wait)
            log.exception("scheduled job %s failed (%d in a row); trying again in %s", job_id, count, wait)
        else:
            with self._failed_lock:
                self._failed.pop(job_id, None)
            if fired:
                self.after_fire()
        self.wake()  # schedule the next due time of this incident
