"""Read models of attached runbooks, the runbook snapshot format and the variables aws steps may use."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.integrations.aws import StepResult
from bot.playbooks.runbooks import AwsStep, Runbook
from bot.playbooks.schema import duration_text
from bot.storage.models import Incident
from bot.storage.runbook_models import AttachedRunbook


@dataclass(frozen=True)
class StepState:
    step_id: str
    done_by: str | None = None
    done_at: datetime | None = None
    last_result: str = ""
    last_ok: bool | None = None
    last_run_by: str | None = None
    last_run_at: datetime | None = None


@dataclass(frozen=True)
class AttachedView:
    """An attached runbook with its progress, detached from the database session."""

    id: int
    incident_id: int
    runbook: Runbook
    attached_by: str
    attached_at: datetime
    channel_id: str | None
    message_ts: tuple[str, ...]
    states: Mapping[str, StepState] = field(default_factory=dict)
    # The incident's values for ``{placeholders}`` in command steps (incident_ref, title, channel…).
    variables: Mapping[str, str] = field(default_factory=dict)
    # Role id → name in the incident's policy, to say who may confirm a step that changes AWS.
    role_names: Mapping[str, str] = field(default_factory=dict)

    def state(self, step_id: str) -> StepState:
        return self.states.get(step_id) or StepState(step_id)


@dataclass(frozen=True)
class PreparedRun:
    """What the Run button needs to know before anything runs."""

    attached: AttachedView
    step: AwsStep
    call: str


def runbook_snapshot(runbook: Runbook) -> dict[str, Any]:
    """The runbook as plain JSON in playbook spelling, so it can be validated back into a ``Runbook``."""
    value = _plain(runbook.model_dump(exclude_none=True))
    assert isinstance(value, dict)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def attached_view(row: AttachedRunbook) -> AttachedView:
    return AttachedView(
        id=row.id,
        incident_id=row.incident_id,
        runbook=Runbook.model_validate(row.snapshot),
        attached_by=row.attached_by,
        attached_at=row.attached_at,
        channel_id=row.channel_id,
        message_ts=tuple(row.message_ts or ()),
        states={
            s.step_id: StepState(
                s.step_id, s.done_by, s.done_at, s.last_result, s.last_ok, s.last_run_by, s.last_run_at
            )
            for s in row.steps
        },
        variables=incident_variables(row.incident),
        role_names=incident_role_names(row.incident),
    )


def incident_role_names(incident: Incident) -> dict[str, str]:
    """Role id → name as the incident's policy snapshot defines them."""
    roles = incident.policy_snapshot.get("roles", []) if incident.policy_snapshot else []
    return {
        str(r["id"]): str(r.get("name") or r["id"]) for r in roles if isinstance(r, Mapping) and "id" in r
    }


def incident_variables(incident: Incident) -> dict[str, str]:
    """The incident fields every aws step may use as ``{placeholders}``."""
    return {
        "incident_ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity_id,
        "channel": incident.channel_name or incident.channel_id or "",
        "status": incident.status,
    }


def result_payload(result: StepResult) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "headline": result.headline,
        "fields": [list(pair) for pair in result.fields],
        "details": result.details,
        "error": result.error,
        "call": result.call,
        "healthy": result.healthy,
    }


def call_digest(call: str) -> str:
    """A short fingerprint of an AWS call as shown in a confirmation, to check it is the call that runs."""
    return hashlib.sha256(call.encode()).hexdigest()[:32]
