"""deploy/iam-policy.json grants every AWS action the shipped runbook steps can call, and nothing more."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import yaml

from bot.integrations.aws.model import ALL_OPERATIONS, IAM_ACTIONS, MUTATING_OPERATIONS
from tests.harness import REPO, SHIPPED_PLAYBOOKS

POLICY = json.loads((REPO / "deploy" / "iam-policy.json").read_text(encoding="utf-8"))


def _statement(sid: str) -> set[str]:
    found = next(s for s in POLICY["Statement"] if s["Sid"] == sid)
    assert found["Effect"] == "Allow"
    return set(found["Action"])


READ_ONLY = _statement("RunbookReadOnlySteps")
MUTATING = _statement("RunbookMutatingSteps")


def _shipped_aws_steps() -> list[dict[str, Any]]:
    steps = []
    for path in sorted((SHIPPED_PLAYBOOKS / "runbooks").glob("*.yaml")):
        runbook = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section in ("diagnosis", "mitigation", "rollback"):
            steps += [s for s in runbook.get(section) or [] if s.get("kind") == "aws"]
    return steps


def test_every_operation_names_its_iam_actions_and_they_exist_in_aws() -> None:
    assert set(IAM_ACTIONS) == ALL_OPERATIONS
    models = botocore.session.get_session()
    for actions in IAM_ACTIONS.values():
        for action in actions:
            prefix, name = action.split(":")
            assert name in models.get_service_model(prefix).operation_names, action


def test_every_shipped_step_is_allowed_and_read_only_steps_by_the_read_only_part() -> None:
    steps = _shipped_aws_steps()
    assert len(steps) > 20 and any(s.get("mutating") for s in steps)
    for step in steps:
        operation = (step["service"], step["operation"])
        needed = set(IAM_ACTIONS[operation])
        granted = READ_ONLY | MUTATING if operation in MUTATING_OPERATIONS else READ_ONLY
        assert needed <= granted, (step["id"], needed - granted)


def test_the_policy_is_minimal_and_the_read_only_part_changes_nothing() -> None:
    read_only_ops = ALL_OPERATIONS - MUTATING_OPERATIONS
    assert {a for op in read_only_ops for a in IAM_ACTIONS[op]} == READ_ONLY
    assert {a for op in MUTATING_OPERATIONS for a in IAM_ACTIONS[op]} - READ_ONLY == MUTATING
    assert not any(a.split(":")[1].startswith(("Update", "Delete", "Create", "Put")) for a in READ_ONLY)


def test_stakeholder_notifications_may_publish_to_their_topic_only() -> None:
    statement = next(s for s in POLICY["Statement"] if s["Sid"] == "StakeholderNotifications")
    assert (statement["Effect"], statement["Action"]) == ("Allow", ["sns:Publish"])
    assert statement["Resource"].startswith("arn:aws:sns:") and statement["Resource"] != "*"


def test_incident_exports_may_only_write_under_incidents_in_their_bucket() -> None:
    statement = next(s for s in POLICY["Statement"] if s["Sid"] == "IncidentExports")
    assert (statement["Effect"], statement["Action"]) == ("Allow", ["s3:PutObject"])
    assert statement["Resource"].startswith("arn:aws:s3:::") and statement["Resource"].endswith("/incidents/*")
