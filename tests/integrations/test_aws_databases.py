"""RDS and ElastiCache steps against moto: instance and cluster health, events in a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from bot.integrations.aws import AwsStep, ClientFactory, describe_call, run_step


def _create_db(session: boto3.session.Session, name: str = "orders-db", *, multi_az: bool = True) -> None:
    session.client("rds").create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.r5.large",
        Engine="postgres",
        AllocatedStorage=100,
        MasterUsername="app",
        MasterUserPassword="correct-horse-battery",
        MultiAZ=multi_az,
    )


def test_describe_db_instance(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _create_db(aws_session)
    step = AwsStep("rds", "describe_db_instances", {"db_instance_identifier": "{db}"})

    result = run_step(step, {"db": "orders-db"}, aws_clients)

    assert result.ok and result.healthy is True
    assert result.headline.startswith(":white_check_mark: orders-db: available (db.r5.large, postgres ")
    assert result.headline.endswith(", Multi-AZ)")
    fields = dict(result.fields)
    assert fields["Status"] == "available"
    assert fields["Class"] == "db.r5.large"
    assert fields["Multi-AZ"] == "yes"
    assert fields["Storage"] == "100 GiB gp2"
    assert fields["Endpoint"].startswith("orders-db.") and fields["Endpoint"].endswith(":5432")
    assert result.call == "rds.describe_db_instances(DBInstanceIdentifier='orders-db')"


def test_describe_all_db_instances_flags_the_one_not_available(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _create_db(aws_session, "orders-db")
    _create_db(aws_session, "users-db", multi_az=False)
    aws_session.client("rds").stop_db_instance(DBInstanceIdentifier="users-db")

    result = run_step(AwsStep("rds", "describe_db_instances"), {}, aws_clients)

    assert result.ok and result.healthy is False
    assert result.headline.startswith(":warning: 1 of 2 instances need attention: users-db: stopped (")
    assert dict(result.fields)["orders-db"].startswith("available (db.r5.large")


def test_unknown_db_instance(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    result = run_step(
        AwsStep("rds", "describe_db_instances", {"db_instance_identifier": "ghost"}), {}, aws_clients
    )
    assert not result.ok
    assert result.error == "RDS instance 'ghost' was not found in us-east-1."


def test_rds_events_in_window(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    _create_db(aws_session)
    step = AwsStep("rds", "describe_events", {"db_instance_identifier": "orders-db"}, since="2h")
    assert describe_call(step, {}) == (
        "rds.describe_events(SourceType='db-instance', SourceIdentifier='orders-db') over the last 2h"
    )

    result = run_step(step, {}, aws_clients)

    assert result.ok
    assert result.headline.startswith(":information_source: orders-db: 3 events in the last 2h (latest: ")
    assert "[creation]  DB instance created" in result.details
    assert "[backup]  Finished DB instance backup" in result.details
    assert dict(result.fields)["Events"] == "3"


def test_rds_events_outside_window_are_not_shown(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    _create_db(aws_session)
    later = datetime.now(UTC) + timedelta(hours=3)
    step = AwsStep("rds", "describe_events", {"db_instance_identifier": "orders-db"}, since="1h")

    result = run_step(step, {}, aws_clients, now=lambda: later)

    assert result.ok and result.healthy is True
    assert result.headline == ":white_check_mark: orders-db: no RDS events in the last 1h"


def test_describe_cache_cluster(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    aws_session.client("elasticache").create_cache_cluster(
        CacheClusterId="sessions", Engine="redis", CacheNodeType="cache.t3.medium", NumCacheNodes=1
    )
    step = AwsStep("elasticache", "describe_cache_clusters", {"cache_cluster_id": "sessions"})

    result = run_step(step, {}, aws_clients)

    assert result.ok and result.healthy is True
    assert result.headline.startswith(":white_check_mark: sessions: available (redis")
    assert result.headline.endswith("cache.t3.medium, 1 node)")
    fields = dict(result.fields)
    assert fields["Status"] == "available"
    assert fields["Node type"] == "cache.t3.medium"
    assert fields["Nodes"] == "1"
    assert (
        result.call
        == "elasticache.describe_cache_clusters(CacheClusterId='sessions', ShowCacheNodeInfo=True)"
    )


def test_unknown_cache_cluster(aws_session: boto3.session.Session, aws_clients: ClientFactory) -> None:
    step = AwsStep("elasticache", "describe_cache_clusters", {"cache_cluster_id": "ghost"})
    result = run_step(step, {}, aws_clients)
    assert not result.ok
    assert result.error == "ElastiCache cluster 'ghost' was not found in us-east-1."
