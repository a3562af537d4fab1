"""``incident-bot report``: the metrics for a date range as a table, CSV or JSON, and optionally the PNG chart."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.metrics import Spread
from bot.playbooks.loader import load_playbooks
from bot.playbooks.problems import PlaybookError
from bot.services.errors import UserError
from bot.services.reporting import FIELDS, Report, build_report, report_rows
from bot.storage import report_queries
from bot.storage.db import UnitOfWork, make_engine, make_session_factory

FORMATS = ("table", "csv", "json")
_AGO = re.compile(r"^(\d{1,5})([hdw])$", re.IGNORECASE | re.ASCII)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
SINCE_HELP = "how far back: 30d, 12h, 2w (before --until), or a date / time such as 2026-11-01 (UTC)"
UNTIL_HELP = "the end: a date (the whole day counts) or a time such as 2026-11-30T12:00 (UTC); default now"


@dataclass(frozen=True)
class Moment:
    """A --since / --until value: a span back from the end, or an instant."""

    ago: timedelta | None = None
    at: datetime | None = None


def _instant(text: str, end_of_day: bool) -> datetime:
    """``2026-11-30`` (the start of the day, or the start of the next one for an end) or an ISO time in UTC."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day + timedelta(days=1 if end_of_day else 0), time(0), tzinfo=UTC)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a day of the calendar")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a span such as 30d nor a date such as 2026-11-01"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def since_arg(text: str) -> Moment:
    match = _AGO.match(text.strip())
    if match:
        amount = int(match.group(1))
        if amount == 0:
            raise argparse.ArgumentTypeError(f"{text!r} is an empty span; try 30d")
        return Moment(ago=amount * _UNIT[match.group(2).lower()])
    return Moment(at=_instant(text.strip(), end_of_day=False))


def until_arg(text: str) -> datetime:
    if _AGO.match(text.strip()):
        raise argparse.ArgumentTypeError(f"--until takes a date or a time such as 2026-11-30, not {text!r}")
    return _instant(text.strip(), end_of_day=True)


def add_parser(sub: Any, handler: Callable[..., int]) -> None:
    """The ``report`` sub-command's arguments, registered by ``bot.cli``."""
    report = sub.add_parser("report", help="incident metrics for a date range (table, CSV or JSON, PNG chart)")
    report.add_argument("--since", type=since_arg, default=since_arg("30d"), help=SINCE_HELP)
    report.add_argument("--until", type=until_arg, default=None, help=UNTIL_HELP)
    report.add_argument("--severity", default=None, help="only this severity, e.g. SEV1")
    report.add_argument("--format", choices=FORMATS, default="table")
    report.add_argument("--chart", type=Path, default=None, help="also write the chart as a PNG file here")
    report.set_defaults(handler=handler)


@contextmanager
def _session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(make_session_factory(engine))() as session:
            yield session
    finally:
        engine.dispose()


def _severity(word: str, playbooks_dir: Path, recorded: list[str]) -> str:
    """A severity id from a word: a playbook level or alias, or a level incidents were recorded under."""
    known: list[str] = []
    try:
        levels = load_playbooks(playbooks_dir).severities
    except PlaybookError:
        levels = None
    if levels is not None:
        found = levels.lookup(word)
        if found is not None:
            return found.id
        known = [s.id for s in levels]
    for severity in recorded:
        if severity.casefold() == word.strip().casefold():
            return severity
    valid = ", ".join(dict.fromkeys([*known, *recorded])) or "none recorded yet"
    raise UserError(f"{word!r} is not a severity; valid severities: {valid}")


