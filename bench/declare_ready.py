"""Figure 2, declare to ready: from the slash command to channel created, card pinned, broadcast posted and
on-call paged, with the emulator answering every Web API call after 100 ms (real Slack is far away).

p50/p99 at 1, 5 and 20 concurrent declarations (target p99 under 2 s at 5), and head-of-line blocking:
while one incident's channel hangs every call for 10 s, how long other incidents declared meanwhile take
(goal: within a second of normal).

The bot keeps within Slack's tiers itself (`bot/slack/rate_limiter.py`): `conversations.create`,
`setPurpose`, `setTopic` and `pins.add` are Tier 2, 20 a minute with 5 at once, so past 5 declarations in a
burst the tiers set the pace. The main pass runs with the tiers as shipped and lets the budget refill
between rounds; a second bot with the tiers lifted runs 5 and 20 at once (how fast the bot alone is), and
head-of-line blocking, which is about the bot's delivery, not Slack's limits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from bench.common import BenchEnv, Row, SlackActivity, percentile
from bot.emulator.workspace import Workspace

NAME = "ready"
TITLE = "declare to ready (channel, pinned card, broadcast, page) with a 100 ms Slack"
SLACK_DELAY_MS = 100
STALL_S = 10.0
QUICK_STALL_S = 2.0
TIER2_INTERVAL_S = 3.0  # Tier 2: 20 calls a minute
LIFTED = "1000"
READY_TARGET_S = 2.0
HOL_TARGET_S = 1.0
USER = "U0ALICE"
MILESTONES = ("channel", "card pinned", "broadcast", "paged")


@dataclass
class Declaration:
    """One declaration's send time and when each milestone showed in Slack (monotonic seconds)."""

    marker: str
    sent: float = 0.0
    channel_id: str | None = None
    seen: dict[str, float] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(m in self.seen for m in MILESTONES)

    def took(self, milestone: str | None = None) -> float:
        last = self.seen[milestone] if milestone else max(self.seen[m] for m in MILESTONES)
        return last - self.sent


def _text(event: dict[str, object]) -> str:
    message = event.get("message")
    return str(message.get("text", "")) if isinstance(message, dict) else ""


class Tracker:
    """Matches the workspace's events to declarations by the marker word in each title."""

    def __init__(self, workspace: Workspace, activity: SlackActivity) -> None:
        self.workspace = workspace
        self.activity = activity
        self.broadcast_channel = workspace.channel_id("incidents")

    def update(self, declarations: list[Declaration], since: float) -> None:
        by_channel = {d.channel_id: d for d in declarations if d.channel_id}
        for at, event in self.activity.since(since):
            kind, channel = event.get("type"), event.get("channel")
            if kind == "channel_created" and isinstance(channel, dict):
                name = str(channel.get("name", ""))
                for d in declarations:
                    if d.channel_id is None and d.marker in name:
                        d.channel_id = str(channel["id"])
                        d.seen.setdefault("channel", at)
                        by_channel[d.channel_id] = d
            elif kind == "pin_added" and channel in by_channel:
                by_channel[channel].seen.setdefault("card pinned", at)
            elif kind == "message_posted":
                text = _text(event)
                for d in declarations:
                    if d.marker not in text:
                        continue
                    if channel == self.broadcast_channel:
                        d.seen.setdefault("broadcast", at)
                    elif str(channel).startswith("D") and "Paged" in text:
                        d.seen.setdefault("paged", at)

    def wait_ready(self, declarations: list[Declaration], timeout: float) -> None:
        since = min(d.sent for d in declarations)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.update(declarations, since)
            if all(d.ready for d in declarations):
                return
            time.sleep(0.05)
        late = [f"{d.marker} has {sorted(d.seen)}" for d in declarations if not d.ready]
        raise RuntimeError(f"not ready after {timeout}s: {late}")


