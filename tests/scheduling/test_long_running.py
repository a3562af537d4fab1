"""Long-running rules: extra people paged once an incident has been open long enough, acknowledged or not."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.scheduling.job_kinds import EARLY, JobKinds
from bot.storage import repositories as repo
from tests.harness import BotHarness, block_texts, wait_until
from tests.scheduling.helpers import fast_bot, fired, notices, page_text, pages, running, timeline, ts

pytestmark = pytest.mark.slow  # wall-clock runs; the decisions are in test_firing.py

AFTER = 5.0  # the test policy's long_running rule: U0DAVE for a SEV4 open for 5s
LAG = 2.5
DELIVERY = 6.0


@pytest.fixture
def bot(database_url: str) -> Iterator[BotHarness]:
    yield from running(fast_bot(database_url))


def test_an_incident_open_too_long_pages_the_rule_once_even_when_acknowledged(bot: BotHarness) -> None:
    inc = bot.declare("SEV4 slow leak")
    bot.command("ack", channel=inc.channel_id, user="U0BOB")
    acked = wait_until(lambda: bot.container.services.incidents.get(inc.id).acknowledged_at, what="the ack")
    assert acked.timestamp() < inc.declared_at.timestamp() + AFTER  # the page below comes after the ack

    dave = wait_until(lambda: pages(bot, "U0DAVE"), timeout=AFTER + 10, what="the long-running page")[0]
    [(due, at)] = fired(bot, inc.id, "long_running")
    assert due == inc.declared_at + timedelta(seconds=AFTER)
    assert (at - due).total_seconds() <= LAG
    assert due.timestamp() - EARLY.total_seconds() <= ts(dave) <= due.timestamp() + DELIVERY
    assert "_SEV4 open for over 5s_" in page_text(dave) and "Escalation level" not in page_text(dave)
    notice = wait_until(lambda: notices(bot, inc.channel_id, "outside the escalation chain"), what="channel told")
    assert block_texts(notice[0]) == [
        ":pager: Paged outside the escalation chain: <@U0DAVE>\n_Why: SEV4 open for over 5s_"
    ]
    assert "U0DAVE" in bot.workspace.channel(inc.channel_id).members
    [(_, actor, text, data)] = [row for row in timeline(bot, inc.id, "paged") if row[3]["level"] is None]
    assert actor is None and data["people"] == ["U0DAVE"] and data["reason"] == "SEV4 open for over 5s"
    assert text == "Paged <@U0DAVE> (open too long): SEV4 open for over 5s"

    time.sleep(3)
    bot.settle()
    assert len(pages(bot, "U0DAVE")) == 1 and len(fired(bot, inc.id, "long_running")) == 1
    assert len(notices(bot, inc.channel_id, "outside the escalation chain")) == 1


def test_resolve_cancels_it_other_severities_wait_and_a_late_severity_change_pages_at_once(
    bot: BotHarness,
) -> None:
    resolved = bot.declare("SEV4 brief blip")
    bot.command("resolve blip gone", channel=resolved.channel_id)
    closed = wait_until(lambda: bot.container.services.incidents.get(resolved.id).resolved_at, what="resolve")
    assert closed.timestamp() < resolved.declared_at.timestamp() + AFTER
    other = bot.declare("SEV5 same policy, no rule")

    # Past the rule's time for both: the resolved SEV4 and the SEV5 (the rule names SEV4 only) page nobody.
    time.sleep(max(0.0, other.declared_at.timestamp() + AFTER + 2 - time.time()))
    bot.settle()
    assert pages(bot, "U0DAVE") == []
    assert fired(bot, resolved.id, "long_running") == [] and fired(bot, other.id, "long_running") == []

    # Raised to SEV4 after being open longer than the rule's time: paged at once, once.
    changed_at = time.time()
    bot.command("severity SEV4", channel=other.channel_id)
    dave = wait_until(lambda: pages(bot, "U0DAVE"), timeout=10, what="the page after the change")[0]
    assert ts(dave) - changed_at <= DELIVERY
    time.sleep(2)
    bot.settle()
    assert len(pages(bot, "U0DAVE")) == 1
    assert [due for due, _ in fired(bot, other.id, "long_running")] == [other.declared_at + timedelta(seconds=AFTER)]
    assert fired(bot, resolved.id, "long_running") == []


def test_concurrent_fires_of_a_long_running_rule_page_once(database_url: str) -> None:
    bot = fast_bot(database_url, run_scheduler=False, wait_for_scheduler=False)
    try:
        inc = bot.declare("SEV4 four fires")
        with bot.container.uow() as session:
            row = repo.get_incident(session, inc.id)
            assert row is not None
            row.declared_at = row.declared_at - timedelta(seconds=AFTER + 1)
        oncall = bot.container.playbooks.oncall
        clock = bot.container.services.ctx.clock
        effects = [JobKinds(bot.container.uow, lambda: oncall, clock) for _ in range(4)]
        assert [due.kind for due in effects[0].due_times()] == ["long_running"]
        results: list[bool] = []
        barrier = threading.Barrier(len(effects))

        def fire(e: JobKinds) -> None:
            barrier.wait()
            results.append(e.long_running.fire(inc.id))

        threads = [threading.Thread(target=fire, args=(e,)) for e in effects]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == [False, False, False, True]
        assert effects[0].due_times() == []  # fired: nothing more due
        bot.settle()
        assert len(pages(bot, "U0DAVE")) == 1
        assert len([row for row in timeline(bot, inc.id, "paged") if row[3]["level"] is None]) == 1
    finally:
        bot.stop()
