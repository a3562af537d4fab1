"""The daily digest and the weekly report through the real app on a controlled clock: content, channel, once."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.domain.report_schedule import DAILY_DIGEST, WEEKLY_REPORT
from bot.scheduling.reports import NO_INCIDENT
from bot.slack.blocks import digest as blocks
from bot.slack.blocks import weekly
from tests.harness import (
    SHIPPED_PLAYBOOKS,
    BotHarness,
    block_text,
    carries,
    find_block,
    start_bot,
    wait_until,
)


class AheadClock:
    """The wall clock, moved ahead when the test says (by about a day at most: outbox rows are stamped with
    the real time, and a message failing a day after that is given up)."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def set(self, moment: datetime) -> None:
        self.shift = max(moment - datetime.now(UTC), timedelta(0))


def digest_playbooks(tmp_path: Path) -> tuple[Path, datetime]:
    """The shipped playbooks (SEC is private) with the digest due every day at the first minute after UTC
    midnight and at least 31 minutes from now (so today's follow-ups and a 30-minute update cadence are late)."""
    playbooks = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, playbooks)
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
    at = (max(midnight, now + timedelta(minutes=31)) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    (playbooks / "reports.yaml").write_text(
        f'daily_digest:\n  time: "{at:%H:%M}"\n  timezone: UTC\n'
        "  weekdays: [mon, tue, wed, thu, fri, sat, sun]\n"
        f'weekly_report:\n  channel: leadership\n  weekday: {at:%a}\n  time: "{at:%H:%M}"\n  timezone: UTC\n'
    )
    return playbooks, at


def _digests(bot: BotHarness) -> list[Any]:
    channel = bot.workspace.channel_by_name("incidents").id
    return [m for m in bot.workspace.messages(channel) if (m.text or "").startswith("Daily incident digest")]


def _fire(bot: BotHarness, kind: str = DAILY_DIGEST) -> bool:
    fired = bot.container.scheduler.kinds.fire(kind, NO_INCIDENT)
    bot.container.dispatcher.kick()
    bot.settle()
    return fired


def test_the_digest_lists_open_resolved_and_overdue_and_only_counts_private_ones(
    database_url: str, tmp_path: Path
) -> None:
    playbooks, nine = digest_playbooks(tmp_path)
    clock = AheadClock()
    overdue_day = datetime.now(UTC).date().isoformat()  # due today: overdue from midnight
    # The scheduler's job is fired by hand below, on the test's clock.
    bot = start_bot(database_url, clock=clock, run_scheduler=False, playbooks_dir=playbooks)
    try:
        checkout = bot.declare("SEV2 checkout slow")
        bot.command("role ic <@U0BOB|bob>", channel=checkout.channel_id)
        bot.command("update identified Pool exhausted, raising it", channel=checkout.channel_id, user="U0BOB")
        bot.command(f"followup Alert on pool usage <@U0CAROL|carol> due {overdue_day}", channel=checkout.channel_id)
        secret = bot.declare("SEC payroll export leaked", user="U0BOB")
        bot.command(f"followup Rotate the payroll keys <@U0BOB|bob> due {overdue_day}", channel=secret.channel_id, user="U0BOB")
        login = bot.declare("SEV4 login page typo")
        bot.settle()
        bot.command("resolve Fixed the copy", channel=login.channel_id)
        bot.settle()

        clock.set(nine - timedelta(minutes=1))
        assert not _fire(bot)  # a minute early: not yet
        clock.set(nine + timedelta(seconds=5))
        assert _fire(bot)
        assert not _fire(bot)  # once
        [digest] = _digests(bot)
        day = nine.date()
        overdue = block_text(find_block(digest, blocks.DIGEST_OVERDUE_BLOCK))
        assert digest.text == f"Daily incident digest for {day}: 2 open, 1 resolved in the last 24 hours, 4 overdue"
        assert len(digest.blocks) <= blocks.MAX_BLOCKS
        assert block_text(find_block(digest, blocks.DIGEST_HEADER_BLOCK)) == f"Daily incident digest · {day:%a %-d %b %Y}"

        row = block_text(find_block(digest, f"{blocks.DIGEST_INCIDENT_BLOCK}{checkout.ref}"))
        assert "*SEV2* · *checkout slow*" in row and f"<#{checkout.channel_id}>" in row
        assert "IC <@U0BOB>" in row and " · open " in row
        assert "Pool exhausted, raising it" in row and "by <@U0BOB>" in row
        assert "1 private incident open" in block_text(find_block(digest, blocks.DIGEST_PRIVATE_BLOCK))

        resolved = block_text(find_block(digest, blocks.DIGEST_RESOLVED_BLOCK))
        assert f"*{login.ref}* login page typo · SEV4 · resolved after " in resolved
        assert f"*{checkout.ref}* checkout slow · update due" in overdue  # SEV2: every 30 minutes
        assert f"*{checkout.ref}* #1 Alert on pool usage · owner <@U0CAROL> · due {overdue_day}" in overdue
        assert "2 overdue items of private incidents" in overdue  # its update and its follow-up
        for secret_word in ("payroll", secret.ref, str(secret.channel_id), "Rotate"):
            assert not carries(digest, secret_word)
    finally:
        bot.stop()


def test_two_replicas_post_one_digest_and_a_restart_posts_none(database_url: str, tmp_path: Path) -> None:
    playbooks, nine = digest_playbooks(tmp_path)
    clock = AheadClock()
    clock.set(nine + timedelta(minutes=1))
    first = start_bot(database_url, clock=clock, run_scheduler=False, playbooks_dir=playbooks)
    second = start_bot(
        database_url, clock=clock, run_scheduler=False, playbooks_dir=playbooks, workspace=first.workspace,
        emulator=first.emulator,
    )
    try:
        assert [_fire(first), _fire(second)].count(True) == 1
        [digest] = wait_until(lambda: _digests(first), what="the digest")
        assert ":sunny: No open incidents." in [block_text(b) for b in digest.blocks]
        assert "Nothing is overdue" in block_text(find_block(digest, blocks.DIGEST_OVERDUE_BLOCK))
    finally:
        second.stop()
    restarted = start_bot(
        database_url, clock=clock, run_scheduler=False, playbooks_dir=playbooks, workspace=first.workspace,
        emulator=first.emulator,
    )
    try:
        assert not _fire(restarted)
        clock.set(nine + timedelta(hours=2))  # later the same day: still nothing
        assert not _fire(restarted)
        assert len(_digests(first)) == 1
    finally:
        restarted.stop()
        first.stop()


def test_the_weekly_report_posts_its_numbers_and_uploads_a_png_chart(sqlite_url: str, tmp_path: Path) -> None:
    playbooks, at = digest_playbooks(tmp_path)
    clock = AheadClock()
    bot = start_bot(sqlite_url, clock=clock, run_scheduler=False, playbooks_dir=playbooks)
    try:
        leadership = bot.workspace.create_channel("leadership", creator="U0ALICE")
        checkout = bot.declare("SEV2 checkout slow")
        bot.command("ack", channel=checkout.channel_id)
        bot.command("followup Alert on pool usage", channel=checkout.channel_id)
        bot.settle()
        bot.command("resolve Pool raised", channel=checkout.channel_id)
        bot.declare("SEC payroll export leaked", user="U0BOB")
        bot.settle()

        clock.set(at + timedelta(seconds=5))
        assert _fire(bot, WEEKLY_REPORT)
        assert not _fire(bot, WEEKLY_REPORT)  # once
        [report] = [m for m in bot.workspace.messages(leadership.id) if m.text.startswith("Weekly incident report")]
        assert len(report.blocks) <= blocks.MAX_BLOCKS
        counts = block_text(find_block(report, weekly.WEEKLY_COUNTS_BLOCK))
        assert counts.startswith("*Incidents: 2* (") and "SEV2 1" in counts and "SEC 1" in counts
        assert "Resolved 1 · reopened 0" in counts
        times = block_text(find_block(report, weekly.WEEKLY_TIMES_BLOCK))
        assert "• *SEV2* · acknowledge " in times and "resolve " in times
        practice = block_text(find_block(report, weekly.WEEKLY_PRACTICE_BLOCK))
        assert "*Follow-ups*: 1 opened · 0 closed · 0 overdue" in practice
        assert not carries(report, "payroll")

        [chart] = [f for f in bot.workspace.files.values() if leadership.id in f.channels]
        assert chart.completed and chart.name.endswith(".png")
        assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert [f.name for f in bot.workspace.files.values() if f.name.endswith(".png")] == [chart.name]  # once
    finally:
        bot.stop()
