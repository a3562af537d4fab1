"""Per-tier rate limits with Retry-After, per-call delay, stalled channels and random failures."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.rate_limits import RateLimits, tier_of
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_tiers_follow_slacks_table() -> None:
    assert tier_of("conversations.create") == 2
    assert tier_of("conversations.invite") == 3
    assert tier_of("views.open") == 4
    assert tier_of("some.newMethod") == 3
    limits = RateLimits(FakeClock())
    assert limits.limit_of("conversations.create") == (20, pytest.approx(20 / 60))
    assert limits.limit_of("chat.postMessage") == (4, 1.0)


def test_a_tier_2_method_allows_its_minute_then_refills_evenly() -> None:
    clock = FakeClock()
    limits = RateLimits(clock)
    assert [limits.check("conversations.create") for _ in range(20)] == [None] * 20
    assert limits.check("conversations.create") == 3  # one call every 3 s refills
    assert limits.check("pins.add") is None  # another method has its own budget
    clock.now += 3.0
    assert limits.check("conversations.create") is None
    assert limits.check("conversations.create") == 3
    assert limits.refused == {"conversations.create": 2} and limits.total_refused == 2


def test_posts_are_limited_per_channel_with_a_burst_and_speedup_refills_faster() -> None:
    clock = FakeClock()
    limits = RateLimits(clock, speedup=10, post_burst=3)
    assert [limits.check("chat.postMessage", "C1") for _ in range(4)] == [None, None, None, 1]
    assert limits.check("chat.postMessage", "C2") is None
    clock.now += 0.1  # one post a second, ten times faster
    assert limits.check("chat.postMessage", "C1") is None
    assert limits.check("chat.postMessage", "C1") == 1  # Retry-After is whole seconds, at least 1


def test_enforced_limits_answer_429_with_retry_after_over_http() -> None:
    clock = FakeClock()
    ws = Workspace(clock=clock)
    limits = ws.enforce_rate_limits(post_burst=2)
    ops = ws.create_channel("ops")
    with EmulatorServer(ws) as server:
        client = WebClient(base_url=server.api_url, token="xoxb-test")
        client.chat_postMessage(channel="incidents", text="one")
        client.chat_postMessage(channel="incidents", text="two")
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="incidents", text="three")
        assert exc.value.response.status_code == 429
        assert exc.value.response.headers["Retry-After"] == "1"
        assert exc.value.response["error"] == "ratelimited"
        # The channel's name and its id are the same bucket; #ops has its own.
        channel_id = ws.channel_id("incidents")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel=channel_id, text="three")
        assert client.chat_postMessage(channel=ops.id, text="elsewhere")["ok"]
        clock.now += 1.0
        assert client.chat_postMessage(channel=channel_id, text="three")["ok"]
    assert [m.text for m in ws.messages("incidents")] == ["one", "two", "three"]
    assert limits.refused == {"chat.postMessage": 2}
    assert [c.status for c in ws.calls_to("chat.postMessage")].count(429) == 2


def test_limits_are_off_unless_enforced(client: WebClient, workspace: Workspace) -> None:
    for n in range(30):
        client.conversations_create(name=f"burst-{n}")
    assert all(c.ok for c in workspace.calls_to("conversations.create"))


def test_every_call_can_be_delayed(emulator: EmulatorServer, workspace: Workspace, client: WebClient) -> None:
    workspace.delay_calls(0.1)
    started = time.monotonic()
    client.auth_test()
    client.chat_postMessage(channel="incidents", text="slow")
    assert time.monotonic() - started >= 0.2


def test_a_stalled_channel_hangs_only_its_own_calls(emulator: EmulatorServer, workspace: Workspace) -> None:
    stalled = workspace.create_channel("stalled")
    stall = workspace.stall_channel("stalled", seconds=30)
    client = WebClient(base_url=emulator.api_url, token="xoxb-test", timeout=35)
    finished = threading.Event()

    def post_to_stalled() -> None:
        client.chat_postMessage(channel=stalled.id, text="late")
        finished.set()

    thread = threading.Thread(target=post_to_stalled)
    thread.start()
    workspace.wait_for(lambda: stall.stalled_calls == 1)
    started = time.monotonic()
    assert client.chat_postMessage(channel="incidents", text="on time")["ok"]
    assert client.conversations_create(name="unaffected")["ok"]
    assert time.monotonic() - started < 2
    assert not finished.is_set() and workspace.messages(stalled.id) == []
    stall.release()
    thread.join(5)
    assert finished.is_set() and [m.text for m in workspace.messages(stalled.id)] == ["late"]


def test_a_stall_lasts_its_seconds_per_call(emulator: EmulatorServer, workspace: Workspace,
                                            client: WebClient) -> None:
    workspace.stall_channel("incidents", seconds=0.3)
    started = time.monotonic()
    client.chat_postMessage(channel="incidents", text="a")
    client.conversations_setTopic(channel=workspace.channel_id("incidents"), topic="b")
    assert time.monotonic() - started >= 0.6


def test_random_failures_hit_the_share_asked_for_and_change_nothing(
    emulator: EmulatorServer, workspace: Workspace, client: WebClient
) -> None:
    faults = workspace.fail_randomly(0.3, seed=3)
    statuses = []
    for n in range(200):
        try:
            client.chat_postMessage(channel="incidents", text=f"m{n}")
            statuses.append(200)
        except SlackApiError as exc:
            statuses.append(exc.response.status_code)
            if exc.response.status_code == 429:
                assert exc.response.headers["Retry-After"] == "1"
    failed = [s for s in statuses if s != 200]
    assert 40 <= len(failed) <= 80 and faults.injected == len(failed)
    assert set(failed) == {429, 500, 503}
    # A refused call did nothing: exactly the accepted posts are in the channel.
    assert len(workspace.messages("incidents")) == statuses.count(200)


def test_random_failures_can_be_limited_to_some_methods(
    emulator: EmulatorServer, workspace: Workspace, client: WebClient
) -> None:
    workspace.fail_randomly(1.0, methods={"pins.add"})
    assert client.chat_postMessage(channel="incidents", text="fine")["ok"]
    with pytest.raises(SlackApiError):
        client.pins_add(channel=workspace.channel_id("incidents"), timestamp="1.1")
