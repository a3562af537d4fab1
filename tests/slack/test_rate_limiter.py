"""The shared Slack rate limiter: bursts, waits, deferrals, 429 holds; in Redis and in-process."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from slack_sdk import WebClient

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from bot.services.outbox import RetryLater
from bot.slack.gateway import SlackGateway
from bot.slack.rate_limiter import (
    Buckets,
    MemoryBuckets,
    RateLimiter,
    RedisBuckets,
    bucket_key,
    budget_for,
    rate_limiter_for,
)
from tests.support.processes import free_port


class FakeTime:
    """A clock whose sleeps move it forward (or not, to model callers arriving at one instant)."""

    def __init__(self, advance_on_sleep: bool = True) -> None:
        self.now = 1_700_000_000.0
        self.advance_on_sleep = advance_on_sleep
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        if self.advance_on_sleep:
            self.now += seconds


@pytest.fixture(params=["memory", "redis"])
def make_buckets(request: pytest.FixtureRequest) -> Iterator[object]:
    """A factory of bucket stores: each call is another replica (sharing Redis when it is Redis)."""
    if request.param == "memory":
        shared = MemoryBuckets()
        yield lambda: shared
        return
    url: str = request.getfixturevalue("redis_url")
    clients: list[redis.Redis] = []

    def make() -> Buckets:
        client = redis.Redis.from_url(url)
        clients.append(client)
        return RedisBuckets(client)

    yield make
    for client in clients:
        client.close()


def _limiter(buckets: Buckets, t: FakeTime, factor: float = 1.0) -> RateLimiter:
    return RateLimiter(buckets, factor=factor, clock=t.clock, sleep=t.sleep)


def test_budgets_follow_the_tiers() -> None:
    assert budget_for("conversations.create").per_second == pytest.approx(20 / 60)
    assert budget_for("conversations.create").burst == 5
    assert budget_for("conversations.invite").per_second == pytest.approx(50 / 60)
    assert budget_for("views.open").per_second == pytest.approx(100 / 60)
    assert budget_for("chat.postMessage").per_second == 1.0 and budget_for("chat.postMessage").burst == 3
    assert budget_for("conversations.create", factor=10).per_second == pytest.approx(200 / 60)
    assert bucket_key("chat.postMessage", "C1") != bucket_key("chat.postMessage", "C2")
    assert bucket_key("pins.add", "C1") == bucket_key("pins.add", "C2")


def test_posts_burst_then_wait_for_their_slot(make_buckets: object) -> None:
    t = FakeTime()
    limiter = _limiter(make_buckets(), t)  # type: ignore[operator]
    for _ in range(5):
        limiter.before_call("chat.postMessage", "C1")
    assert t.sleeps == [1.0, 1.0]  # three at once, then one a second
    limiter.before_call("chat.postMessage", "C2")  # another channel has its own budget
    limiter.before_call("pins.add", "C1")
    assert t.sleeps == [1.0, 1.0]


def test_a_far_slot_is_not_taken_and_the_call_is_deferred(make_buckets: object) -> None:
    t = FakeTime(advance_on_sleep=False)  # callers all arriving at the same instant
    limiter = _limiter(make_buckets(), t)  # type: ignore[operator]
    for _ in range(5):
        limiter.before_call("chat.postMessage", "C1")
    assert t.sleeps == [1.0, 2.0]
    with pytest.raises(RetryLater) as deferred:
        limiter.before_call("chat.postMessage", "C1")
    assert deferred.value.after_seconds == pytest.approx(3.0)
    # The deferred call took no slot: the next caller is told the same.
    with pytest.raises(RetryLater) as again:
        limiter.before_call("chat.postMessage", "C1")
    assert again.value.after_seconds == pytest.approx(3.0) and limiter.deferred == 2
    t.now += 3.0
    limiter.before_call("chat.postMessage", "C1")


def test_replicas_share_one_budget_through_redis(redis_url: str) -> None:
    t = FakeTime(advance_on_sleep=False)
    clients = [redis.Redis.from_url(redis_url) for _ in range(2)]
    try:
        a, b = (_limiter(RedisBuckets(c), t) for c in clients)
        for _ in range(5):  # Tier 2: five at once
            a.before_call("conversations.create")
        with pytest.raises(RetryLater) as deferred:  # the other replica's next slot is 3 s away (20 a minute)
            b.before_call("conversations.create")
        assert deferred.value.after_seconds == pytest.approx(3.0)
        t.now += 3.0
        b.before_call("conversations.create")
        with pytest.raises(RetryLater):
            a.before_call("conversations.create")
    finally:
        for c in clients:
            c.close()


def test_a_429_holds_the_budget_for_everyone(make_buckets: object) -> None:
    t = FakeTime(advance_on_sleep=False)
    first, second = (_limiter(make_buckets(), t) for _ in range(2))  # type: ignore[operator]
    first.hold("chat.update", None, 30)
    with pytest.raises(RetryLater) as deferred:
        second.before_call("chat.update")
    assert deferred.value.after_seconds == pytest.approx(30.0)
    t.now += 30.0
    second.before_call("chat.update")
    assert t.sleeps == []


def test_rate_factor_speeds_the_budget_up(make_buckets: object) -> None:
    t = FakeTime()
    limiter = _limiter(make_buckets(), t, factor=10)  # type: ignore[operator]
    for _ in range(4):
        limiter.before_call("chat.postMessage", "C1")
    assert t.sleeps == [0.1]


def test_redis_down_still_limits_in_process_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    t = FakeTime()
    limiter = _limiter(RedisBuckets(dead), t)
    with caplog.at_level(logging.WARNING, logger="bot.slack.rate_limiter"):
        for _ in range(5):
            limiter.before_call("chat.postMessage", "C1")
    assert t.sleeps == [1.0, 1.0]
    assert len([r for r in caplog.records if "redis unavailable" in r.getMessage()]) == 1
    dead.close()


def test_redis_is_asked_again_after_a_failure_and_sharing_resumes(redis_url: str) -> None:
    t = FakeTime(advance_on_sleep=False)
    client = redis.Redis.from_url(redis_url)
    buckets = RedisBuckets(client)
    buckets._redis_down, buckets._retry_redis_at = True, 0.0  # a failure whose cool-off has passed
    limiter = _limiter(buckets, t)
    limiter.before_call("chat.postMessage", "C9")
    assert not buckets._redis_down
    assert client.get(bucket_key("chat.postMessage", "C9")) is not None
    client.close()


def test_without_redis_the_limiter_is_in_process() -> None:
    assert isinstance(rate_limiter_for(None).buckets, MemoryBuckets)


def test_the_gateway_waits_out_a_429_and_retries_once_slack_allows(redis_url: str) -> None:
    ws = Workspace()
    t = FakeTime()
    client = redis.Redis.from_url(redis_url)
    with EmulatorServer(ws) as slack:
        limiter = _limiter(RedisBuckets(client), t)
        gateway = SlackGateway(WebClient(base_url=slack.api_url, token="xoxb-test"), "incidents", limiter)
        ws.fail_next("chat.postMessage", retry_after=1)
        channel = ws.channel_id("incidents")
        assert gateway.call("chat.postMessage", channel=channel, text="hello")["ok"]
        assert t.sleeps == [1.0]  # Retry-After, waited in this thread
        # The hold is shared: another replica posting there now also waits for the slot after it.
        other = _limiter(RedisBuckets(client), t)
        other.before_call("chat.postMessage", channel)
        assert t.sleeps == [1.0, 1.0]
        # A long Retry-After is not waited here: the call goes back to the outbox with that delay.
        ws.fail_next("chat.postMessage", retry_after=30)
        with pytest.raises(RetryLater) as later:
            gateway.call("chat.postMessage", channel=channel, text="later")
        assert later.value.after_seconds == 30
        # Server errors are tried again twice, then left to the outbox.
        ws.fail_next("pins.add", "internal_error", http_status=500, times=3)
        with pytest.raises(RetryLater):
            gateway.call("pins.add", channel=channel, timestamp="1.1")
        assert [c.status for c in ws.calls_to("pins.add")] == [500, 500, 500]
    assert [m.text for m in ws.messages("incidents")] == ["hello"]
    client.close()
