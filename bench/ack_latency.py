"""Figure 1, acknowledgement latency over HTTP: the bot's ack p50/p99 against a bare Bolt app's, same run.

Three requests Slack sends: `/incident SEV1 …` (a declaration, the heaviest), `/incident help` and a click
on the incident card's "Post update" button, each at 1, 10 and 50 concurrent senders. The bot is a real
`incident-bot serve` on PostgreSQL and Redis against the emulator (no Slack delay); the floor is
`bench/bare.py` on the same server stack. The bot's Slack rate tiers are lifted so that the work after
each ack (which competes with the acks) is done then rather than deferred. Target: bot p99 within 1.5x the bare app's p99 at every
concurrency, and declarations far inside Slack's 3 s at 50 concurrent.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from bench.common import BenchEnv, Row, ServedApp, SlackActivity, percentile, run_concurrently
from bot.emulator.driver import SlackDriver
from bot.emulator.workspace import Workspace
from bot.slack import ids

NAME = "ack"
TITLE = "acknowledgement latency over HTTP, bot vs bare Bolt"
RATIO_TARGET = 1.5
SLACK_DEADLINE_S = 3.0
USER = "U0ALICE"
LIFTED = "1000"

Send = Callable[[SlackDriver, int, int], int]


def _sizes(quick: bool) -> tuple[tuple[int, ...], Callable[[int], int]]:
    """The concurrencies, and how many requests each sender makes at a concurrency."""
    if quick:
        return (1, 4), lambda c: 2
    return (1, 10, 50), lambda c: max(4, 100 // c)


class Senders:
    """One signed-request driver per thread (each keeps its own HTTP connection)."""

    def __init__(self, app: ServedApp, workspace: Workspace) -> None:
        self.app = app
        self.workspace = workspace
        self.local = threading.local()
        self.made: list[SlackDriver] = []

    def driver(self) -> SlackDriver:
        driver: SlackDriver | None = getattr(self.local, "driver", None)
        if driver is None:
            driver = self.local.driver = self.app.driver(self.workspace)
            self.made.append(driver)
        return driver

    def close(self) -> None:
        for driver in self.made:
            driver.close()


def _card(workspace: Workspace, activity: SlackActivity, app: ServedApp) -> tuple[str, str]:
    """Declare one incident and return its card's channel and ts (the message a click comes from)."""
    began = time.monotonic()
    assert app.driver(workspace).slash_command(USER, "general", "SEV2 ack bench card").status_code == 200
    deadline = began + 30
    while time.monotonic() < deadline:
        for _, event in activity.since(began):
            if event.get("type") == "pin_added":
                return str(event["channel"]), str(event["ts"])
        time.sleep(0.05)
    raise RuntimeError("the incident card was never pinned")


def _measure(app: ServedApp, workspace: Workspace, send: Send, concurrency: int, each: int) -> list[float]:
    senders = Senders(app, workspace)
    failures: list[int] = []

    def one(worker: int, i: int) -> None:
        status = send(senders.driver(), worker, i)
        if status != 200:
            failures.append(status)

    try:
        times = run_concurrently(concurrency, each, one)
    finally:
        senders.close()
    if failures:
        raise RuntimeError(f"{app.name} answered {len(failures)} requests with {sorted(set(failures))}")
    return times


def run(env: BenchEnv, quick: bool) -> list[Row]:
    workspace, slack = env.slack()
    activity = SlackActivity(workspace)
    # Slack's tiers are lifted: the work after each ack runs in full now instead of being deferred.
    bot = env.serve_bot(env.database("ack"), slack, SLACK_RATE_LIMIT_FACTOR=LIFTED)
    bare = env.serve_bare(slack)
    channel, card_ts = _card(workspace, activity, bot)
    activity.wait_quiet()
    run_id = itertools.count()
    tag = int(time.time()) % 100000

    def declare(driver: SlackDriver, worker: int, i: int) -> int:
        title = f"SEV1 ack bench {tag} r{next(run_id)} w{worker} i{i}"
        return driver.slash_command(USER, "general", title).status_code

    def help_(driver: SlackDriver, worker: int, i: int) -> int:
        return driver.slash_command(USER, "general", "help").status_code

    def click(driver: SlackDriver, worker: int, i: int) -> int:
        return driver.click_button(USER, channel, card_ts, ids.POST_UPDATE).status_code

    cases: list[tuple[str, Send]] = [("declare", declare), ("help", help_), ("card click", click)]
    concurrencies, each_of = _sizes(quick)
    rows: list[Row] = []
    for (case, send), concurrency in itertools.product(cases, concurrencies):
        each = each_of(concurrency)
        for app in (bare, bot):  # warm both: first requests pay for imports and connections
            _measure(app, workspace, send, min(concurrency, 4), 1)
        activity.wait_quiet()
        floor = _measure(bare, workspace, send, concurrency, each)
        measured = _measure(bot, workspace, send, concurrency, each)
        activity.wait_quiet()  # the work after the acks finishes before the next case starts
        rows += _rows(case, concurrency, measured, floor)
    return rows


def _rows(case: str, concurrency: int, bot: list[float], bare: list[float]) -> list[Row]:
    label = f"{case} c={concurrency} n={len(bot)}"
    bot_p99, bare_p99 = percentile(bot, 99), percentile(bare, 99)
    ratio = bot_p99 / bare_p99 if bare_p99 > 0 else float("inf")
    rows = [
        Row(NAME, label, "bot p50", percentile(bot, 50) * 1000, "ms"),
        Row(NAME, label, "bot p99", bot_p99 * 1000, "ms"),
        Row(NAME, label, "bare p50", percentile(bare, 50) * 1000, "ms"),
        Row(NAME, label, "bare p99", bare_p99 * 1000, "ms"),
        Row(NAME, label, "p99 bot/bare", ratio, "x", f"<= {RATIO_TARGET}x", ratio <= RATIO_TARGET),
    ]
    if case == "declare" and concurrency >= 50:
        rows.append(Row(NAME, label, "bot p99 vs Slack's 3 s", bot_p99 * 1000, "ms", "< 1000 ms",
                        bot_p99 < SLACK_DEADLINE_S / 3))
    return rows
