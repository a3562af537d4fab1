"""Runbook Block Kit without Slack: snapshots round-trip, pages stay within limits and never reflow."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.playbooks.loader import load_playbooks
from bot.playbooks.runbooks import Runbook
from bot.services.runbook_views import AttachedView, StepState, runbook_snapshot
from bot.slack.blocks.runbooks import MESSAGE_BLOCKS, checklist_pages
from tests.harness import SHIPPED_PLAYBOOKS

PLAYBOOKS = load_playbooks(SHIPPED_PLAYBOOKS)
AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _attached(runbook: Runbook, states: dict[str, StepState] | None = None) -> AttachedView:
    return AttachedView(1, 1, runbook, "U0ALICE", AT, "C1", ("1.1",), states or {})


@pytest.mark.parametrize("runbook_id", sorted(PLAYBOOKS.runbooks))
def test_snapshot_round_trips_every_shipped_runbook(runbook_id: str) -> None:
    runbook = PLAYBOOKS.runbooks[runbook_id]
    snapshot = runbook_snapshot(runbook)
    assert json.loads(json.dumps(snapshot)) == snapshot  # plain JSON, storable as is
    assert Runbook.model_validate(snapshot) == runbook


def _long(steps: int, title_size: int) -> Runbook:
    return Runbook.model_validate(
        {
            "id": "long",
            "title": "Long",
            "match": ["long"],
            "expected_recovery": "1h",
            "diagnosis": [
                {"id": f"s{n}", "kind": "check", "title": f"Step {n} " + "w" * title_size}
                for n in range(steps)
            ],
            "mitigation": [
                {
                    "id": f"a{n}",
                    "kind": "aws",
                    "title": f"Health {n}",
                    "service": "ecs",
                    "operation": "describe_services",
                    "args": {"cluster": "prod", "services": "api"},
                }
                for n in range(steps // 3)
            ],
        }
    )


@pytest.mark.parametrize(("steps", "title_size"), [(5, 10), (60, 10), (120, 150), (30, 190)])
def test_pages_stay_within_slack_limits_and_do_not_reflow_when_ticked(steps: int, title_size: int) -> None:
    runbook = _long(steps, title_size)
    fresh = checklist_pages(_attached(runbook))
    everything_done = {
        step.id: StepState(step.id, "U0BOB", AT, "x" * 1000, True, "U0BOB", AT)
        for _s, step in runbook.steps()
    }
    done = checklist_pages(_attached(runbook, everything_done))
    for pages in (fresh, done):
        for page in pages:
            assert len(page) <= MESSAGE_BLOCKS
            assert len(json.dumps([b.to_dict() for b in page])) < 13_000
    ids_fresh = [[b.block_id for b in page] for page in fresh]
    assert ids_fresh == [[b.block_id for b in page] for page in done]
    step_ids = [i for page in ids_fresh for i in page if i and i.startswith("rb:")]
    assert len(step_ids) == len(set(step_ids)) == len(list(runbook.steps()))


def test_command_steps_are_filled_with_the_incident_values() -> None:
    runbook = Runbook.model_validate(
        {
            "id": "vars",
            "title": "Vars",
            "match": ["vars"],
            "expected_recovery": "1h",
            "variables": {"cluster": "prod"},
            "diagnosis": [
                {
                    "id": "c",
                    "kind": "command",
                    "title": "Grep",
                    "language": "bash",
                    "command": "grep {incident_ref} /var/log/{cluster}.log | awk '{print $1}'",
                },
            ],
        }
    )
    attached = AttachedView(
        1, 1, runbook, "U0ALICE", AT, "C1", ("1.1",), {}, {"incident_ref": "INC-2026-0007"}
    )
    text = json.dumps([b.to_dict() for page in checklist_pages(attached) for b in page])
    assert "grep INC-2026-0007 /var/log/prod.log" in text
    assert "{print $1}" in text  # shell braces that are not variables stay as written


def test_a_changing_step_names_the_roles_that_may_confirm_it() -> None:
    runbook = PLAYBOOKS.runbooks["api-down"]
    names = {role.id: role.name for role in PLAYBOOKS.roles}
    attached = AttachedView(1, 1, runbook, "U0ALICE", AT, "C1", ("1.1",), role_names=names)
    blocks = {b.block_id: b.to_dict() for page in checklist_pages(attached) for b in page}
    restart = blocks["rb:restart"]["text"]["text"]  # allowed_roles: [ic, tech_lead]
    assert "changes AWS, needs confirmation by the Incident Commander or the Technical Lead" in restart
    scale = blocks["rb:scale-up"]["text"]["text"]  # the default: the IC only
    assert "changes AWS, needs confirmation by the Incident Commander" in scale
    assert "Technical Lead" not in scale and "IC's" not in scale
