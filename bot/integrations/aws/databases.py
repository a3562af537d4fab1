"""RDS and ElastiCache steps: instance and cluster health, and recent RDS events in a window."""

from __future__ import annotations

from typing import Any

from bot.integrations.aws.arguments import Arg
from bot.integrations.aws.formatting import INFO, OK, WARN, bounded, plural, stamp, utc, window_words
from bot.integrations.aws.model import StepResult
from bot.integrations.aws.operation import Context, Operation

MAX_ITEMS = 100
# Event categories that usually mean trouble rather than routine housekeeping.
ALARMING_EVENT_CATEGORIES = frozenset({"failure", "failover", "low storage", "recovery", "availability"})


def _collect(client: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(method).paginate(**kwargs):
        items.extend(page.get(key, []))
        if len(items) >= MAX_ITEMS:
            break
    return items[:MAX_ITEMS]


def _summary(healthy_flags: list[bool], lines: list[str], noun: str, good: str) -> str:
    if len(lines) == 1:
        return f"{OK if healthy_flags[0] else WARN} {lines[0]}"
    bad = [line for ok, line in zip(healthy_flags, lines, strict=True) if not ok]
    if not bad:
        return f"{OK} {plural(len(lines), noun)} {good}"
    return f"{WARN} {len(bad)} of {plural(len(lines), noun)} need attention: " + "; ".join(bad)


# --- RDS instances -----------------------------------------------------------------------------------


def _engine(item: dict[str, Any]) -> str:
    return " ".join(p for p in (item.get("Engine", "?"), item.get("EngineVersion", "")) if p)


def _storage(db: dict[str, Any]) -> str:
    text = f"{db.get('AllocatedStorage', '?')} GiB {db.get('StorageType', '')}".strip()
    if db.get("Iops"):
        text += f", {db['Iops']} IOPS"
    if db.get("MaxAllocatedStorage"):
        text += f", autoscaling to {db['MaxAllocatedStorage']} GiB"
    return text


def _db_line(db: dict[str, Any]) -> tuple[bool, str]:
    status = db.get("DBInstanceStatus", "?")
    multi = ", Multi-AZ" if db.get("MultiAZ") else ", single-AZ"
    line = f"{db['DBInstanceIdentifier']}: {status} ({db.get('DBInstanceClass', '?')}, {_engine(db)}{multi})"
    return status == "available", line


def describe_db_instances(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    kwargs = (
        {"DBInstanceIdentifier": args["db_instance_identifier"]} if "db_instance_identifier" in args else {}
    )
    instances = _collect(client, "describe_db_instances", "DBInstances", **kwargs)
    if not instances:
        return StepResult(ok=True, headline=f"{INFO} No RDS instances found.", healthy=None)
    flags, lines = zip(*(_db_line(db) for db in instances), strict=True)
    headline = _summary(list(flags), list(lines), "instance", "available")
    details: list[str] = []
    if len(instances) == 1:
        db = instances[0]
        endpoint = db.get("Endpoint", {})
        fields = [
            ("Status", db.get("DBInstanceStatus", "?")),
            ("Class", db.get("DBInstanceClass", "?")),
            ("Engine", _engine(db)),
            ("Multi-AZ", "yes" if db.get("MultiAZ") else "no"),
            ("Storage", _storage(db)),
        ]
        if endpoint:
            fields.append(("Endpoint", f"{endpoint.get('Address', '?')}:{endpoint.get('Port', '?')}"))
    else:
        fields = [(line.split(": ", 1)[0], line.split(": ", 1)[1]) for line in lines]
    for db in instances:
        pending = db.get("PendingModifiedValues") or {}
        if pending:
            changes = ", ".join(f"{key}={value}" for key, value in pending.items())
            details.append(f"{db['DBInstanceIdentifier']}: pending changes: {changes}")
        if db.get("ReadReplicaDBInstanceIdentifiers"):
            details.append(
                f"{db['DBInstanceIdentifier']}: read replicas: "
                + ", ".join(db["ReadReplicaDBInstanceIdentifiers"])
            )
    return StepResult(
        ok=True, headline=headline, fields=fields, details="\n".join(details), healthy=all(flags)
    )


# --- RDS events --------------------------------------------------------------------------------------


def describe_events(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    name = args["db_instance_identifier"]
    events = _collect(
        client,
        "describe_events",
        "Events",
        SourceType="db-instance",
        SourceIdentifier=name,
        StartTime=ctx.start,
        EndTime=ctx.now,
    )
    # Keep only the window even if the endpoint returns more (the default is the last hour).
    events = [e for e in events if ctx.start <= utc(e["Date"]) <= ctx.now]
    events.sort(key=lambda e: utc(e["Date"]), reverse=True)
    window = window_words(ctx.since)
    if not events:
        return StepResult(ok=True, headline=f"{OK} {name}: no RDS events in {window}", healthy=True)
    alarming = [e for e in events if ALARMING_EVENT_CATEGORIES & set(e.get("EventCategories", []))]
    emoji = WARN if alarming else INFO
    headline = (
        f"{emoji} {name}: {plural(len(events), 'event')} in {window} (latest: {events[0].get('Message', '')})"
    )
    shown = events[: args["limit"]]
    lines = [
        f"{stamp(e['Date'])}  [{', '.join(e.get('EventCategories', [])) or '-'}]  {e.get('Message', '')}"
        for e in shown
    ]
    fields = [("Events", str(len(events))), ("Latest", stamp(events[0]["Date"]))]
    if alarming:
        fields.append(("Needs a look", plural(len(alarming), "event")))
    return StepResult(
        ok=True, headline=headline, fields=fields, details=bounded("\n".join(lines)), healthy=not alarming
    )


# --- ElastiCache -------------------------------------------------------------------------------------


def _cache_line(cluster: dict[str, Any]) -> tuple[bool, str]:
    status = cluster.get("CacheClusterStatus", "?")
    nodes = cluster.get("CacheNodes", [])
    bad_nodes = [n for n in nodes if n.get("CacheNodeStatus") != "available"]
    count = cluster.get("NumCacheNodes", len(nodes))
    line = (
        f"{cluster['CacheClusterId']}: {status} ({_engine(cluster)}, {cluster.get('CacheNodeType', '?')}, "
        f"{plural(count, 'node')})"
    )
    if bad_nodes:
        line += " — " + ", ".join(
            f"node {n.get('CacheNodeId')} {n.get('CacheNodeStatus')}" for n in bad_nodes
        )
    return status == "available" and not bad_nodes, line


def describe_cache_clusters(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    kwargs: dict[str, Any] = {"ShowCacheNodeInfo": True}
    if "cache_cluster_id" in args:
        kwargs["CacheClusterId"] = args["cache_cluster_id"]
    clusters = _collect(client, "describe_cache_clusters", "CacheClusters", **kwargs)
    if not clusters:
        return StepResult(ok=True, headline=f"{INFO} No ElastiCache clusters found.", healthy=None)
    flags, lines = zip(*(_cache_line(c) for c in clusters), strict=True)
    headline = _summary(list(flags), list(lines), "cluster", "available")
    if len(clusters) == 1:
        cluster = clusters[0]
        nodes = cluster.get("CacheNodes", [])
        fields = [
            ("Status", cluster.get("CacheClusterStatus", "?")),
            ("Engine", _engine(cluster)),
            ("Node type", cluster.get("CacheNodeType", "?")),
            ("Nodes", str(cluster.get("NumCacheNodes", len(nodes)))),
        ]
        if cluster.get("ReplicationGroupId"):
            fields.append(("Replication group", cluster["ReplicationGroupId"]))
    else:
        fields = [(line.split(": ", 1)[0], line.split(": ", 1)[1]) for line in lines]
    node_lines = [
        f"{c['CacheClusterId']} node {n.get('CacheNodeId')}: {n.get('CacheNodeStatus')}"
        + (f" ({n['Endpoint'].get('Address')}:{n['Endpoint'].get('Port')})" if n.get("Endpoint") else "")
        for c in clusters
        for n in c.get("CacheNodes", [])
    ]
    return StepResult(
        ok=True, headline=headline, fields=fields, details="\n".join(node_lines), healthy=all(flags)
    )


OPERATIONS = (
    Operation(
        "rds",
        "describe_db_instances",
        {"db_instance_identifier": Arg("str", help="omit to list every instance")},
        lambda a: (
            "describe_db_instances",
            {"DBInstanceIdentifier": a["db_instance_identifier"]} if "db_instance_identifier" in a else {},
        ),
        describe_db_instances,
    ),
    Operation(
        "rds",
        "describe_events",
        {"db_instance_identifier": Arg("str", required=True), "limit": Arg("int", default=20)},
        lambda a: (
            "describe_events",
            {"SourceType": "db-instance", "SourceIdentifier": a["db_instance_identifier"]},
        ),
        describe_events,
        default_since="1h",
    ),
    Operation(
        "elasticache",
        "describe_cache_clusters",
        {"cache_cluster_id": Arg("str", help="omit to list every cluster")},
        lambda a: (
            "describe_cache_clusters",
            {
                **({"CacheClusterId": a["cache_cluster_id"]} if "cache_cluster_id" in a else {}),
                "ShowCacheNodeInfo": True,
            },
        ),
        describe_cache_clusters,
    ),
)