def run_report(
    args: argparse.Namespace,
    database_url: str,
    playbooks_dir: Path,
    chart: Callable[[Report], bytes],
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """``chart`` draws the PNG (``bot.reports.chart.render_chart``, imported only when --chart is asked)."""
    out = out or sys.stdout
    until = args.until or (now or datetime.now(UTC))
    since = args.since.at if args.since.at is not None else until - args.since.ago
    if since >= until:
        return _fail(f"--since ({since:%Y-%m-%d %H:%M}) must come before --until ({until:%Y-%m-%d %H:%M})", 2)
    try:
        with _session(database_url) as session:
            severity = None
            if args.severity is not None:
                severity = _severity(args.severity, playbooks_dir, report_queries.severities_recorded(session))
            report = build_report(session, since, until, severity)
    except UserError as exc:
        return _fail(str(exc), 2)
    except SQLAlchemyError as exc:
        return _fail(f"cannot read the database: {type(exc).__name__}: {exc}".splitlines()[0], 1)
    if args.chart is not None:
        try:
            args.chart.write_bytes(chart(report))
        except OSError as exc:
            return _fail(f"cannot write the chart to {args.chart}: {exc.strerror or exc}", 1)
        print(f"chart written to {args.chart}", file=sys.stderr)
    if args.format == "json":
        out.write(json.dumps(as_json(report), indent=2) + "\n")
    elif args.format == "csv":
        out.write(as_csv(report))
    else:
        print_table(report, out)
    return 0


def _fail(message: str, code: int) -> int:
    print(f"incident-bot: {message}", file=sys.stderr)
    return code


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _secs(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def as_json(report: Report) -> dict[str, Any]:
    """The rows of the CSV under ``severities``, plus the weeks and each incident's own numbers."""
    return {
        "since": _iso(report.since),
        "until": _iso(report.until),
        "severity": report.severity,
        "severities": report_rows(report),
        "weeks": [
            {
                "week": w.week,
                "incidents": dict(w.incidents),
                "total": w.total,
                "resolved": w.resolved,
                "ttr_median_seconds": _secs(w.resolve_median),
            }
            for w in report.weeks
        ],
        "incidents": [
            {
                "ref": i.ref,
                "severity": i.severity,
                "title": i.title,
                "private": i.private,
                "declared_at": _iso(i.declared_at),
                "tta_seconds": _secs(i.time_to_acknowledge),
                "ttm_seconds": _secs(i.time_to_mitigate),
                "ttr_seconds": _secs(i.time_to_resolve),
                "reopened": i.reopened,
            }
            for i in report.incidents
        ],
    }


def as_csv(report: Report) -> str:
    """One line per severity and one for all of them; empty cells where a number does not exist."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in report_rows(report):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def _span(spread: Spread) -> str:
    if spread.median is None or spread.p90 is None:
        return "-"
    return f"{format_duration(spread.median)} / {format_duration(spread.p90)}"


def _ratio(part: int, whole: int) -> str:
    """``75% (3/4)``, or ``-`` when nothing was due."""
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "-"


def print_table(report: Report, out: TextIO) -> None:
    console = Console(file=out, width=None if out.isatty() else 160, highlight=False)
    scope = f", {report.severity} only" if report.severity else ""
    console.print(
        f"Incidents declared from {_iso(report.since)} until {_iso(report.until)}{scope} (UTC; see README, Metrics)"
    )
    table = Table(show_lines=False)
    for title in ("Severity", "Incidents", "Resolved", "Reopened", "Acknowledge", "Mitigate", "Resolve"):
        table.add_column(title, justify="left" if title == "Severity" else "right")
    for title in ("Updates on cadence", "Post-mortems done", "Follow-ups opened/closed/overdue"):
        table.add_column(title, justify="right")
    for stats in (*report.by_severity, report.total):
        pm, follow = stats.postmortems, stats.follow_ups
        table.add_row(
            stats.severity if stats.severity != "all" else "All",
            str(stats.incidents),
            str(stats.resolved),
            str(stats.reopened),
            _span(stats.acknowledge),
            _span(stats.mitigate),
            _span(stats.resolve),
            _ratio(stats.cadence.on_time, stats.cadence.windows),
            _ratio(pm.done + pm.skipped, pm.due),
            f"{follow.opened}/{follow.closed}/{follow.overdue}",
        )
    console.print(table)
    console.print("Times are median / 90th percentile.")
    if report.empty:
        console.print("Nothing to report in this range.")
        return
    weeks = Table(title="Per ISO week")
    weeks.add_column("Week")
    for severity in report.weeks[0].severities if report.weeks else ():
        weeks.add_column(severity, justify="right")
    weeks.add_column("Total", justify="right")
    weeks.add_column("Median time to resolve", justify="right")
    for w in report.weeks:
        trend = format_duration(w.resolve_median) if w.resolve_median else "-"
        weeks.add_row(w.week, *(str(n) for _, n in w.incidents), str(w.total), trend)
    console.print(weeks)
