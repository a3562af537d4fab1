"""Incidents listed under a heading per severity, within a block budget, ending "…and N more"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from bot.domain.severity import Severity
from bot.slack.blocks.common import SECTION_TEXT, cut, severity_emoji


class HasSeverity(Protocol):
    @property
    def severity(self) -> Severity: ...


T = TypeVar("T", bound=HasSeverity)


def by_severity(items: Sequence[T], budget: int, render: Callable[[T], Block], more: str) -> list[Block]:
    """``items`` (already most severe first) as a heading per severity then one block each, in ``budget``.

    ``more`` is what follows "…and N more." when some did not fit.
    """
    blocks: list[Block] = []
    severity: str | None = None
    shown = 0
    for item in items:
        heading = item.severity.id != severity
        if len(blocks) + 1 + int(heading) > budget:
            break
        if heading:
            severity = item.severity.id
            count = sum(1 for i in items if i.severity.id == severity)
            blocks.append(_context(f"{severity_emoji(item.severity)} *{item.severity.label}* · {count} open"))
        blocks.append(render(item))
        shown += 1
    if shown < len(items):
        blocks.append(_context(f"…and {len(items) - shown} more. {more}"))
    return blocks


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text, SECTION_TEXT))])
