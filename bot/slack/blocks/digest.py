"""The daily digest message: open incidents by severity, the last day's resolutions, what is overdue (≤ 50 blocks)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.digest import Digest, DigestIncident
from bot.domain.durations import format_duration
from bot.domain.status import Status
from bot.slack.blocks.common import (
    HEADER_TEXT,
    SECTION_TEXT,
    channel_link,
    cut,
    mention,
    severity_emoji,
    status_text,
    when,
)
from bot.slack.blocks.grouped import by_severity

MAX_BLOCKS = 50  # Slack's limit for a message
MAX_LINES = 10  # resolved incidents
MAX_OVERDUE = 5  # overdue items of each kind: three kinds in one section stay under 3,000 characters
UPDATE_TEXT = 200
OVERDUE_TEXT = 60
DIGEST_HEADER_BLOCK = "digest_header"
DIGEST_OPEN_BLOCK = "digest_open"
DIGEST_INCIDENT_BLOCK = "digest_incident_"
DIGEST_PRIVATE_BLOCK = "digest_private"
DIGEST_RESOLVED_BLOCK = "digest_resolved"
DIGEST_OVERDUE_BLOCK = "digest_overdue"


def digest_text(digest: Digest) -> str:
    """The notification text (and the fallback for clients without blocks)."""
    return (
        f"Daily incident digest for {digest.day.isoformat()}: {_open_count(digest)} open, "
        f"{len(digest.resolved) + digest.resolved_private} resolved in the last 24 hours, "
        f"{_overdue_count(digest)} overdue"
    )


def digest_blocks(digest: Digest) -> list[Block]:
    """Never more than ``MAX_BLOCKS``: incidents beyond the budget are summed up as "…and N more"."""
    top: list[Block] = [
        HeaderBlock(block_id=DIGEST_HEADER_BLOCK, text=cut(f"Daily incident digest · {digest.day:%a %-d %b %Y}", HEADER_TEXT)),
        _context(
            f"As of {when(digest.at)} · *{_open_count(digest)}* open · "
            f"*{len(digest.resolved) + digest.resolved_private}* resolved in the last 24 hours · "
            f"*{_overdue_count(digest)}* overdue"
        ),
        _section(f"*Open incidents ({_open_count(digest)})*", DIGEST_OPEN_BLOCK),
    ]
    notes: list[Block] = []
    if digest.open_private:
        noun = "private incident" if digest.open_private == 1 else "private incidents"
        notes.append(_context(f":lock: {digest.open_private} {noun} open, not described here.", DIGEST_PRIVATE_BLOCK))
    bottom: list[Block] = [
        DividerBlock(),
        _section(_resolved(digest), DIGEST_RESOLVED_BLOCK),
        DividerBlock(),
        _section(_overdue(digest), DIGEST_OVERDUE_BLOCK),
    ]
    budget = MAX_BLOCKS - len(top) - len(notes) - len(bottom) - 1  # one left for "…and N more"
    return [*top, *_open(digest, budget), *notes, *bottom]


def _open(digest: Digest, budget: int) -> list[Block]:
    if not digest.open:
        return [_context(":sunny: No open incidents." if not digest.open_private else "No other open incidents.")]
    return by_severity(
        digest.open, budget, lambda incident: _incident(incident, digest), "`/incident list` lists them all."
    )


def _incident(incident: DigestIncident, digest: Digest) -> SectionBlock:
    lines = [
        f"{severity_emoji(incident.severity)} *{incident.severity.id}* · *{incident.title}* · {incident.ref}",
        f"{channel_link(incident.channel_id)} · {status_text(Status(incident.status))} · "
        f"IC {mention(incident.commander_id)} · open {format_duration(digest.at - incident.declared_at)}",
        _last_update(incident),
    ]
    return _section("\n".join(lines), f"{DIGEST_INCIDENT_BLOCK}{incident.ref}")


def _last_update(incident: DigestIncident) -> str:
    if not incident.last_update_text:
        return "_No update yet_"
    by = f" by {mention(incident.last_update_by)}" if incident.last_update_by else ""
    return f"*Last update* {when(incident.last_update_at)}{by}: {cut(incident.last_update_text, UPDATE_TEXT)}"


def _resolved(digest: Digest) -> str:
    total = len(digest.resolved) + digest.resolved_private
    lines = [f"*Resolved in the last 24 hours ({total})*"]
    for incident in digest.resolved[:MAX_LINES]:
        took = format_duration(incident.resolved_at - incident.declared_at) if incident.resolved_at else "—"
        lines.append(
            f"• {severity_emoji(incident.severity)} *{incident.ref}* {cut(incident.title, 120)} · {incident.severity.id} · "
            f"resolved after {took}"
        )
    lines += _more(len(digest.resolved) - MAX_LINES)
    if digest.resolved_private:
        lines.append(f":lock: {_private(digest.resolved_private)}, not described here.")
    if total == 0:
        lines.append("_Nothing was resolved._")
    return "\n".join(lines)


def _overdue(digest: Digest) -> str:
    lines = [f"*Overdue ({_overdue_count(digest)})*"]
    if digest.overdue_updates:
        lines.append("_Status updates past their cadence_")
        lines += [
            f"• *{u.ref}* {cut(u.title, OVERDUE_TEXT)} · update due {when(u.due_at)} "
            f"({format_duration(digest.at - u.due_at)} late)"
            for u in digest.overdue_updates[:MAX_OVERDUE]
        ]
        lines += _more(len(digest.overdue_updates) - MAX_OVERDUE)
    if digest.overdue_postmortems:
        lines.append("_Post-mortems past due_")
        lines += [
            f"• *{p.ref}* {cut(p.title, OVERDUE_TEXT)} · due {when(p.due_at)}"
            for p in digest.overdue_postmortems[:MAX_OVERDUE]
        ]
        lines += _more(len(digest.overdue_postmortems) - MAX_OVERDUE)
    if digest.overdue_followups:
        lines.append("_Follow-ups past due_")
        lines += [
            f"• *{f.ref}* #{f.number} {cut(f.text, OVERDUE_TEXT)} · owner {mention(f.owner_id, 'nobody')} · "
            f"due {f.due_on.isoformat()}"
            for f in digest.overdue_followups[:MAX_OVERDUE]
        ]
        lines += _more(len(digest.overdue_followups) - MAX_OVERDUE)
    if digest.overdue_private:
        noun = "overdue item" if digest.overdue_private == 1 else "overdue items"
        lines.append(f":lock: {digest.overdue_private} {noun} of private incidents, not described here.")
    if len(lines) == 1:
        lines.append(":white_check_mark: Nothing is overdue.")
    return "\n".join(lines)


def _open_count(digest: Digest) -> int:
    return len(digest.open) + digest.open_private


def _overdue_count(digest: Digest) -> int:
    return (
        len(digest.overdue_updates)
        + len(digest.overdue_postmortems)
        + len(digest.overdue_followups)
        + digest.overdue_private
    )


def _private(count: int) -> str:
    return f"{count} private incident" if count == 1 else f"{count} private incidents"


def _more(extra: int) -> Sequence[str]:
    return [f"…and {extra} more."] if extra > 0 else []


def _section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))


def _context(text: str, block_id: str | None = None) -> ContextBlock:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=cut(text, SECTION_TEXT))])
