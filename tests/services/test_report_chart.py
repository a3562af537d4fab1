"""The report's PNG chart: a real image from matplotlib's headless canvas, for a full and an empty report."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from matplotlib.image import imread

from bot.domain.metrics import Cadence, FollowUpCounts, Spread
from bot.reports.chart import render_chart
from bot.services.reporting import Report, SeverityStats, WeekStats

SINCE = datetime(2026, 11, 2, tzinfo=UTC)
NONE = Spread(0, None, None)


def _report(weeks: tuple[WeekStats, ...]) -> Report:
    total = SeverityStats("all", 0, 0, 0, NONE, NONE, NONE, Cadence(), None, FollowUpCounts())
    return Report(SINCE, SINCE + timedelta(days=7 * len(weeks)), None, (), total, weeks, ())


def _pixels(png: bytes):  # type: ignore[no-untyped-def]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return imread(io.BytesIO(png), format="png")


def test_chart_is_a_png_with_bars_and_a_trend() -> None:
    weeks = (
        WeekStats("2026-W45", (("SEV1", 2), ("SEV2", 1)), 3, timedelta(hours=2)),
        WeekStats("2026-W46", (("SEV1", 0), ("SEV2", 0)), 0, None),
        WeekStats("2026-W47", (("SEV1", 1), ("SEV2", 3)), 4, timedelta(hours=5)),
    )
    pixels = _pixels(render_chart(_report(weeks)))
    assert pixels.shape[:2] == (700, 1000)
    red = (abs(pixels[..., 0] - 0xC0 / 255) < 0.02) & (abs(pixels[..., 1] - 0x39 / 255) < 0.02)
    orange = (abs(pixels[..., 0] - 0xE6 / 255) < 0.02) & (abs(pixels[..., 1] - 0x7E / 255) < 0.02)
    assert red.sum() > 1000 and orange.sum() > 1000  # the SEV1 and SEV2 bars are drawn


def test_an_empty_report_still_draws() -> None:
    pixels = _pixels(render_chart(_report((WeekStats("2026-W45", (), 0, None),))))
    assert pixels.shape[:2] == (700, 1000)
