"""PostgreSQL stopped while Slack requests arrive: every request answered in time, the bot recovers by itself.

The bot runs on a PostgreSQL cluster of its own (paused and resumed here, the shared one stays up).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from bot.services.errors import StorageUnavailable
from bot.slack import ids
from bot.web import HEALTH_PATH, READY_PATH
from tests.harness import BotHarness, start_bot, wait_until
from tests.support.servers import PostgresServer

pytestmark = pytest.mark.postgres

SLACK_DEADLINE_S = 3.0
UNREACHABLE = "cannot reach its database"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(database="outage").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage_bot(own_postgres: PostgresServer) -> Iterator[BotHarness]:
    name = f"outage_{next(_numbers)}"
    bot = start_bot(own_postgres.create_database(name))
    try:
        yield bot
    finally:
        own_postgres.resume()
        bot.stop()
        own_postgres.drop_database(name)


def timed(request: Callable[[], requests.Response]) -> requests.Response:
    """The request, which must be answered within Slack's 3 seconds."""
    started = time.monotonic()
    response = request()
    elapsed = time.monotonic() - started
    assert elapsed < SLACK_DEADLINE_S, f"answered after {elapsed:.1f}s"
    return response


def get(bot: BotHarness, path: str) -> int:
    return timed(lambda: requests.get(bot.bot_url + path, timeout=SLACK_DEADLINE_S)).status_code


def told_unreachable(bot: BotHarness, user: str) -> int:
    return sum(UNREACHABLE in (e.text or "") for e in bot.workspace.ephemerals(user))


def test_with_the_database_down_every_path_answers_try_again_and_changes_nothing(
    outage_bot: BotHarness, own_postgres: PostgresServer
) -> None:
    bot = outage_bot
    inc = bot.declare("SEV2 search is slow")
    own_postgres.pause()

    # What changes something is saved before the ack: that cannot happen, so the ack itself says so.
    declare = timed(lambda: bot.command("SEV2 checkout fails", user="U0ALICE"))
    assert declare.status_code == 200 and UNREACHABLE in declare.text
    assert StorageUnavailable.MESSAGE in declare.text
    # A mistyped verb in an incident channel needs the database before the ack: the ack itself says so.
    typo = timed(lambda: bot.command("updat the index is rebuilt", user="U0BOB", channel=inc.channel_id))
    assert typo.status_code == 200 and UNREACHABLE in typo.text
    update = timed(lambda: bot.command("update monitoring the index", user="U0BOB", channel=inc.channel_id))
    assert update.status_code == 200 and UNREACHABLE in update.text
    click = timed(lambda: bot.driver.click_button("U0CAROL", inc.channel_id, inc.card_ts or "", ids.ACK))
    assert click.status_code == 200
    wait_until(lambda: told_unreachable(bot, "U0CAROL") == 1, what="the click answered 'try again'")
    event = timed(lambda: bot.driver.user_joins("U0DAVE", inc.channel_id))
    assert event.status_code == 503  # not de-duplicated, so not handled: Slack sends it again later
    assert get(bot, HEALTH_PATH) == 200 and get(bot, READY_PATH) == 503
    assert StorageUnavailable.MESSAGE in str(bot.workspace.ephemerals("U0CAROL")[-1].text)

    own_postgres.resume()
    wait_until(lambda: get(bot, READY_PATH) == 200, timeout=15, what="ready again")
    assert [i.id for i in bot.container.services.incidents.list_open()] == [inc.id]  # nothing half-done
    assert bot.container.services.incidents.get(inc.id).acknowledged_by is None
    after = bot.declare("SEV2 checkout fails")
    assert after.channel_id and after.card_ts


@pytest.mark.slow
def test_postgres_stopped_for_20_s_while_requests_arrive(
    outage_bot: BotHarness, own_postgres: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    bot = outage_bot
    caplog.set_level(logging.INFO)
    general = bot.workspace.channel_by_name("general").id
    wait_until(lambda: bot.container.elector.is_leader, what="the scheduler lease")
    # Acknowledged and committed, their Slack work still queued or under way when the database stops.
    bot.workspace.delay_calls(0.3)
    for title in ("payments down", "login errors", "webhooks late"):
        assert "Declaring" in timed(lambda t=title: bot.command(f"SEV2 {t}")).text  # type: ignore[misc]
    wait_until(lambda: len(bot.container.services.incidents.list_open()) == 3, what="three incidents")
    before = bot.container.services.incidents.list_open()
    assert bot.container.dispatcher.pending_count() > 0
    own_postgres.pause()
    bot.workspace.delay_calls(0)

    sent = 0
    said_in_ack: dict[str, int] = {"U0ALICE": 0, "U0BOB": 0}
    outage_ends = time.monotonic() + 20
    requests_by_kind: list[Callable[[], requests.Response]] = [
        lambda: bot.command("SEV3 still down?", user="U0ALICE"),
        lambda: bot.command("list", user="U0BOB"),
        lambda: bot.driver.user_joins("U0DAVE", general),
    ]
    while time.monotonic() < outage_ends:
        response = timed(requests_by_kind[sent % len(requests_by_kind)])
        assert response.status_code in (200, 503)
        who = ("U0ALICE", "U0BOB", "")[sent % len(requests_by_kind)]
        if who and UNREACHABLE in response.text:  # a declaration cannot be saved: the ack says so at once
            said_in_ack[who] += 1
        sent += 1
        assert get(bot, HEALTH_PATH) == 200
        assert get(bot, READY_PATH) == 503
        time.sleep(0.5)
    assert sent >= 10  # requests kept arriving through the whole outage (fewer on a busy machine)
    own_postgres.resume()

    wait_until(lambda: get(bot, READY_PATH) == 200, timeout=15, what="ready again without a restart")
    wait_until(lambda: bot.container.elector.is_leader, timeout=15, what="the scheduler lease re-acquired")
    # Everyone who asked during the outage was told to try again; none of it was half done.
    for who, first, what in (("U0ALICE", 0, "every declare"), ("U0BOB", 1, "every list")):
        asked = len(range(first, sent, 3))
        wait_until(lambda w=who, n=asked: told_unreachable(bot, w) + said_in_ack[w] == n,  # type: ignore[misc]
                   what=f"{what} answered")
    bot.settle(timeout=30)
    for incident in before:
        done = bot.container.services.incidents.get(incident.id)
        assert done.channel_id and done.card_ts and done.broadcast_ts, f"{done.ref} lost its Slack work"
        assert len(bot.workspace.pins(done.channel_id)) == 1  # one card each, none repeated
    broadcasts = bot.messages(bot.workspace.channel_by_name("incidents").id)
    assert len(broadcasts) == 3
    assert len([c for c in bot.workspace.channels.values() if c.name.startswith("incident-")]) == 3

    after = bot.declare("SEV2 after the outage")
    assert after.channel_id and after.card_ts
    assert len(bot.container.services.incidents.list_open()) == 4
    said = [r.getMessage() for r in caplog.records]
    assert sum("outbox: the database is unavailable" in m for m in said) == 1  # once, not per poll
    assert sum("outbox: the database is reachable again" in m for m in said) == 1
