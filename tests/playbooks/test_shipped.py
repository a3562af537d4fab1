"""The playbooks shipped in ``playbooks/`` are valid and carry the content the bot relies on."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.permissions import DEFAULT_PERMISSIONS
from bot.integrations.aws import check_step
from bot.playbooks import check_playbooks, load_playbooks
from bot.playbooks.reports_file import ReportSchedules
from bot.playbooks.runbooks import AwsStep, CommandStep
from bot.playbooks.templates import TEMPLATE_NAMES

REQUIRED_RUNBOOKS = {
    "api-down",
    "db-connection-exhaustion",
    "db-unavailable",
    "high-error-rate",
    "high-latency",
    "memory-leak",
    "cache-outage",
    "payment-failure",
    "failed-deployment",
    "failed-migration",
    "third-party-outage",
    "frontend-not-loading",
}


def test_shipped_playbooks_have_no_problems(shipped: Path) -> None:
    assert [str(p) for p in check_playbooks(shipped)] == []


def test_severities_keep_the_contract_keys(shipped: Path) -> None:
    policy = load_playbooks(shipped).severities
    assert policy.ids() == ["SEV1", "SEV2", "SEV3", "SEV4", "SEC"]
    sev1 = policy.get("SEV1")
    assert (sev1.name, sev1.rank, sev1.escalation, sev1.private) == ("Critical", 0, "default", False)
    assert sev1.respond_within == timedelta(minutes=5)
    assert sev1.update_every == timedelta(minutes=15)
    assert sev1.postmortem_within == timedelta(hours=24)
    assert [s.archive_after for s in policy] == [timedelta(days=7)] * 4 + [timedelta(days=30)]
    assert policy.lookup("p0") is sev1 and policy.lookup("critical") is sev1
    assert [s.broadcast_post for s in policy] == [True, True, False, False, False]
    # The seeds notify stakeholders of level 1-2 incidents; SEC says only that one was declared.
    assert [s.id for s in policy if s.notify_stakeholders] == ["SEV1", "SEV2", "SEC"]
    # The security severity is urgent like SEV1 but private (the seeds' "security breach" rows).
    sec = policy.get("SEC")
    assert (sec.private, sec.respond_within, sec.update_every) == (True, sev1.respond_within, sev1.update_every)
    assert policy.lookup("security") is sec and policy.lookup("breach") is sec
    assert [s.id for s in policy if s.private] == ["SEC"]
    assert policy.get("SEV4").update_every is None and policy.get("SEV4").escalation is None


def test_shipped_permissions_are_the_default(shipped: Path) -> None:
    assert (shipped / "permissions.yaml").is_file()
    assert load_playbooks(shipped).permissions == DEFAULT_PERMISSIONS


def test_roles_are_the_four_from_the_seeds(shipped: Path) -> None:
    roles = load_playbooks(shipped).roles
    assert [(r.id, r.name) for r in roles] == [
        ("ic", "Incident Commander"),
        ("tech_lead", "Technical Lead"),
        ("comms", "Communications Lead"),
        ("scribe", "Scribe"),
    ]
    assert all(r.description and len(r.checklist) >= 3 for r in roles)
    assert roles.lookup("commander") is roles.get("ic")


def test_default_escalation_chain(shipped: Path) -> None:
    oncall = load_playbooks(shipped).oncall
    assert list(oncall.schedules) == ["primary", "secondary", "managers"]
    policy = oncall.policies["default"]
    assert [[str(t) for t in level.notify] for level in policy.levels] == [
        ["schedule:primary"],
        ["schedule:secondary"],
        ["schedule:managers"],
    ]
    assert [level.escalate_after for level in policy.levels] == [timedelta(minutes=5)] * 3
    (cto,) = policy.long_running
    assert cto.after == timedelta(hours=2) and cto.applies_to("SEV1") and not cto.applies_to("SEV2")
    assert [str(t) for t in cto.notify] == ["user:U0ERIN"]


def test_all_required_runbooks_ship_with_real_steps(shipped: Path) -> None:
    runbooks = load_playbooks(shipped).runbooks
    assert set(runbooks) >= REQUIRED_RUNBOOKS
    for runbook in runbooks.values():
        assert runbook.symptoms and runbook.diagnosis and runbook.mitigation and runbook.rollback, runbook.id
        assert runbook.expected_recovery > timedelta(0)


def test_every_shipped_aws_step_is_runnable_by_the_aws_integration(shipped: Path) -> None:
    playbooks = load_playbooks(shipped)
    steps = [(rb, s) for rb in playbooks.runbooks.values() for _, s in rb.steps() if isinstance(s, AwsStep)]
    assert len(steps) > 20
    for runbook, step in steps:
        assert check_step(step.to_integration_step()) == [], (runbook.id, step.id)
        assert step.variables_used() <= set(runbook.variables), (runbook.id, step.id)


def test_runbooks_include_read_only_and_guarded_steps(shipped: Path) -> None:
    steps = [s for rb in load_playbooks(shipped).runbooks.values() for _, s in rb.steps()]
    aws = [s for s in steps if isinstance(s, AwsStep)]
    assert {s.name for s in aws if not s.mutating} >= {
        "ecs.describe_services",
        "rds.describe_db_instances",
        "rds.describe_events",
        "elasticache.describe_cache_clusters",
        "cloudwatch.describe_alarms",
        "cloudwatch.get_metric_statistics",
        "logs.filter_log_events",
    }
    assert {s.name for s in aws if s.mutating} == {
        "ecs.force_new_deployment",
        "ecs.rollback",
        "ecs.set_desired_count",
    }
    assert any(isinstance(s, CommandStep) and s.language == "sql" for s in steps)


@pytest.mark.parametrize(
    ("title", "first"),
    [
        ("payments down", "payment-failure"),
        ("SEV1 Payment processing down", "payment-failure"),
        ("Stripe webhooks failing", "payment-failure"),
        ("API returning 503s", "api-down"),
        ("database down", "db-unavailable"),
        ("too many connections on postgres", "db-connection-exhaustion"),
        ("Redis cache full", "cache-outage"),
        ("p95 latency above 5s", "high-latency"),
        ("memory leak in worker, OOM kills", "memory-leak"),
        ("bad deploy, tasks crash loop", "failed-deployment"),
        ("migration failed on release", "failed-migration"),
        ("error rate spike on checkout API", "high-error-rate"),
        ("third-party provider timing out", "third-party-outage"),
        ("ECS tasks all down", "api-down"),
        ("no running tasks in the prod cluster", "api-down"),
        ("Frontend not loading", "frontend-not-loading"),
        ("blank page on the web app, assets 404", "frontend-not-loading"),
    ],
)
def test_titles_suggest_the_right_runbook_first(shipped: Path, title: str, first: str) -> None:
    matches = load_playbooks(shipped).match_runbooks(title)
    assert matches and matches[0].id == first, [m.id for m in matches]


def test_templates_and_checklists_ship(shipped: Path) -> None:
    playbooks = load_playbooks(shipped)
    assert sorted(playbooks.templates.by_name) == sorted(TEMPLATE_NAMES)
    checklists = playbooks.checklists
    assert checklists.incident_commander and checklists.resolution and checklists.post_incident
    text = playbooks.templates.render(
        "resolution", {"incident_ref": "INC-2026-0042", "title": "Payments down", "duration": "1h 5m"}
    )
    assert text is not None and "INC-2026-0042 Payments down" in text and "1h 5m" in text


@pytest.mark.parametrize(
    ("runbook_id", "minutes", "staged"),
    [
        # Seed 004 Redis Cache Outage: RTO 2 minutes (restart) / 5 minutes (full recovery).
        ("cache-outage", 5, "about 2 minutes with a restart, 5 minutes to full recovery"),
        # Seed 004 Database Service Outage: RTO 2 minutes (restart) / 15 minutes (full recovery).
        ("db-unavailable", 15, "about 2 minutes with a restart, 15 minutes to full recovery"),
        # Seed 004 Dashboard Service Outage: RTO 5 minutes (restart) / 10 minutes (rollback).
        ("api-down", 10, "about 5 minutes with a restart, 10 minutes with a rollback"),
    ],
)
def test_recovery_times_follow_the_seeds(shipped: Path, runbook_id: str, minutes: int, staged: str) -> None:
    runbook = load_playbooks(shipped).runbooks[runbook_id]
    assert runbook.expected_recovery == timedelta(minutes=minutes)
    assert f"Expected recovery: {staged}." in runbook.description


def _commands(runbook_id: str, shipped: Path) -> str:
    runbook = load_playbooks(shipped).runbooks[runbook_id]
    return "\n".join(
        runbook.resolve_command(s) for _section, s in runbook.steps() if isinstance(s, CommandStep)
    )


def test_seed_steps_are_kept(shipped: Path) -> None:
    assert "minimumHealthyPercent=100,maximumPercent=100" in _commands("failed-deployment", shipped)
    latency = _commands("high-latency", shipped)
    assert "aws rds describe-db-log-files --db-instance-identifier prod-postgres" in latency
    assert 'netstat -s | grep -E "dropped|retransmit"' in latency
    assert "aws elasticache reboot-cache-cluster --cache-cluster-id prod-redis" in _commands(
        "cache-outage", shipped
    )
    assert 'redis-cli -u "$REDIS_URL" FLUSHDB' in _commands("high-error-rate", shipped)
    db = _commands("db-unavailable", shipped)
    assert "FROM pg_stat_activity WHERE state <> 'idle'" in db and "FROM pg_locks WHERE NOT granted" in db
    connections = load_playbooks(shipped).runbooks["db-unavailable"].step("connections")
    assert isinstance(connections, AwsStep) and connections.args["metric"] == "DatabaseConnections"
    frontend = _commands("frontend-not-loading", shipped)
    assert "aws cloudfront create-invalidation" in frontend and "dig +short app.example.com" in frontend
    assert "Origin: https://app.example.com" in frontend and "vercel rollback" in frontend


def test_failed_migration_commands_are_the_projects_own(shipped: Path) -> None:
    migration = _commands("failed-migration", shipped)
    assert "alembic" not in migration
    assert "npx prisma migrate status" in migration
    assert "npm run migrate:rollback --workspace=backend" in migration
    assert "npm run migrate:latest --workspace=backend" in migration


def test_reports_are_off_as_shipped_and_post_on_weekdays_and_mondays_once_enabled(
    shipped: Path, tmp_path: Path
) -> None:
    assert load_playbooks(shipped).reports == ReportSchedules()
    copy = tmp_path / "playbooks"
    shutil.copytree(shipped, copy)
    text = (copy / "reports.yaml").read_text()
    (copy / "reports.yaml").write_text(text.replace("enabled: false", "enabled: true"))
    reports = load_playbooks(copy).reports
    assert reports.daily is not None and reports.weekly is not None
    assert (reports.daily.at.isoformat(), reports.daily.timezone, sorted(reports.daily.weekdays)) == (
        "09:00:00", "Europe/London", [0, 1, 2, 3, 4]
    )
    assert reports.daily.channel is None  # the broadcast channel
    assert (sorted(reports.weekly.weekdays), reports.weekly.timezone) == ([0], "Europe/London")
