"""CloudWatch and Logs steps: alarms in ALARM, metric statistics with a sparkline, log lines in a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.integrations.aws.arguments import Arg
from bot.integrations.aws.formatting import (
    FIRE,
    INFO,
    OK,
    WARN,
    bounded,
    from_millis,
    number,
    plural,
    sparkline,
    stamp,
    window_words,
)
from bot.integrations.aws.model import StepError, StepResult
from bot.integrations.aws.operation import Context, Operation

MAX_ALARMS = 100
MAX_LOG_EVENTS = 10_000
MAX_LINE_CHARS = 500
STATISTICS = frozenset({"Average", "Sum", "Minimum", "Maximum", "SampleCount"})

# --- alarms ------------------------------------------------------------------------------------------


def describe_alarms(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    kwargs: dict[str, Any] = {"StateValue": "ALARM", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
    if "prefix" in args:
        kwargs["AlarmNamePrefix"] = args["prefix"]
    alarms: list[dict[str, Any]] = []
    for page in client.get_paginator("describe_alarms").paginate(**kwargs):
        alarms.extend(page.get("MetricAlarms", []) + page.get("CompositeAlarms", []))
        if len(alarms) >= MAX_ALARMS:
            break
    # Filter again locally: the answer must hold even if an endpoint ignores one of the filters.
    prefix = args.get("prefix", "")
    alarms = [a for a in alarms if a.get("StateValue") == "ALARM" and a["AlarmName"].startswith(prefix)]
    scope = f" matching '{prefix}'" if prefix else ""
    if not alarms:
        return StepResult(ok=True, headline=f"{OK} No CloudWatch alarms in ALARM{scope}", healthy=True)
    alarms.sort(key=lambda a: a["StateUpdatedTimestamp"], reverse=True)
    names = [a["AlarmName"] for a in alarms]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    headline = f"{FIRE} {plural(len(alarms), 'alarm')} in ALARM{scope}: {shown}"
    limit = args["limit"]
    fields = [(a["AlarmName"], f"since {stamp(a['StateUpdatedTimestamp'])}") for a in alarms[:limit]]
    details = "\n".join(
        f"{a['AlarmName']} — in ALARM since {stamp(a['StateUpdatedTimestamp'])}\n  {a.get('StateReason', '')}"
        for a in alarms[:limit]
    )
    return StepResult(ok=True, headline=headline, fields=fields[:5], details=bounded(details), healthy=False)


# --- metrics -----------------------------------------------------------------------------------------


def default_period(ctx: Context) -> int:
    """About sixty datapoints over the window, in whole minutes (CloudWatch wants multiples of 60)."""
    minutes = max(1, -(-int(ctx.window.total_seconds()) // 3600))
    return 60 * minutes


def _metric_kwargs(args: dict[str, Any]) -> dict[str, Any]:
    statistic = args["statistic"]
    kwargs: dict[str, Any] = {"Namespace": args["namespace"], "MetricName": args["metric"]}
    if args.get("dimensions"):
        kwargs["Dimensions"] = args["dimensions"]
    if statistic in STATISTICS:
        kwargs["Statistics"] = [statistic]
    elif statistic.startswith("p") and statistic[1:].replace(".", "", 1).isdigit():
        kwargs["ExtendedStatistics"] = [statistic]
    else:
        raise StepError(
            f"cloudwatch.get_metric_statistics: statistic '{statistic}' is not one of "
            f"{', '.join(sorted(STATISTICS))} or a percentile like p99"
        )
    if "period" in args:
        kwargs["Period"] = args["period"]
    if "unit" in args:
        kwargs["Unit"] = args["unit"]
    return kwargs


def _value(point: dict[str, Any], statistic: str) -> float:
    if statistic in STATISTICS:
        return float(point[statistic])
    return float(point.get("ExtendedStatistics", {})[statistic])


def get_metric_statistics(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    kwargs = _metric_kwargs(args)
    kwargs.setdefault("Period", default_period(ctx))
    if kwargs["Period"] <= 0 or kwargs["Period"] % 60:
        raise StepError("cloudwatch.get_metric_statistics: period must be a positive multiple of 60 seconds")
    response = client.get_metric_statistics(StartTime=ctx.start, EndTime=ctx.now, **kwargs)
    statistic = args["statistic"]
    points = sorted(response.get("Datapoints", []), key=lambda p: p["Timestamp"])
    label = f"{args['metric']} ({statistic})"
    dims = ", ".join(f"{d['Name']}={d['Value']}" for d in kwargs.get("Dimensions", []))
    where = f"{args['namespace']}" + (f", {dims}" if dims else "")
    window = window_words(ctx.since)
    if not points:
        return StepResult(
            ok=True,
            headline=f"{INFO} No {label} datapoints in {window} ({where})",
            healthy=None,
            fields=[("Metric", f"{args['namespace']} {args['metric']}"), ("Dimensions", dims or "none")],
        )
    values = [_value(p, statistic) for p in points]
    unit = points[-1].get("Unit", "")
    unit_text = f" {unit}" if unit and unit != "None" else ""
    latest, low, high = values[-1], min(values), max(values)
    verdict = _threshold_verdict(args, values)
    emoji = ":chart_with_upwards_trend:" if verdict is None else OK if verdict[0] else WARN
    headline = (
        f"{emoji} {label} over {window}: latest {number(latest)}{unit_text}"
        + (f" ({verdict[1]})" if verdict else "")
        + f", min {number(low)}, max {number(high)}  {sparkline(values)}"
    )
    fields = [
        ("Latest", f"{number(latest)}{unit_text} at {stamp(points[-1]['Timestamp'])}"),
        ("Min / Max", f"{number(low)} / {number(high)}"),
        ("Datapoints", f"{len(points)} × {kwargs['Period']}s"),
        ("Where", where),
    ]
    if verdict is not None:
        fields.insert(1, ("Verdict", f"{'healthy' if verdict[0] else 'unhealthy'}: {verdict[2]}"))
    details = "\n".join(f"{stamp(p['Timestamp'])}  {number(v)}" for p, v in zip(points, values, strict=True))
    healthy = None if verdict is None else verdict[0]
    return StepResult(ok=True, headline=headline, fields=fields, details=bounded(details), healthy=healthy)


def _threshold_verdict(args: dict[str, Any], values: list[float]) -> tuple[bool, str, str] | None:
    """(healthy, short words, longer words) from ``warn_above`` / ``warn_below``; None without thresholds.

    The latest datapoint decides; how many earlier ones crossed is said too.
    """
    above, below = args.get("warn_above"), args.get("warn_below")
    if above is None and below is None:
        return None
    latest = values[-1]
    crossed = [v for v in values if (above is not None and v > above) or (below is not None and v < below)]
    limits = " and ".join(
        text
        for text in (
            f"warn above {number(above)}" if above is not None else "",
            f"warn below {number(below)}" if below is not None else "",
        )
        if text
    )
    summary = f"{len(crossed)} of {plural(len(values), 'datapoint')} outside ({limits})"
    if above is not None and latest > above:
        return False, f"above {number(above)}", summary
    if below is not None and latest < below:
        return False, f"below {number(below)}", summary
    return True, f"within limits, {limits}", summary


# --- logs --------------------------------------------------------------------------------------------


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def filter_log_events(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    kwargs: dict[str, Any] = {
        "logGroupName": args["log_group"],
        "startTime": _millis(ctx.start),
        "endTime": _millis(ctx.now),
    }
    if "filter_pattern" in args:
        kwargs["filterPattern"] = args["filter_pattern"]
    events: list[dict[str, Any]] = []
    capped = False
    for page in client.get_paginator("filter_log_events").paginate(**kwargs):
        events.extend(page.get("events", []))
        if len(events) >= MAX_LOG_EVENTS:
            capped = True
            break
    events.sort(key=lambda e: (e["timestamp"], e.get("eventId", "")))
    count = f"{len(events)}+" if capped else str(len(events))
    noun = "log line" if len(events) == 1 and not capped else "log lines"
    matching = f" matching '{args['filter_pattern']}'" if "filter_pattern" in args else ""
    scope = f"{noun}{matching} in {args['log_group']} in {window_words(ctx.since)}"
    if not events:
        return StepResult(
            ok=True,
            headline=f"{OK} No {scope}",
            healthy=True if matching else None,
            fields=[("Log group", args["log_group"]), ("Matches", "0")],
        )
    tail = events[-args["lines"] :]
    lines = [
        f"{stamp(from_millis(e['timestamp']))}  {e.get('logStreamName', '')}  "
        f"{e.get('message', '').rstrip()[:MAX_LINE_CHARS]}"
        for e in tail
    ]
    fields = [
        ("Log group", args["log_group"]),
        ("Matches", count),
        ("First", stamp(from_millis(events[0]["timestamp"]))),
        ("Last", stamp(from_millis(events[-1]["timestamp"]))),
    ]
    return StepResult(
        ok=True,
        headline=f":mag: {count} {scope}",
        fields=fields,
        details=bounded(f"Last {plural(len(lines), 'line')}:\n" + "\n".join(lines)),
        healthy=False if matching else None,
    )


OPERATIONS = (
    Operation(
        "cloudwatch",
        "describe_alarms",
        {"prefix": Arg("str", help="alarm name prefix"), "limit": Arg("int", default=20)},
        lambda a: (
            "describe_alarms",
            {"StateValue": "ALARM", **({"AlarmNamePrefix": a["prefix"]} if "prefix" in a else {})},
        ),
        describe_alarms,
    ),
    Operation(
        "cloudwatch",
        "get_metric_statistics",
        {
            "namespace": Arg("str", required=True),
            "metric": Arg("str", required=True),
            "dimensions": Arg("dims"),
            "statistic": Arg("str", default="Average"),
            "period": Arg("int", help="seconds, a multiple of 60"),
            "unit": Arg("str"),
            "warn_above": Arg("num", help="the latest value above this is unhealthy"),
            "warn_below": Arg("num", help="the latest value below this is unhealthy"),
        },
        lambda a: ("get_metric_statistics", _metric_kwargs(a)),
        get_metric_statistics,
        default_since="1h",
    ),
    Operation(
        "logs",
        "filter_log_events",
        {
            "log_group": Arg("str", required=True),
            "filter_pattern": Arg("str"),
            "lines": Arg("int", default=20, help="how many of the latest lines to show"),
        },
        lambda a: (
            "filter_log_events",
            {
                "logGroupName": a["log_group"],
                **({"filterPattern": a["filter_pattern"]} if "filter_pattern" in a else {}),
            },
        ),
        filter_log_events,
        default_since="1h",
    ),
)
