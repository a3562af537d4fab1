"""Who is told of an outbox message given up for good."""

from __future__ import annotations

from bot.domain.delivery_notice import DESCRIPTIONS, NoticeTarget, describe, notice_target
from bot.domain.events import EVENT_TYPES, DeliveryFailed


def test_the_ic_is_told_by_dm_whatever_failed() -> None:
    assert notice_target("U0BOB", "U0ALICE", "C1", "C1", "is_archived") == NoticeTarget("dm", "U0BOB")


def test_without_an_ic_the_channel_is_told_unless_the_channel_is_what_failed() -> None:
    assert notice_target(None, "U0ALICE", "C1", "D9", "channel_not_found") == NoticeTarget("channel", "C1")
    assert notice_target(None, "U0ALICE", "C1", "C1", "invalid_blocks") == NoticeTarget("channel", "C1")
    assert notice_target(None, "U0ALICE", "C1", None, None) == NoticeTarget("channel", "C1")
    assert notice_target(None, "U0ALICE", "C1", "C1", "is_archived") == NoticeTarget("dm", "U0ALICE")
    assert notice_target(None, "U0ALICE", None, None, "restricted_action") == NoticeTarget("dm", "U0ALICE")


def test_every_kind_is_described_in_words() -> None:
    assert describe("incident.updated") == "a status update"
    assert describe("something.new") == "a `something.new` message"
    assert set(EVENT_TYPES) - {DeliveryFailed.kind} == set(DESCRIPTIONS)
