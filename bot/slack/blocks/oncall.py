"""The ``/incident oncall`` answer: who is on call now for each schedule, and when it hands off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.rotation import shift_at
from bot.playbooks.oncall import OnCall
from bot.slack.blocks.common import mention, when


def oncall_text(oncall: OnCall, now: datetime, resolve: Callable[[str], tuple[str, ...]]) -> str:
    """One line per schedule; ``resolve`` turns a playbook entry (id or email) into user ids."""
    if not oncall.schedules:
        return "No on-call schedules are defined (add them to `playbooks/oncall.yaml`)."
    lines = [":calendar: *On call now*"]
    for schedule in oncall.schedules.values():
        shift = shift_at(schedule, now)
        following = shift_at(schedule, shift.end)
        lines.append(
            f"• *{schedule.id}* ({schedule.timezone.key}): {_who(shift.person, resolve)} until "
            f"{when(shift.end)}, then {_who(following.person, resolve)}"
        )
    return "\n".join(lines)


def _who(entry: str | None, resolve: Callable[[str], tuple[str, ...]]) -> str:
    if entry is None:
        return "_nobody_"
    users = resolve(entry)
    return mention(users[0]) if users else f"{entry} _(not found in Slack)_"
