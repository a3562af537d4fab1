"""ECS steps: service health with recent events, and the guarded deploy, rollback and scale actions."""

from __future__ import annotations

from typing import Any

from bot.integrations.aws.arguments import Arg
from bot.integrations.aws.formatting import OK, WARN, bounded, plural, stamp
from bot.integrations.aws.model import StepError, StepResult
from bot.integrations.aws.operation import Context, Operation, Shown, format_call

SERVICE_ARGS = {"cluster": Arg("str", required=True), "service": Arg("str", required=True)}


def task_definition_name(arn: str) -> str:
    """``arn:…:task-definition/api:3`` → ``api:3``."""
    return arn.rsplit("/", 1)[-1]


def _family_revision(arn: str) -> tuple[str, int]:
    family, _, revision = task_definition_name(arn).rpartition(":")
    return family, int(revision)


def _describe_one(client: Any, cluster: str, service: str) -> dict[str, Any]:
    response = client.describe_services(cluster=cluster, services=[service])
    services: list[dict[str, Any]] = response.get("services", [])
    found = [s for s in services if s.get("status") != "INACTIVE"]
    if not found:
        raise _ServiceMissing(service)
    return found[0]


class _ServiceMissing(StepError):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


def _missing(service: str, cluster: str, ctx: Context) -> StepResult:
    where = f" in {ctx.region}" if ctx.region else ""
    return StepResult.failure(f"ECS service '{service}' was not found in cluster '{cluster}'{where}.")


# --- describe_services -------------------------------------------------------------------------------


def _service_verdict(svc: dict[str, Any]) -> tuple[bool, str]:
    running, desired, pending = (
        svc.get("runningCount", 0),
        svc.get("desiredCount", 0),
        svc.get("pendingCount", 0),
    )
    deployments = svc.get("deployments", [])
    name = svc.get("serviceName", "?")
    if desired == 0:
        return False, f"{name}: scaled to zero ({running} running)"
    healthy = running == desired and pending == 0 and len(deployments) <= 1
    if healthy:
        return True, f"{name}: {running}/{desired} tasks running, steady state"
    text = f"{name}: {running}/{desired} running, {pending} pending"
    if len(deployments) > 1:
        text += f", {len(deployments)} deployments in progress"
    return False, text


def _deployments_text(svc: dict[str, Any]) -> str:
    parts = []
    for deployment in svc.get("deployments", []):
        rollout = deployment.get("rolloutState", "")
        parts.append(
            f"{deployment.get('status', '?')} {task_definition_name(deployment.get('taskDefinition', '?'))}"
            f" {deployment.get('runningCount', 0)}/{deployment.get('desiredCount', 0)}"
            + (f" {rollout}" if rollout else "")
            + (f", {deployment['failedTasks']} failed" if deployment.get("failedTasks") else "")
        )
    return "; ".join(parts) or "none"


def _events_text(svc: dict[str, Any], limit: int) -> str:
    events = sorted(svc.get("events", []), key=lambda e: e["createdAt"], reverse=True)[:limit]
    if not events:
        return f"{svc.get('serviceName')}: no recent service events."
    lines = [f"{stamp(e['createdAt'])}  {e.get('message', '')}" for e in events]
    return f"{svc.get('serviceName')} — last {plural(len(lines), 'event')}:\n" + "\n".join(lines)