class Declarer:
    """Sends declarations at once from one thread each, each titled with a unique marker."""

    def __init__(self, env: BenchEnv, rate_factor: str = "1") -> None:
        self.workspace, slack = env.slack(delay_ms=SLACK_DELAY_MS)
        self.activity = SlackActivity(self.workspace)
        self.bot = env.serve_bot(env.database("ready"), slack, SLACK_RATE_LIMIT_FACTOR=rate_factor)
        self.tracker = Tracker(self.workspace, self.activity)
        self.tag = int(time.time()) % 100000
        self.count = 0

    def declare(self, how_many: int) -> list[Declaration]:
        made = []
        for _ in range(how_many):
            self.count += 1
            made.append(Declaration(f"r{self.tag}n{self.count:04d}z"))
        barrier = threading.Barrier(how_many)
        drivers = [self.bot.driver(self.workspace) for _ in made]
        failures: list[str] = []

        def send(d: Declaration, n: int) -> None:
            barrier.wait()
            d.sent = time.monotonic()
            response = drivers[n].slash_command(USER, "general", f"SEV1 bench ready {d.marker}")
            if response.status_code != 200:
                failures.append(f"{d.marker}: {response.status_code}")

        threads = [threading.Thread(target=send, args=(d, n)) for n, d in enumerate(made)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for driver in drivers:
            driver.close()
        if failures:
            raise RuntimeError(f"declarations refused: {failures}")
        return made


def _rounds(declarer: Declarer, concurrency: int, rounds: int, refill: bool) -> list[Declaration]:
    """`rounds` bursts of `concurrency` declarations, each waited for; with `refill`, each burst starts
    once the tier budget it spent has come back (so every burst meets the same Slack)."""
    done: list[Declaration] = []
    for n in range(rounds):
        began = time.monotonic()
        batch = declarer.declare(concurrency)
        declarer.tracker.wait_ready(batch, timeout=180)
        declarer.activity.wait_quiet()
        done += batch
        if refill and n < rounds - 1:
            time.sleep(max(0.0, began + concurrency * TIER2_INTERVAL_S - time.monotonic()))
    return done


def run(env: BenchEnv, quick: bool) -> list[Row]:
    rows: list[Row] = []
    shipped = Declarer(env)
    plan = ((1, 1), (3, 1)) if quick else ((1, 5), (5, 3), (20, 1))  # (concurrent, rounds)
    for concurrency, rounds in plan:
        done = _rounds(shipped, concurrency, rounds, refill=True)
        rows += _rows(f"c={concurrency} n={len(done)}", done, concurrency)
        time.sleep(0 if quick else concurrency * TIER2_INTERVAL_S)
    lifted = Declarer(env, rate_factor=LIFTED)
    normal = _rounds(lifted, 3 if quick else 5, 1, refill=False)
    rows += _rows(f"tiers lifted c={len(normal)}", normal, len(normal))
    if not quick:
        burst = _rounds(lifted, 20, 1, refill=False)
        rows += _rows("tiers lifted c=20", burst, 20)
        with_tiers = next(r.value for r in rows if r.case.startswith("c=20") and r.metric == "ready p99")
        lifted_p99 = percentile([d.took() for d in burst], 99) * 1000
        rows.append(Row(NAME, "c=20", "ready p99 with tiers / lifted", with_tiers / lifted_p99, "x"))
    normal_p99 = percentile([d.took() for d in normal], 99)
    rows += _head_of_line(lifted, 2 if quick else 5, QUICK_STALL_S if quick else STALL_S, normal_p99)
    return rows


def _rows(case: str, done: list[Declaration], concurrency: int) -> list[Row]:
    ready = [d.took() for d in done]
    rows = [Row(NAME, case, f"{m} p50", percentile([d.took(m) for d in done], 50) * 1000, "ms")
            for m in MILESTONES]
    rows.append(Row(NAME, case, "ready p50", percentile(ready, 50) * 1000, "ms"))
    p99 = percentile(ready, 99)
    targeted = concurrency == 5 and not case.startswith("tiers")
    target, ok = (f"< {READY_TARGET_S:.0f} s", p99 < READY_TARGET_S) if targeted else (None, None)
    rows.append(Row(NAME, case, "ready p99", p99 * 1000, "ms", target, ok))
    return rows


def _head_of_line(declarer: Declarer, others: int, stall_s: float, normal_p99: float) -> list[Row]:
    (victim,) = declarer.declare(1)
    deadline = time.monotonic() + 30
    while victim.channel_id is None and time.monotonic() < deadline:
        declarer.tracker.update([victim], victim.sent)
        time.sleep(0.01)
    if victim.channel_id is None:
        raise RuntimeError("the stalled incident's channel was never created")
    stall = declarer.workspace.stall_channel(victim.channel_id, stall_s)
    try:
        batch = declarer.declare(others)
        declarer.tracker.wait_ready(batch, timeout=120)
    finally:
        stall.release()
    declarer.tracker.wait_ready([victim], timeout=120)
    declarer.activity.wait_quiet()
    case = f"{others} others while 1 channel stalls {stall_s:.0f} s"
    p99 = percentile([d.took() for d in batch], 99)
    extra = p99 - normal_p99
    return [
        Row(NAME, case, "others ready p50", percentile([d.took() for d in batch], 50) * 1000, "ms"),
        Row(NAME, case, "others ready p99", p99 * 1000, "ms"),
        Row(NAME, case, "p99 over unstalled p99", extra * 1000, "ms", f"< {HOL_TARGET_S * 1000:.0f} ms",
            extra < HOL_TARGET_S),
        Row(NAME, case, "calls held by the stall", float(stall.stalled_calls), "calls"),
    ]
