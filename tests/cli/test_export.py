"""``incident-bot export`` from the command line on SQLite and PostgreSQL: the incident-template shape."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from bot.domain.status import Status
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.incidents import IncidentService
from bot.storage import followups, migrate
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from tests.cli.test_cli import _env, _run

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")
START = datetime(2026, 11, 30, 14, 15, tzinfo=UTC)


def _resolved_incident(database_url: str) -> str:
    """A SEV1 declared, handed to an IC, updated, resolved, with two action items; returns its reference."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    now = [START]
    uow = UnitOfWork(make_session_factory(engine))
    service = IncidentService(ServiceContext(uow, PLAYBOOKS, clock=lambda: now[0]))
    inc = service.declare(
        reporter_id="U0ALICE", severity=PLAYBOOKS.severities.get("SEV1"), title="Payments down"
    )
    now[0] += timedelta(minutes=3)
    service.assign_role(inc.incident.id, "ic", "U0BOB", "U0ALICE")
    now[0] += timedelta(minutes=7)
    service.post_update(
        inc.incident.id,
        "U0BOB",
        "Pool exhausted, paging <@U0CAROL> :fire:",
        Status.IDENTIFIED,
        impact="Checkout fails for 30% of users",
    )
    now[0] += timedelta(minutes=80)
    service.resolve(inc.incident.id, "U0BOB", "Raised the pool size", root_cause="Connection leak in v2.3")
    with uow() as session:
        row = repo.incident_by_ref(session, inc.incident.ref)
        assert row is not None
        followups.add(
            session,
            row,
            "Alert on pool saturation",
            owner_id="U0CAROL",
            due_on=date(2026, 12, 15),
            created_by="U0BOB",
            at=now[0],
        )
        followups.add(
            session, row, "Update the runbook", owner_id=None, due_on=None, created_by="U0BOB", at=now[0]
        )
    engine.dispose()
    return inc.incident.ref


def test_export_writes_the_incident_template_shape_with_names(database_url: str) -> None:
    ref = _resolved_incident(database_url)
    server = EmulatorServer(Workspace()).start()
    try:
        env = _env(database_url, SLACK_BOT_TOKEN="xoxb-x", SLACK_API_URL=server.api_url)
        out = _run("export", ref, "--format", "yaml", env=env)
    finally:
        server.stop()
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(out.stdout)["incident"]
    assert list(doc) == [
        "id",
        "severity",
        "title",
        "started_at",
        "detected_by",
        "resolved_at",
        "impact",
        "root_cause",
        "resolution",
        "timeline",
        "action_items",
    ]
    assert doc["id"] == ref and doc["severity"] == "SEV1" and doc["title"] == "Payments down"
    assert doc["started_at"] == "2026-11-30T14:15:00Z" and doc["resolved_at"] == "2026-11-30T15:45:00Z"
    assert doc["detected_by"] == "Alice Archer"
    assert doc["impact"] == {"summary": "Checkout fails for 30% of users", "duration_minutes": 90}
    assert doc["root_cause"] == "Connection leak in v2.3" and doc["resolution"] == "Raised the pool size"
    assert {
        "at": "2026-11-30T14:25:00Z",
        "by": "Bob Baker",
        "what": "Update: Pool exhausted, paging Carol Chen 🔥",
    } in (doc["timeline"])
    assert doc["timeline"][0] == {
        "at": "2026-11-30T14:15:00Z",
        "by": "Alice Archer",
        "what": "Declared: Payments down",
    }
    assert doc["timeline"][-1]["what"] == "Resolved: Raised the pool size"
    assert "<@" not in out.stdout and ":fire:" not in out.stdout
    assert doc["action_items"] == [
        {"what": "Alert on pool saturation", "owner": "Carol Chen", "due": "2026-12-15", "done_at": None},
        {"what": "Update the runbook", "owner": None, "due": None, "done_at": None},
    ]


def test_export_json_and_markdown_without_slack_name_people_by_id(sqlite_url: str, tmp_path: Path) -> None:
    ref = _resolved_incident(sqlite_url)
    env = _env(sqlite_url)
    out = _run("export", ref.lower(), "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)["incident"]
    assert (
        doc["id"] == ref and doc["detected_by"] == "U0ALICE" and doc["action_items"][0]["owner"] == "U0CAROL"
    )

    target = tmp_path / "incident.md"
    out = _run("export", ref, "--format", "markdown", "--output", str(target), env=env)
    assert out.returncode == 0, out.stderr
    text = target.read_text()
    assert text.startswith(f"# {ref}: Payments down\n")
    assert "## Root cause\n\nConnection leak in v2.3" in text
    assert "- [ ] Alert on pool saturation (owner U0CAROL, due 2026-12-15)" in text


def test_export_of_an_unknown_incident_exits_non_zero_with_a_clear_message(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    out = _run("export", "INC-2026-0042", env=_env(database_url))
    assert out.returncode == 1 and out.stdout == ""
    assert "no incident 'INC-2026-0042'" in out.stderr
