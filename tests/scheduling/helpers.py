"""Shared helpers for the scheduling tests: the fast playbooks and finders for reminders and pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.slack import ids
from bot.storage import repositories as repo
from bot.storage.scheduling_models import EffectFired
from tests.harness import BotHarness, block_texts, has_action, start_bot, wait_until

FAST_PLAYBOOKS = Path(__file__).parent / "playbooks"


def fast_bot(database_url: str, *, wait_for_scheduler: bool = True, **kwargs: Any) -> BotHarness:
    """The bot with second-scale cadences; by default returns once its scheduler runs."""
    bot = start_bot(database_url, playbooks_dir=FAST_PLAYBOOKS, **kwargs)
    if wait_for_scheduler:
        wait_until(lambda: scheduler_running(bot), timeout=20, what="the scheduler to start")
    return bot


def scheduler_running(bot: BotHarness) -> bool:
    return bool(bot.container.scheduler.running)


def nudges(bot: BotHarness, channel_id: str) -> list[Any]:
    return [m for m in bot.workspace.messages(channel_id) if has_action(m, ids.NUDGE_SNOOZE)]


def pages(bot: BotHarness, user_id: str) -> list[Any]:
    return [m for m in bot.workspace.dm_messages(user_id) if is_page(m)]


def is_page(message: Any) -> bool:
    """A page DM: open (it says so and has the Acknowledge button), or since answered ("You were paged")."""
    texts = block_texts(message)
    if not texts:
        return False
    return ("You are being paged" in texts[0] and has_action(message, ids.ACK)) or "You were paged" in texts[0]


def page_text(message: Any) -> str:
    """What a page DM says (its first block: incident, severity, channel, level and why)."""
    return block_texts(message)[0]


def page_now(bot: BotHarness, page: Any) -> Any:
    """The page DM as it reads now (edited in place once the page is answered)."""
    return bot.workspace.message(page.channel, page.ts)


def notices(bot: BotHarness, channel_id: str, needle: str) -> list[Any]:
    """Channel messages whose fallback text or block text contains ``needle``."""
    return [
        m for m in bot.workspace.messages(channel_id)
        if needle in (m.text or "") or any(needle in t for t in block_texts(m))
    ]


def reminder_text(message: Any) -> str:
    """What an update reminder says (its first block: who, how long, who else is called in)."""
    return block_texts(message)[0]


def ts(message: Any) -> float:
    return float(message.ts)


def fired(bot: BotHarness, incident_id: int, kind: str) -> list[tuple[datetime, datetime]]:
    """``(due_at, fired_at)`` of every ``kind`` effect claimed for the incident, by due time."""
    with bot.container.uow() as session:
        rows = session.execute(
            select(EffectFired.due_at, EffectFired.fired_at)
            .where(EffectFired.incident_id == incident_id, EffectFired.kind == kind)
            .order_by(EffectFired.due_at)
        ).all()
    return [(due, at) for due, at in rows]


def timeline(bot: BotHarness, incident_id: int, *kinds: str) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """``(kind, actor, text, data)`` of the incident's timeline rows, only ``kinds`` when given."""
    with bot.container.uow() as session:
        return [
            (e.kind, e.actor_id, e.text, dict(e.data))
            for e in repo.timeline(session, incident_id)
            if not kinds or e.kind in kinds
        ]


def stop_scheduling(bot: BotHarness) -> None:
    """Step this bot down from running the scheduler and deliver what it already fired: nothing more fires."""
    bot.container.elector.stop()
    bot.settle()


def running(bot: BotHarness) -> Iterator[BotHarness]:
    try:
        yield bot
    finally:
        bot.stop()