def describe_services(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    cluster, names = args["cluster"], args["services"]
    response = client.describe_services(cluster=cluster, services=names)
    services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    missing = [f.get("arn", "?").rsplit("/", 1)[-1] for f in response.get("failures", [])]
    if not services:
        return _missing(", ".join(missing or names), cluster, ctx)
    verdicts = [_service_verdict(svc) for svc in services]
    healthy = all(ok for ok, _ in verdicts) and not missing
    if len(services) == 1:
        headline = f"{OK if verdicts[0][0] else WARN} {verdicts[0][1]}"
        svc = services[0]
        fields = [
            (
                "Tasks",
                f"{svc.get('runningCount', 0)}/{svc.get('desiredCount', 0)} running, "
                f"{svc.get('pendingCount', 0)} pending",
            ),
            ("Task definition", task_definition_name(svc.get("taskDefinition", "?"))),
            ("Deployments", _deployments_text(svc)),
            ("Status", svc.get("status", "?")),
        ]
    else:
        unhealthy = [text for ok, text in verdicts if not ok]
        if unhealthy:
            headline = f"{WARN} {len(unhealthy)} of {len(services)} services need attention: " + "; ".join(
                unhealthy
            )
        else:
            headline = f"{OK} {len(services)} services at desired count, steady state"
        fields = [
            (svc.get("serviceName", "?"), text.split(": ", 1)[1])
            for svc, (_, text) in zip(services, verdicts, strict=True)
        ]
    if missing:
        fields.append(("Not found", ", ".join(missing)))
        headline += f" ({', '.join(missing)} not found)"
    details = "\n\n".join(_events_text(svc, args["events"]) for svc in services)
    return StepResult(ok=True, headline=headline, fields=fields, details=bounded(details), healthy=healthy)


# --- mutations ---------------------------------------------------------------------------------------


def previous_revision(client: Any, current_arn: str) -> str | None:
    """The newest ACTIVE revision of the same family older than ``current_arn``, or None."""
    family, current = _family_revision(current_arn)
    best: tuple[int, str] | None = None
    paginator = client.get_paginator("list_task_definitions")
    for page in paginator.paginate(familyPrefix=family, status="ACTIVE"):
        for arn in page.get("taskDefinitionArns", []):
            arn_family, revision = _family_revision(arn)
            if arn_family == family and revision < current and (best is None or revision > best[0]):
                best = (revision, arn)
    return best[1] if best else None


def _rollback_target(client: Any, args: dict[str, Any]) -> tuple[str, str]:
    """(task definition in use, the one to roll back to); raises when there is nothing earlier."""
    current = _describe_one(client, args["cluster"], args["service"])["taskDefinition"]
    target = previous_revision(client, current)
    if target is None:
        raise StepError(
            f"{args['service']} runs {task_definition_name(current)} and there is no earlier ACTIVE revision "
            "of that task definition to roll back to."
        )
    return current, target


def _plan_rollback(client: Any, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "cluster": args["cluster"],
        "service": args["service"],
        "taskDefinition": _rollback_target(client, args)[1],
    }


def rollback(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    try:
        current, target = _rollback_target(client, args)
    except _ServiceMissing:
        return _missing(args["service"], args["cluster"], ctx)
    kwargs = {"cluster": args["cluster"], "service": args["service"], "taskDefinition": target}
    response = client.update_service(**kwargs)["service"]
    old, new = task_definition_name(current), task_definition_name(target)
    return StepResult(
        ok=True,
        headline=f":rewind: {args['service']}: rolling back from {old} to {new}",
        fields=[("From", old), ("To", new), ("Deployments", _deployments_text(response))],
        call=format_call("ecs", "update_service", kwargs),
    )


def force_new_deployment(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    response = client.update_service(
        cluster=args["cluster"], service=args["service"], forceNewDeployment=True
    )
    svc = response["service"]
    revision = task_definition_name(svc.get("taskDefinition", "?"))
    return StepResult(
        ok=True,
        headline=f":arrows_counterclockwise: {args['service']}: new deployment started with {revision} "
        f"(desired {svc.get('desiredCount', 0)})",
        fields=[("Task definition", revision), ("Deployments", _deployments_text(svc))],
    )


def _scale_target(client: Any, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """(the service now, the desired count to set); ``only_increase`` never goes below the current count."""
    before = _describe_one(client, args["cluster"], args["service"])
    current = int(before.get("desiredCount", 0))
    wanted = int(args["desired_count"])
    return before, max(current, wanted) if args.get("only_increase") else wanted


def _plan_scale(client: Any, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("only_increase"):
        return _scale_display(args)[1]
    before, target = _scale_target(client, args)
    if target != args["desired_count"]:
        # Nothing would be sent: the confirmation keeps the symbolic form, which says so.
        raise StepError(f"{args['service']} already wants {before.get('desiredCount', 0)} tasks")
    return {"cluster": args["cluster"], "service": args["service"], "desiredCount": target}


def _scale_display(args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    count: Any = args["desired_count"]
    if args.get("only_increase"):
        count = Shown(f"{count}, unless it already wants more: this step never lowers the count")
    return "update_service", {"cluster": args["cluster"], "service": args["service"], "desiredCount": count}


def set_desired_count(client: Any, args: dict[str, Any], ctx: Context) -> StepResult:
    """Set the desired count; with ``only_increase`` a service that already wants more is left alone."""
    try:
        before, count = _scale_target(client, args)
    except _ServiceMissing:
        return _missing(args["service"], args["cluster"], ctx)
    current = before.get("desiredCount", 0)
    if args.get("only_increase") and count == current and current >= args["desired_count"]:
        return StepResult(
            ok=True,
            headline=f":information_source: {args['service']} already wants {current} tasks "
            f"(this step scales out to {args['desired_count']} and never lowers the count): nothing was changed",
            fields=[("Desired", f"{current} (unchanged)"), ("Running", str(before.get("runningCount", 0)))],
            call="",
        )
    kwargs = {"cluster": args["cluster"], "service": args["service"], "desiredCount": count}
    svc = client.update_service(**kwargs)["service"]
    return StepResult(
        ok=True,
        headline=f":arrow_up_down: {args['service']}: desired count {current} → "
        f"{svc.get('desiredCount', count)}",
        fields=[
            ("Desired", f"{current} → {svc.get('desiredCount', count)}"),
            ("Running", str(svc.get("runningCount", 0))),
        ],
        call=format_call("ecs", "update_service", kwargs),
    )


OPERATIONS = (
    Operation(
        "ecs",
        "describe_services",
        {
            "cluster": Arg("str", required=True),
            "services": Arg("strs", required=True, help="service name or list of names"),
            "events": Arg("int", default=5, help="recent events to show per service"),
        },
        lambda a: ("describe_services", {"cluster": a["cluster"], "services": a["services"]}),
        describe_services,
    ),
    Operation(
        "ecs",
        "force_new_deployment",
        SERVICE_ARGS,
        lambda a: ("update_service", {**a, "forceNewDeployment": True}),
        force_new_deployment,
        mutating=True,
    ),
    Operation(
        "ecs",
        "rollback",
        SERVICE_ARGS,
        lambda a: ("update_service", {**a, "taskDefinition": Shown("the revision before the one in use")}),
        rollback,
        mutating=True,
        plan=_plan_rollback,
    ),
    Operation(
        "ecs",
        "set_desired_count",
        {
            **SERVICE_ARGS,
            "desired_count": Arg("int", required=True),
            "only_increase": Arg(
                "bool", default=False, help="never lower the count (a scale-out step on a busier service)"
            ),
        },
        _scale_display,
        set_desired_count,
        mutating=True,
        plan=_plan_scale,
    ),
)
