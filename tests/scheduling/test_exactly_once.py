"""Exactly once: concurrent fires, a restart while a reminder is due, two replicas sharing one database."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.emulator.workspace import Workspace
from bot.scheduling.job_kinds import EARLY, JobKinds
from bot.storage import repositories as repo
from bot.storage.models import OutboxMessage
from bot.storage.scheduling_models import EffectFired, Escalation
from tests.harness import BotHarness, wait_until
from tests.scheduling.helpers import (
    fast_bot,
    fired,
    notices,
    nudges,
    pages,
    scheduler_running,
    stop_scheduling,
    ts,
)

pytestmark = pytest.mark.slow  # wall-clock runs; the decisions are in test_firing.py


def _outbox_count(bot: BotHarness, event: str) -> int:
    with bot.container.uow() as session:
        stmt = select(func.count(OutboxMessage.id)).where(OutboxMessage.event == event)
        return int(session.execute(stmt).scalar_one())


def test_two_fires_of_the_same_due_time_post_once(database_url: str) -> None:
    bot = fast_bot(database_url, run_scheduler=False, wait_for_scheduler=False)
    try:
        inc = bot.declare("SEV2 double fire")
        with bot.container.uow() as session:
            row = repo.get_incident(session, inc.id)
            assert row is not None
            row.next_update_due_at = bot.container.services.ctx.clock() - timedelta(seconds=1)
        oncall = bot.container.playbooks.oncall
        effects = [JobKinds(bot.container.uow, lambda: oncall, bot.container.services.ctx.clock) for _ in range(4)]
        results: list[bool] = []
        barrier = threading.Barrier(len(effects))

        def fire(e: JobKinds) -> None:
            barrier.wait()
            results.append(e.nudges.fire(inc.id))

        threads = [threading.Thread(target=fire, args=(e,)) for e in effects]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == [False, False, False, True]
        assert _outbox_count(bot, "nudge.post") == 1
        bot.settle()
        assert len(nudges(bot, inc.channel_id)) == 1
    finally:
        bot.stop()


@pytest.mark.parametrize("down_past_due", [1.0, 3.5], ids=["within-a-cadence", "past-a-second-cadence"])
def test_a_reminder_due_while_the_bot_is_down_is_sent_once_at_start(database_url: str, down_past_due: float) -> None:
    workspace = Workspace()
    bot = fast_bot(database_url, workspace=workspace)
    inc = bot.declare("SEV2 restart during incident")
    due = inc.next_update_due_at
    assert due is not None and due == inc.declared_at + timedelta(seconds=3)
    bot.stop()
    assert nudges(bot, inc.channel_id) == []
    # Down past the due time (and, in one case, past a second cadence too).
    time.sleep(max(0.0, due.timestamp() + down_past_due - time.time()))
    restarted_at = time.time()
    bot = fast_bot(database_url, workspace=workspace)
    try:
        first = wait_until(lambda: nudges(bot, inc.channel_id), timeout=15, what="the missed reminder")[0]
        assert ts(first) - restarted_at < 15
        second = wait_until(lambda: nudges(bot, inc.channel_id)[1:], timeout=15, what="the next reminder")[0]
        stop_scheduling(bot)
        reminders = fired(bot, inc.id, "nudge")
        # The missed due time fired once, at start; every fired reminder was posted once.
        (missed_due, late_at), (next_due, _) = reminders[0], reminders[1]
        assert missed_due == due and late_at.timestamp() >= restarted_at
        assert len(nudges(bot, inc.channel_id)) == len(reminders)
        # The cadence resumes from the late reminder, not from the missed due times: no burst after a restart.
        assert next_due - late_at == timedelta(seconds=3)
        assert ts(first) >= late_at.timestamp()
        assert ts(second) >= next_due.timestamp() - EARLY.total_seconds()
    finally:
        bot.stop()


def _crash_scheduler(bot: BotHarness) -> None:
    """Stop this replica's scheduler the way a dying process would: the lease is not released."""
    elector = bot.container.elector
    elector._stop.set()
    if elector._thread is not None:
        elector._thread.join(10)
        elector._thread = None
    elector.is_leader = False
    # Its connections die with it: PostgreSQL frees an advisory lock, a Redis lock waits for its TTL.
    database_lease = getattr(elector.lease, "database", None)
    if database_lease is not None:
        database_lease._drop()
    bot.container.waker.unlisten()
    bot.container.scheduler.stop()


