"""The report's PNG chart: incidents per ISO week by severity (stacked bars) and the resolution-time trend."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.reporting import Report

# Most severe first, the colours run from red to grey; a level beyond the palette reuses its last colour.
PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#7f8c8d", "#8e44ad", "#2980b9", "#27ae60")
SIZE_INCHES = (10.0, 7.0)
DPI = 100


def _colour(index: int) -> str:
    return PALETTE[min(index, len(PALETTE) - 1)]


def render_chart(report: Report) -> bytes:
    """A 1000x700 PNG with two panels; built on the Agg canvas directly, so no display and no pyplot state."""
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    bars, trend = figure.subplots(2, 1, sharex=True)
    weeks = [w.week for w in report.weeks]
    positions = list(range(len(weeks)))
    last_day = report.until - timedelta(microseconds=1)  # the end is exclusive: midnight shows the day before
    title = f"Incidents {report.since:%Y-%m-%d} to {last_day:%Y-%m-%d}"
    figure.suptitle(title + (f" ({report.severity})" if report.severity else ""))

    bottom = [0] * len(weeks)
    severities: Sequence[str] = report.weeks[0].severities if report.weeks else ()
    for index, severity in enumerate(severities):
        counts = [w.count(severity) for w in report.weeks]
        bars.bar(positions, counts, bottom=bottom, color=_colour(index), label=severity)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.set_ylabel("incidents declared")
    bars.set_title("Incidents per week by severity")
    bars.yaxis.get_major_locator().set_params(integer=True)
    if severities:
        bars.legend(loc="upper left", fontsize="small")
    else:
        bars.text(0.5, 0.5, "no incidents", ha="center", va="center", transform=bars.transAxes)

    hours = [w.resolve_median.total_seconds() / 3600 if w.resolve_median else float("nan") for w in report.weeks]
    trend.plot(positions, hours, marker="o", color="#2c3e50")
    trend.set_ylabel("hours")
    trend.set_title("Median time to resolve, by week declared")
    trend.set_ylim(bottom=0)
    trend.set_xticks(positions, weeks, rotation=45 if len(weeks) > 8 else 0, fontsize="small")
    figure.tight_layout()

    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
