"""The weekly report message: counts by severity, TTA/TTM/TTR median and p90, cadence, post-mortems, follow-ups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.domain.durations import format_duration
from bot.slack.blocks.common import HEADER_TEXT, SECTION_TEXT, cut

Row = Mapping[str, object]
ALL = "all"
WEEKLY_HEADER_BLOCK = "weekly_header"
WEEKLY_COUNTS_BLOCK = "weekly_counts"
WEEKLY_TIMES_BLOCK = "weekly_times"
WEEKLY_PRACTICE_BLOCK = "weekly_practice"
MAX_SEVERITIES = 20


def _range(since: datetime, until: datetime) -> str:
    last = until - timedelta(microseconds=1)  # the end is exclusive
    return f"{since:%a %-d %b} – {last:%a %-d %b %Y}"


def weekly_text(since: datetime, until: datetime, rows: Sequence[Row]) -> str:
    total = _total(rows)
    return f"Weekly incident report, {_range(since, until)}: {_int(total, 'incidents')} incidents"


def weekly_blocks(since: datetime, until: datetime, rows: Sequence[Row], chart_weeks: int) -> list[Block]:
    total = _total(rows)
    levels = [r for r in rows if r.get("severity") != ALL][:MAX_SEVERITIES]
    blocks: list[Block] = [
        HeaderBlock(block_id=WEEKLY_HEADER_BLOCK, text=cut(f"Weekly incident report · {_range(since, until)}", HEADER_TEXT)),
        _section(_counts(total, levels), WEEKLY_COUNTS_BLOCK),
    ]
    if levels:
        blocks.append(_section(_times(levels), WEEKLY_TIMES_BLOCK))
    blocks.append(_section(_practice(total), WEEKLY_PRACTICE_BLOCK))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Incidents declared in the week. The chart shows the last "
                    f"{chart_weeks} weeks. Every number is defined in the README, section Metrics."
                )
            ]
        )
    )
    return blocks


def _counts(total: Row, levels: Sequence[Row]) -> str:
    if not _int(total, "incidents"):
        return "*Incidents: 0*. No incident was declared this week."
    by = " · ".join(f"{r['severity']} {_int(r, 'incidents')}" for r in levels)
    return (
        f"*Incidents: {_int(total, 'incidents')}* ({by})\n"
        f"Resolved {_int(total, 'resolved')} · reopened {_int(total, 'reopened')}"
    )


def _times(levels: Sequence[Row]) -> str:
    lines = ["*Time to acknowledge / mitigate / resolve* (median · 90th percentile)"]
    for r in levels:
        lines.append(
            f"• *{r['severity']}* · acknowledge {_spread(r, 'tta')} · mitigate {_spread(r, 'ttm')} · "
            f"resolve {_spread(r, 'ttr')}"
        )
    return "\n".join(lines)


def _practice(total: Row) -> str:
    windows, on_time = _int(total, "update_windows"), _int(total, "updates_on_cadence")
    cadence = f"{_percent(total.get('on_cadence_share'))} ({on_time} of {windows} update windows)" if windows else "—"
    if total.get("postmortems_due") is None:
        postmortems = "not recorded"
    elif not _int(total, "postmortems_due"):
        postmortems = "none due"
    else:
        done = _int(total, "postmortems_done") + _int(total, "postmortems_skipped")
        postmortems = (
            f"{_percent(total.get('postmortem_completion'))} ({done} of {_int(total, 'postmortems_due')} due "
            f"done or skipped)"
        )
    return (
        f"*Status updates on cadence*: {cadence}\n"
        f"*Post-mortems*: {postmortems}\n"
        f"*Follow-ups*: {_int(total, 'followups_opened')} opened · {_int(total, 'followups_closed')} closed · "
        f"{_int(total, 'followups_overdue')} overdue"
    )


def _spread(row: Row, prefix: str) -> str:
    median, p90 = row.get(f"{prefix}_median_seconds"), row.get(f"{prefix}_p90_seconds")
    if not isinstance(median, int | float) or not isinstance(p90, int | float):
        return "—"
    return f"{format_duration(timedelta(seconds=median))} · {format_duration(timedelta(seconds=p90))}"


def _percent(share: object) -> str:
    return f"{round(float(share) * 100)}%" if isinstance(share, int | float) else "—"


def _int(row: Row, key: str) -> int:
    value = row.get(key)
    return int(value) if isinstance(value, int | float) else 0


def _total(rows: Sequence[Row]) -> Row:
    return next((r for r in rows if r.get("severity") == ALL), {})


def _section(text: str, block_id: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=cut(text, SECTION_TEXT)))
