"""The bot's Home tab: open incidents by severity with Join buttons, the person's roles and follow-ups, who is on call, Declare."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.durations import format_duration
from bot.services.home import HeldRoles, HomeData, OnCallNow
from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.slack.blocks.common import (
    SECTION_TEXT,
    channel_link,
    cut,
    mention,
    severity_emoji,
    status_text,
    when,
)
from bot.slack.blocks.grouped import by_severity

MAX_BLOCKS = 100  # Slack's limit for a Home tab
MAX_MINE = 10
MAX_FOLLOW_UPS = 15
MAX_POSTMORTEMS = 10
UPDATE_TEXT = 300


def home_view(data: HomeData) -> dict[str, Any]:
    """The ``views.publish`` view for one person; never more than ``MAX_BLOCKS`` blocks."""
    top: list[Block] = [
        ActionsBlock(
            block_id=ids.HOME_ACTIONS_BLOCK,
            elements=[
                ButtonElement(
                    text="Declare an incident", action_id=ids.HOME_DECLARE, value="declare", style="danger"
                )
            ],
        ),
        HeaderBlock(text=f"Open incidents ({len(data.incidents)})"),
    ]
    bottom = [*_mine(data), *_postmortems(data), *_follow_ups(data), *_oncall(data)]
    notes: list[Block] = []
    if data.hidden:
        noun = "private incident" if data.hidden == 1 else "private incidents"
        notes.append(_context(f":lock: {data.hidden} {noun}, shown only to the members of its channel."))
    budget = MAX_BLOCKS - len(top) - len(bottom) - len(notes) - 1  # one left for "and N more"
    listed = _incidents(data, budget)
    blocks = [*top, *listed, *notes, *bottom]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def _incidents(data: HomeData, budget: int) -> list[Block]:
    if not data.incidents:
        return [_section(":sunny: No open incidents right now.")]
    return by_severity(
        data.incidents,
        budget,
        lambda incident: _incident(incident, data),
        "`/incident list` in any channel lists them all.",
    )


def _incident(incident: IncidentView, data: HomeData) -> SectionBlock:
    age = format_duration(data.now - incident.declared_at)
    lines = [
        f"{severity_emoji(incident.severity)} *{incident.severity.id}* · *{incident.title}* · {incident.ref}",
        f"{channel_link(incident.channel_id, incident.channel_name)} · {status_text(incident.status)} · "
        f"IC {mention(incident.commander_id)} · open {age} (since {when(incident.declared_at)})",
        _last_update(incident),
    ]
    join = None
    if incident.channel_id:
        join = ButtonElement(text="Join", action_id=ids.HOME_JOIN, value=str(incident.id))
    return SectionBlock(
        block_id=f"{ids.HOME_INCIDENT_BLOCK}{incident.id}",
        text=MarkdownTextObject(text=cut("\n".join(lines), SECTION_TEXT)),
        accessory=join,
    )


def _last_update(incident: IncidentView) -> str:
    if not incident.last_update_text:
        return f"_No update yet_ · declared {when(incident.declared_at, '{time}')}"
    by = f" by {mention(incident.last_update_by)}" if incident.last_update_by else ""
    return f"*Last update* {when(incident.last_update_at)}{by}: {cut(incident.last_update_text, UPDATE_TEXT)}"


def _mine(data: HomeData) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Your incidents")]
    if not data.mine:
        return [*blocks, _context("You hold no role in an open incident.")]
    for held in data.mine[:MAX_MINE]:
        blocks.append(_held(held))
    if len(data.mine) > MAX_MINE:
        blocks.append(_context(f"…and {len(data.mine) - MAX_MINE} more."))
    return blocks


def _held(held: HeldRoles) -> SectionBlock:
    incident = held.incident
    return SectionBlock(
        block_id=f"{ids.HOME_MINE_BLOCK}{incident.id}",
        text=MarkdownTextObject(
            text=cut(
                f"{severity_emoji(incident.severity)} *{incident.ref}* {incident.title} · "
                f"{channel_link(incident.channel_id, incident.channel_name)}\n"
                f"You are *{', '.join(held.roles)}* · {status_text(incident.status)}",
                SECTION_TEXT,
            )
        ),
    )


def _postmortems(data: HomeData) -> list[Block]:
    """The post-mortems this person is reminded of; nothing at all when there are none."""
    if not data.postmortems:
        return []
    lines = []
    for owed in data.postmortems[:MAX_POSTMORTEMS]:
        inc = owed.incident
        late = " :warning: overdue" if owed.due_at <= data.now else ""
        lines.append(f"• *{inc.ref}* {inc.title} · {channel_link(inc.channel_id, inc.channel_name)} · due {when(owed.due_at)}{late}")
    if len(data.postmortems) > MAX_POSTMORTEMS:
        lines.append(f"…and {len(data.postmortems) - MAX_POSTMORTEMS} more.")
    lines.append("_`/incident postmortem done <link>` (or `skip <reason>`) in the incident's channel._")
    return [DividerBlock(), HeaderBlock(text="Post-mortems to write"), _section("\n".join(lines))]


def _follow_ups(data: HomeData) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Your open follow-ups")]
    if not data.follow_ups:
        return [*blocks, _context("No open follow-up is yours.")]
    lines = []
    for item in data.follow_ups[:MAX_FOLLOW_UPS]:
        due = ""
        if item.due_on:
            late = " :warning: overdue" if item.is_overdue(data.now) else ""
            due = f" · due {item.due_on.isoformat()}{late}"
        lines.append(f"• *{item.incident_ref}* #{item.number} {item.text}{due}")
    if len(data.follow_ups) > MAX_FOLLOW_UPS:
        lines.append(f"…and {len(data.follow_ups) - MAX_FOLLOW_UPS} more: `/incident followups mine` lists them all.")
    return [*blocks, _section("\n".join(lines))]


def _oncall(data: HomeData) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="On call now")]
    if not data.oncall:
        return [*blocks, _context("No on-call schedules are defined (`playbooks/oncall.yaml`).")]
    return [*blocks, _section("\n".join(_shift(row) for row in data.oncall))]


def _shift(row: OnCallNow) -> str:
    if row.entry is None:
        who = "_nobody_"
    elif row.people:
        who = ", ".join(mention(p) for p in row.people)
    else:
        who = f"{row.entry} _(not found in Slack)_"
    return f"• *{row.schedule_id}* ({row.timezone}): {who} until {when(row.until)}"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text, SECTION_TEXT))])

