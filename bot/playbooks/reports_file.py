"""reports.yaml: when and where the daily digest and the weekly report are posted (strict, file:line problems)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, field_validator

from bot.domain.report_schedule import (
    DAILY_DIGEST,
    WEEKDAYS,
    WEEKLY_REPORT,
    LocalSchedule,
    parse_clock,
    parse_weekday,
)
from bot.playbooks.oncall import parse_timezone
from bot.playbooks.schema import StrictModel

DEFAULT_TIME = "09:00"
DEFAULT_TIMEZONE = "UTC"


def _channel(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip().lstrip("#"):
        raise ValueError(f"expected a channel name such as incidents or #leadership, got {value!r}")
    return value.strip().lstrip("#")


class _Timed(StrictModel):
    enabled: bool = True
    channel: str | None = None  # absent: the broadcast channel (INCIDENTS_CHANNEL)
    time: Any = DEFAULT_TIME
    timezone: str = DEFAULT_TIMEZONE

    @field_validator("channel", mode="before")
    @classmethod
    def _the_channel(cls, value: Any) -> str | None:
        return _channel(value)

    @field_validator("time")
    @classmethod
    def _the_time(cls, value: Any) -> Any:
        parse_clock(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        parse_timezone(value)
        return value


def _weekday(value: Any) -> Any:
    parse_weekday(value)
    return value


Weekday = Annotated[Any, AfterValidator(_weekday)]


class DailyDigestSpec(_Timed):
    weekdays: list[Weekday] = list(WEEKDAYS[:5])

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: list[Any]) -> list[Any]:
        if not value:
            raise ValueError("must list at least one weekday (mon … sun); set enabled: false to turn it off")
        return value


class WeeklyReportSpec(_Timed):
    weekday: Weekday = "mon"


class ReportsFile(StrictModel):
    daily_digest: DailyDigestSpec | None = None
    weekly_report: WeeklyReportSpec | None = None


@dataclass(frozen=True)
class ReportSchedules:
    """The schedules reports.yaml defines; None where a section is absent or ``enabled: false``."""

    daily: LocalSchedule | None = None
    weekly: LocalSchedule | None = None


def build_reports(spec: ReportsFile) -> ReportSchedules:
    daily = weekly = None
    if spec.daily_digest is not None and spec.daily_digest.enabled:
        d = spec.daily_digest
        days = frozenset(parse_weekday(day) for day in d.weekdays)
        daily = LocalSchedule(DAILY_DIGEST, parse_clock(d.time), d.timezone, days, d.channel)
    if spec.weekly_report is not None and spec.weekly_report.enabled:
        w = spec.weekly_report
        weekly = LocalSchedule(
            WEEKLY_REPORT, parse_clock(w.time), w.timezone, frozenset({parse_weekday(w.weekday)}), w.channel
        )
    return ReportSchedules(daily, weekly)
