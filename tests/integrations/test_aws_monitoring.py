"""CloudWatch alarms and metrics, and Logs filtering, against moto."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import boto3

from bot.integrations.aws import AwsStep, ClientFactory, check_step, describe_call, run_step


def _alarm(session: boto3.session.Session, name: str, state: str, reason: str) -> None:
    cloudwatch = session.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)


def test_alarms_in_alarm_only(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _alarm(aws_session, "prod-api-5xx", "ALARM", "Threshold Crossed: 1 datapoint [42.0] > 10")
    _alarm(aws_session, "prod-api-latency", "OK", "fine")
    _alarm(aws_session, "staging-api-5xx", "ALARM", "Threshold Crossed: 1 datapoint [11.0] > 10")

    result = run_step(AwsStep("cloudwatch", "describe_alarms"), {}, aws_clients)

    assert result.ok and result.healthy is False
    assert result.headline.startswith(":rotating_light: 2 alarms in ALARM: ")
    names = {label for label, _ in result.fields}
    assert names == {"prod-api-5xx", "staging-api-5xx"}
    assert "prod-api-latency" not in result.details
    assert "Threshold Crossed: 1 datapoint [42.0] > 10" in result.details


def test_alarms_filtered_by_prefix(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _alarm(aws_session, "prod-api-5xx", "ALARM", "Threshold Crossed")
    _alarm(aws_session, "staging-api-5xx", "ALARM", "Threshold Crossed")
    _alarm(aws_session, "prod-db-cpu", "OK", "fine")
    step = AwsStep("cloudwatch", "describe_alarms", {"prefix": "{env}-"})

    result = run_step(step, {"env": "prod"}, aws_clients)
    assert result.headline == ":rotating_light: 1 alarm in ALARM matching 'prod-': prod-api-5xx"

    quiet = run_step(AwsStep("cloudwatch", "describe_alarms", {"prefix": "prod-db"}), {}, aws_clients)
    assert quiet.ok and quiet.healthy is True
    assert quiet.headline == ":white_check_mark: No CloudWatch alarms in ALARM matching 'prod-db'"


def test_metric_statistics_with_sparkline(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    cloudwatch = aws_session.client("cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    values = [10.0, 20.0, 30.0, 90.0, 40.0]
    for minutes_ago, value in zip(range(5, 0, -1), values, strict=True):
        cloudwatch.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}],
                    "Timestamp": now - timedelta(minutes=minutes_ago),
                    "Value": value,
                    "Unit": "Percent",
                }
            ],
        )
    step = AwsStep(
        "cloudwatch",
        "get_metric_statistics",
        {"namespace": "AWS/RDS", "metric": "CPUUtilization", "dimensions": {"DBInstanceIdentifier": "{db}"}},
        since="1h",
    )
    assert describe_call(step, {"db": "orders-db"}) == (
        "cloudwatch.get_metric_statistics(Namespace='AWS/RDS', MetricName='CPUUtilization', "
        "Dimensions=[{'Name': 'DBInstanceIdentifier', 'Value': 'orders-db'}], Statistics=['Average']) "
        "over the last 1h"
    )

    result = run_step(step, {"db": "orders-db"}, aws_clients)

    assert result.ok
    assert result.headline == (
        ":chart_with_upwards_trend: CPUUtilization (Average) over the last 1h: "
        "latest 40 Percent, min 10, max 90  ▁▂▃█▄"
    )
    fields = dict(result.fields)
    assert fields["Min / Max"] == "10 / 90"
    assert fields["Datapoints"] == "5 × 60s"
    assert fields["Where"] == "AWS/RDS, DBInstanceIdentifier=orders-db"
    assert len(result.details.splitlines()) == 5


def test_metric_statistics_without_data(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    step = AwsStep(
        "cloudwatch",
        "get_metric_statistics",
        {"namespace": "AWS/ECS", "metric": "CPUUtilization", "statistic": "Maximum"},
    )
    result = run_step(step, {}, aws_clients)
    assert result.ok
    assert (
        result.headline
        == ":information_source: No CPUUtilization (Maximum) datapoints in the last 1h (AWS/ECS)"
    )


def test_metric_statistic_must_be_known(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    step = AwsStep(
        "cloudwatch", "get_metric_statistics", {"namespace": "A", "metric": "B", "statistic": "Mean"}
    )
    result = run_step(step, {}, aws_clients)
    assert not result.ok
    assert result.error is not None and "statistic 'Mean' is not one of Average" in result.error


def _log_group(session: boto3.session.Session) -> int:
    logs = session.client("logs")
    logs.create_log_group(logGroupName="/ecs/api")
    logs.create_log_stream(logGroupName="/ecs/api", logStreamName="web/1")
    now_ms = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName="/ecs/api",
        logStreamName="web/1",
        logEvents=[
            {"timestamp": now_ms - 3 * 3600 * 1000, "message": "ERROR old failure outside the window"},
            {"timestamp": now_ms - 50 * 60 * 1000, "message": "ERROR payment provider timeout"},
            {"timestamp": now_ms - 40 * 60 * 1000, "message": "INFO request ok"},
            {"timestamp": now_ms - 30 * 60 * 1000, "message": "ERROR db pool exhausted\n"},
            {"timestamp": now_ms - 20 * 60 * 1000, "message": "ERROR db pool exhausted again"},
        ],
    )
    return now_ms


def test_filter_log_events_in_window(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _log_group(aws_session)
    step = AwsStep(
        "logs",
        "filter_log_events",
        {"log_group": "/ecs/{service}", "filter_pattern": "ERROR", "lines": 2},
        since="1h",
    )
    assert describe_call(step, {"service": "api"}) == (
        "logs.filter_log_events(logGroupName='/ecs/api', filterPattern='ERROR') over the last 1h"
    )

    result = run_step(step, {"service": "api"}, aws_clients)

    assert result.ok and result.healthy is False
    assert result.headline == ":mag: 3 log lines matching 'ERROR' in /ecs/api in the last 1h"
    assert dict(result.fields)["Matches"] == "3"
    lines = result.details.splitlines()
    assert lines[0] == "Last 2 lines:"
    assert lines[1].endswith("web/1  ERROR db pool exhausted")
    assert lines[2].endswith("web/1  ERROR db pool exhausted again")
    assert "outside the window" not in result.details


def test_filter_log_events_with_nothing_matching(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _log_group(aws_session)
    step = AwsStep(
        "logs", "filter_log_events", {"log_group": "/ecs/api", "filter_pattern": "FATAL"}, since="30m"
    )
    result = run_step(step, {}, aws_clients)
    assert result.ok and result.healthy is True
    assert result.headline == ":white_check_mark: No log lines matching 'FATAL' in /ecs/api in the last 30m"


def test_unknown_log_group(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    result = run_step(AwsStep("logs", "filter_log_events", {"log_group": "/ecs/ghost"}), {}, aws_clients)
    assert not result.ok
    assert result.error == "Log group '/ecs/ghost' was not found in us-east-1."


def _cpu_points(session: boto3.session.Session, values: list[float]) -> None:
    cloudwatch = session.client("cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for minutes_ago, value in zip(range(len(values), 0, -1), values, strict=True):
        cloudwatch.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}],
                    "Timestamp": now - timedelta(minutes=minutes_ago),
                    "Value": value,
                    "Unit": "Percent",
                }
            ],
        )


def _cpu_step(**thresholds: object) -> AwsStep:
    args = {
        "namespace": "AWS/RDS",
        "metric": "CPUUtilization",
        "dimensions": {"DBInstanceIdentifier": "orders-db"},
        "statistic": "Maximum",
        "period": 60,
        **thresholds,
    }
    return AwsStep("cloudwatch", "get_metric_statistics", args, since="15m")


def test_metric_thresholds_give_a_verdict(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _cpu_points(aws_session, [10.0, 95.0, 30.0, 92.0])

    hot = run_step(_cpu_step(warn_above=80), {}, aws_clients)
    assert hot.ok and hot.healthy is False
    assert hot.headline.startswith(
        ":warning: CPUUtilization (Maximum) over the last 15m: latest 92 Percent (above 80), min 10, max 95"
    )
    assert ("Verdict", "unhealthy: 2 of 4 datapoints outside (warn above 80)") in hot.fields

    fine = run_step(_cpu_step(warn_above="95.5", warn_below=5), {}, aws_clients)
    assert fine.healthy is True
    assert "latest 92 Percent (within limits, warn above 95.5 and warn below 5)" in fine.headline
    assert fine.headline.startswith(":white_check_mark:")

    low = run_step(_cpu_step(warn_below=95), {}, aws_clients)
    assert low.healthy is False and "(below 95)" in low.headline

    # Without thresholds there is no verdict, as before.
    plain = run_step(_cpu_step(), {}, aws_clients)
    assert plain.healthy is None and plain.headline.startswith(":chart_with_upwards_trend:")
    # The thresholds are the bot's, not CloudWatch arguments.
    assert "warn" not in describe_call(_cpu_step(warn_above=80), {})


def test_metric_thresholds_must_be_numbers() -> None:
    assert check_step(_cpu_step(warn_above="hot")) == [
        "cloudwatch.get_metric_statistics: argument 'warn_above' must be a number"
    ]
    assert check_step(_cpu_step(warn_below="{low}")) == []
