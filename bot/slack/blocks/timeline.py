"""``/incident timeline``: the timeline in pages within Block Kit's limits, and the clean-up notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.durations import format_duration
from bot.domain.text import plain
from bot.services.read_models import EntryView, IncidentView
from bot.slack import ids
from bot.slack.blocks.common import SECTION_TEXT, channel_link, cut, mention, when

HEAD = "timeline_head"
LINES = "timeline_lines:"
PAGES = "timeline_pages"
# A page holds at most this many entries and characters of lines: far inside 50 blocks a message and the
# ~13k characters of blocks Slack accepts; each line is cut so a section (3,000) always fits several.
PAGE_ENTRIES = 20
PAGE_CHARS = 9000
LINE_TEXT = 400

_LABELS = {
    "declared": "Declared",
    "acknowledged": "Acknowledged",
    "severity_changed": "Severity",
    "role_assigned": "Role",
    "update": "Update",
    "note": "Note",
    "resolved": "Resolved",
    "reopened": "Reopened",
    "escalated": "Escalated",
    "paged": "Paged",
    "captured": ":pushpin:",
    "archived": ":file_cabinet: Archived",
    "unarchived": ":open_file_folder: Unarchived",
    "unarchive_refused": ":warning: Not unarchived",
    "followup_added": "Follow-up",
    "followup_done": "Follow-up done",
    "runbook_attached": "Runbook",
    "runbook_step_run": "Runbook step",
    "runbook_step_done": "Runbook step done",
}


def entry_line(entry: EntryView) -> str:
    """Time (a Slack date token), who, what, and the captured message's link."""
    label = _LABELS.get(entry.kind) or entry.kind.replace("_", " ").capitalize()
    who = mention(entry.actor_id, "the bot")
    text = cut(" ".join(entry.text.split()), LINE_TEXT)
    if text.casefold().startswith(label.casefold()):  # "Paged carol (level 1)" says what it is already
        label = ""
    what = " ".join(part for part in (label, text) if part) or entry.kind
    line = f"{when(entry.occurred_at)} · {who} · {what}"
    if entry.permalink:
        line += f" <{entry.permalink}|(message)>"
    return cut(line, SECTION_TEXT)


def paginate(entries: Sequence[EntryView]) -> list[list[str]]:
    """The lines of each page, oldest page first; pages are cut from the start so they stay put as the
    timeline grows. An empty timeline is one empty page."""
    pages: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        line = entry_line(entry)
        if len(pages[-1]) >= PAGE_ENTRIES or (pages[-1] and size + len(line) + 1 > PAGE_CHARS):
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages


def _sections(lines: Sequence[str]) -> list[Block]:
    chunks: list[list[str]] = [[]]
    for line in lines:
        if chunks[-1] and sum(len(x) + 1 for x in chunks[-1]) + len(line) > SECTION_TEXT:
            chunks.append([])
        chunks[-1].append(line)
    return [
        SectionBlock(block_id=f"{LINES}{i}", text=MarkdownTextObject(text="\n".join(chunk)))
        for i, chunk in enumerate(chunks)
        if chunk
    ]


def timeline_page(incident: IncidentView, entries: Sequence[EntryView], page: int | None = None) -> tuple[str, list[Block]]:
    """One page (the newest when ``page`` is None or past the end) with Older / Newer buttons."""
    pages = paginate(entries)
    last = len(pages) - 1
    index = last if page is None else max(0, min(page, last))
    first_number = sum(len(p) for p in pages[:index]) + 1
    shown = pages[index]
    where = f"page {index + 1} of {len(pages)}, entries {first_number}–{first_number + len(shown) - 1} of {len(entries)}"
    head = f"*Timeline of {incident.ref}* {cut(plain(incident.title), 150)} · {where if shown else 'nothing recorded yet'}"
    blocks: list[Block] = [SectionBlock(block_id=HEAD, text=MarkdownTextObject(text=head))]
    blocks += _sections(shown)
    buttons = []
    if index > 0:
        buttons.append(ButtonElement(text="Older", action_id=ids.TIMELINE_OLDER, value=f"{incident.id}:{index - 1}"))
    if index < last:
        buttons.append(ButtonElement(text="Newer", action_id=ids.TIMELINE_NEWER, value=f"{incident.id}:{index + 1}"))
    if buttons:
        blocks.append(ActionsBlock(block_id=PAGES, elements=buttons))
    return f"Timeline of {incident.ref} ({where})", blocks


def archive_notice(incident: IncidentView, after: timedelta | None) -> Block:
    """The line under the final summary: why the channel is archived, and how to bring it back."""
    waited = f"{format_duration(after)} after resolution" if after else "after resolution"
    return ContextBlock(
        block_id="archive_notice",
        elements=[
            MarkdownTextObject(
                text=f":file_cabinet: This channel is archived now, {waited}. To reopen the incident, use "
                f"`/incident reopen {incident.ref} <reason>` anywhere; the channel is unarchived."
            )
        ],
    )


def unarchive_refused(incident: IncidentView, error: str) -> tuple[str, list[Block]]:
    """What the reopener is told when Slack keeps the channel archived."""
    text = (
        f":warning: *{incident.ref}* is reopened, but Slack refused to unarchive its channel "
        f"{channel_link(incident.channel_id, incident.channel_name)} (`{error}`). Ask a workspace admin to "
        "unarchive it (open the channel, then its settings, then *Unarchive channel*), or unarchive it "
        "yourself if you may; the bot cannot post in it until then."
    )
    return f"{incident.ref} is reopened; its channel is still archived", [
        SectionBlock(block_id="unarchive_refused", text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))
    ]
