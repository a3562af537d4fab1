"""Follow-up lists (an incident's, a person's) and the overdue DM, each follow-up with a Done button."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain.followups import FollowUpView
from bot.slack import ids
from bot.slack.blocks.common import SECTION_TEXT, cut, mention

# A message holds 50 blocks: a title, the follow-ups, and a line saying how many more there are.
MAX_LISTED = 45


def followup_line(item: FollowUpView, now: datetime | None = None, *, with_ref: bool = False) -> str:
    """``#3 Add an alert on queue depth · owner @bob · due 2026-12-15 (overdue)``."""
    parts = [f"*#{item.number}*" + (f" ({item.incident_ref})" if with_ref and item.incident_ref else ""), item.text]
    if item.owner_id:
        parts.append(f"owner {mention(item.owner_id)}")
    if item.due_on:
        late = " *(overdue)*" if now is not None and item.is_overdue(now) else ""
        parts.append(f"due {item.due_on.isoformat()}{late}")
    if item.done_at:
        parts.append(f"done by {mention(item.done_by, 'someone')}")
    return " · ".join(parts)


def _item(item: FollowUpView, now: datetime, with_ref: bool) -> SectionBlock:
    return SectionBlock(
        block_id=f"{ids.FOLLOWUP_BLOCK}{item.incident_id}:{item.number}",
        text=MarkdownTextObject(text=cut(followup_line(item, now, with_ref=with_ref), SECTION_TEXT)),
        accessory=ButtonElement(
            text="Done", action_id=ids.FOLLOWUP_DONE, value=f"{item.incident_id}:{item.number}"
        ),
    )


def followup_list(
    title: str, items: Sequence[FollowUpView], now: datetime, *, with_ref: bool = False, footer: str = ""
) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=cut(title, SECTION_TEXT)))]
    blocks += [_item(item, now, with_ref) for item in items[:MAX_LISTED]]
    more = len(items) - MAX_LISTED
    notes = ([f"and {more} more"] if more > 0 else []) + ([footer] if footer else [])
    if notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=cut("; ".join(notes), SECTION_TEXT))]))
    return blocks


def overdue_dm(item: FollowUpView, now: datetime) -> list[Block]:
    due = item.due_on.isoformat() if item.due_on else ""
    title = (
        f":alarm_clock: Your follow-up of *{item.incident_ref}* {item.incident_title} was due on {due} "
        "and is still open. Close it with *Done* once it is done."
    )
    return [SectionBlock(text=MarkdownTextObject(text=cut(title, SECTION_TEXT))), _item(item, now, True)]
