"""A communication draft shown only to the person who asked: the filled-in template as copyable text."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.services.drafts import Draft
from bot.slack.blocks.common import HEADER_TEXT, SECTION_TEXT, cut

# Room for the header, the note and the cut notice within Slack's 50 blocks per message.
MAX_SECTIONS = 40
_FENCE = "```"


def _chunks(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def draft_message(draft: Draft) -> list[Block]:
    """Header, a note on what this is, then the draft in code blocks so it copies exactly as written."""
    body = draft.text.replace(_FENCE, "'''")
    pieces = _chunks(body, SECTION_TEXT - 2 * len(_FENCE) - 2)
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"Draft: {draft.label} · {draft.incident.ref}", HEADER_TEXT)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Only you can see this. Copy it, fill in the blanks (—) and post it where it "
                    "belongs; nothing was sent. The text comes from the playbook's templates."
                )
            ]
        ),
    ]
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=f"{_FENCE}\n{p}\n{_FENCE}")) for p in pieces[:MAX_SECTIONS]
    ]
    if len(pieces) > MAX_SECTIONS:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="_The draft was cut to fit one Slack message._")])
        )
    return blocks


def draft_list(available: Sequence[str]) -> str:
    if not available:
        return "This playbook has no message templates (`templates/` in the playbooks directory)."
    names = ", ".join(f"`{n}`" for n in available)
    return f"Drafts from the playbook's templates: {names}. Try `/incident draft {available[0]}`."