def test_two_replicas_share_one_database_and_redis_and_the_standby_takes_over(
    postgres_url: str, redis_url: str
) -> None:
    workspace = Workspace()
    a = fast_bot(postgres_url, workspace=workspace, redis_url=redis_url)
    b = fast_bot(postgres_url, workspace=workspace, redis_url=redis_url, wait_for_scheduler=False)
    try:
        time.sleep(2.5)  # b has had an election tick
        assert scheduler_running(a) and not scheduler_running(b)
        # SEV3: reminder every 4s, level 1 waits respond_within 4s, then 2s per level, one repeat.
        inc = b.declare("SEV3 two replicas")
        t0 = inc.declared_at.timestamp()
        wait_until(lambda: pages(a, "U0CAROL"), timeout=10, what="level 2 page")
        wait_until(lambda: nudges(a, inc.channel_id), timeout=10, what="first reminder")
        a.settle()
        b.settle()
        assert len(pages(a, "U0BOB")) == 1 and len(pages(a, "U0CAROL")) == 1
        assert len(nudges(a, inc.channel_id)) == 1
        assert ts(pages(a, "U0CAROL")[0]) <= t0 + 4 + 2.5

        _crash_scheduler(a)
        crashed_at = time.time()
        wait_until(lambda: scheduler_running(b), timeout=15, what="the standby to take over")
        assert time.time() - crashed_at <= 15
        nobody = wait_until(lambda: notices(b, inc.channel_id, "Nobody acknowledged"), timeout=20,
                            what="end of the chain")
        assert len(nobody) == 1
        took_over = time.time()
        wait_until(lambda: [m for m in nudges(b, inc.channel_id) if ts(m) > took_over], timeout=10,
                   what="a reminder from the new leader")
        a.settle()
        b.settle()
        assert len(pages(b, "U0BOB")) == 2 and len(pages(b, "U0CAROL")) == 2
        times = sorted(ts(m) for m in nudges(b, inc.channel_id))
        assert all(later - earlier >= 3.5 for earlier, later in itertools.pairwise(times)), times
        with b.container.uow() as session:
            kinds = session.execute(select(EffectFired.kind, EffectFired.due_at)).all()
        assert len(kinds) == len(set(kinds))
        assert len([k for k, _ in kinds if k == "nudge"]) == len(times)
    finally:
        b.stop()
        a.stop()


def test_an_escalation_due_while_the_bot_is_down_fires_once_at_start(database_url: str) -> None:
    workspace = Workspace()
    bot = fast_bot(database_url, workspace=workspace)
    inc = bot.declare("SEV1 restart during paging")
    wait_until(lambda: pages(bot, "U0BOB"), timeout=5, what="level 1 page")
    bot.stop()
    with bot.container.uow() as session:
        chain = session.execute(select(Escalation).where(Escalation.incident_id == inc.id)).scalar_one()
        level, due = chain.level, chain.next_due_at
    assert level == 0 and due is not None  # level 2 falls due respond_within (3s) after the first page
    assert pages(bot, "U0CAROL") == []
    # Down past level 2's due time and past the following step's (2s later) too.
    time.sleep(max(0.0, due.timestamp() + 3.0 - time.time()))
    restarted_at = time.time()
    bot = fast_bot(database_url, workspace=workspace)
    try:
        carol = wait_until(lambda: pages(bot, "U0CAROL"), timeout=15, what="the missed level 2 page")[0]
        assert ts(carol) - restarted_at < 15
        bob2 = wait_until(lambda: pages(bot, "U0BOB")[1:], timeout=15, what="the chain going on")[0]
        stop_scheduling(bot)
        steps = fired(bot, inc.id, "escalation")
        # The missed step fired once, late, at start; the chain went on from it, not in a burst of old steps.
        (_, _), (missed_due, late_at), (next_due, _) = steps[:3]
        assert missed_due == due and late_at.timestamp() >= restarted_at
        assert next_due - late_at == timedelta(seconds=2)
        assert ts(bob2) >= next_due.timestamp() - EARLY.total_seconds()
        assert len([at for _, at in steps if at < next_due]) == 2  # level 1 before the stop, and the missed one
        assert len([m for m in pages(bot, "U0CAROL") if ts(m) < next_due.timestamp()]) == 1
    finally:
        bot.stop()
