"""Severity policy and role catalog: lookups by id, alias or name, listings and snapshots."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.domain.roles import COMMANDER, COMMS, Role, RoleCatalog
from bot.domain.severity import Severity, SeverityPolicy
from tests.domain.policies import (
    COMMS as COMMS_ROLE,
)
from tests.domain.policies import (
    IC,
    POLICY,
    ROLES,
    SCRIBE,
    SEV1,
    SEV2,
    SEV3,
    SEV4,
    TECH_LEAD,
    VALID_LISTING,
)


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("SEV1", SEV1), ("sev1", SEV1), ("Sev1", SEV1), (" SEV1 ", SEV1), ("P0", SEV1), ("p0", SEV1),
        ("critical", SEV1), ("CRITICAL", SEV1), ("sev-1", SEV1), ("SEV-1", SEV1),
        ("SEV2", SEV2), ("p1", SEV2), ("High", SEV2), ("MAJOR", SEV2),
        ("sev3", SEV3), ("minor", SEV3), ("low", SEV4), ("P3", SEV4),
        ("SEV5", None), ("P4", None), ("", None), ("Critical Outage", None), ("sev 1", None), ("Low ", SEV4),
    ],
)  # fmt: skip
def test_severity_lookup(word: str, severity: Severity | None) -> None:
    assert POLICY.lookup(word) == severity


def test_severity_names_are_not_lookup_keys_unless_aliased() -> None:
    policy = SeverityPolicy.of([Severity(id="SEV1", name="Blocker")])
    assert policy.lookup("blocker") is None
    assert policy.lookup("sev1") is not None


def test_severity_get_and_order() -> None:
    assert POLICY.get("p0") is SEV1
    with pytest.raises(KeyError):
        POLICY.get("SEV9")
    assert POLICY.ids() == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert list(POLICY) == [SEV1, SEV2, SEV3, SEV4]
    assert len(POLICY) == 4


def test_severity_describe_valid() -> None:
    assert POLICY.describe_valid() == VALID_LISTING
    plain = SeverityPolicy.of([Severity(id="S1", name="S1"), Severity(id="S2", name="")])
    assert plain.describe_valid() == "S1, S2"


def test_first_definition_wins_on_a_shared_alias() -> None:
    a = Severity(id="A", name="A", aliases=("shared",))
    b = Severity(id="B", name="B", aliases=("SHARED",), rank=1)
    assert SeverityPolicy.of([a, b]).lookup("Shared") is a


def test_severity_label() -> None:
    assert SEV1.label == "SEV1 (Critical)"
    assert Severity(id="SEV1", name="SEV1").label == "SEV1"
    assert Severity(id="SEV1", name="").label == "SEV1"


@pytest.mark.parametrize("severity", [SEV1, SEV2, SEV3, SEV4, Severity(id="X", name="X")])
def test_severity_snapshot_round_trip(severity: Severity) -> None:
    snapshot = severity.to_snapshot()
    assert json.loads(json.dumps(snapshot)) == snapshot, "snapshots are JSON-safe"
    assert Severity.from_snapshot(json.loads(json.dumps(snapshot))) == severity


def test_severity_snapshot_fields() -> None:
    snapshot = SEV1.to_snapshot()
    assert snapshot["respond_within"] == 300
    assert snapshot["update_every"] == 900
    assert snapshot["postmortem_within"] == 86400
    assert snapshot["aliases"] == ["P0", "critical", "sev-1"]
    assert snapshot["escalation"] == "default"
    assert SEV3.to_snapshot()["respond_within"] is None


def test_severity_from_a_minimal_snapshot() -> None:
    severity = Severity.from_snapshot({"id": "SEV7"})
    assert severity == Severity(id="SEV7", name="SEV7")
    assert severity.respond_within is None and severity.private is False
    assert Severity.from_snapshot({"id": "S", "update_every": 60}).update_every == timedelta(minutes=1)


def test_snapshot_survives_playbook_edits() -> None:
    """An incident's snapshot keeps the old definition even after the playbook changes it."""
    snapshot = SEV1.to_snapshot()
    edited = SeverityPolicy.of([Severity(id="SEV1", name="Renamed", update_every=timedelta(hours=1))])
    assert edited.get("SEV1").name == "Renamed"
    assert Severity.from_snapshot(snapshot).name == "Critical"
    assert Severity.from_snapshot(snapshot).update_every == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("ic", IC), ("IC", IC), ("commander", IC), ("Lead", IC), ("incident-commander", IC),
        ("incident_commander", IC), ("Incident Commander", IC), ("INCIDENT COMMANDER", IC),
        ("tech_lead", TECH_LEAD), ("tech-lead", TECH_LEAD), ("Tech Lead", TECH_LEAD), ("techlead", TECH_LEAD),
        ("technical lead", TECH_LEAD), ("Technical-Lead", TECH_LEAD),
        ("comms", COMMS_ROLE), ("communications", COMMS_ROLE), ("comms_lead", COMMS_ROLE),
        ("communications lead", COMMS_ROLE),
        ("scribe", SCRIBE), ("notes", SCRIBE), (" recorder ", SCRIBE),
        ("cto", None), ("", None), ("i c", None),
    ],
)  # fmt: skip
def test_role_lookup(word: str, role: Role | None) -> None:
    assert ROLES.lookup(word) == role


def test_role_catalog_basics() -> None:
    assert list(ROLES) == [IC, TECH_LEAD, COMMS_ROLE, SCRIBE]
    assert len(ROLES) == 4
    assert ROLES.get("Commander") is IC
    with pytest.raises(KeyError):
        ROLES.get("cto")
    assert ROLES.lookup(COMMANDER) is IC
    assert ROLES.lookup(COMMS) is COMMS_ROLE


def test_role_describe_valid() -> None:
    assert ROLES.describe_valid() == (
        "ic (Incident Commander), tech_lead (Technical Lead), comms (Communications Lead), scribe (Scribe)"
    )


def test_role_ids_win_over_other_roles_names() -> None:
    first = Role(id="lead", name="Lead")
    second = Role(id="ic", name="Commander", aliases=("lead",))
    catalog = RoleCatalog.of([first, second])
    assert catalog.lookup("lead") is first
    assert catalog.lookup("commander") is second


@pytest.mark.parametrize("role", [IC, TECH_LEAD, COMMS_ROLE, SCRIBE])
def test_role_snapshot_round_trip(role: Role) -> None:
    snapshot = role.to_snapshot()
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert Role.from_snapshot(json.loads(json.dumps(snapshot))) == role


def test_role_snapshot_keeps_the_checklist_in_order() -> None:
    assert IC.to_snapshot()["checklist"] == list(IC.checklist)
    assert Role.from_snapshot({"id": "x"}) == Role(id="x", name="x")


def test_catalogs_compare_by_their_contents() -> None:
    assert RoleCatalog.of([IC, SCRIBE]) == RoleCatalog.of([IC, SCRIBE])
    assert SeverityPolicy.of([SEV1]) == SeverityPolicy.of([SEV1])
    assert SeverityPolicy.of([SEV1]) != SeverityPolicy.of([SEV2])
