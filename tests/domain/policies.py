"""Severity policies and role catalogs shaped like the shipped playbooks, built in memory."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.roles import Role, RoleCatalog
from bot.domain.severity import Severity, SeverityPolicy

SEV1 = Severity(
    id="SEV1",
    name="Critical",
    description="Complete service outage",
    aliases=("P0", "critical", "sev-1"),
    rank=0,
    respond_within=timedelta(minutes=5),
    update_every=timedelta(minutes=15),
    escalation="default",
    postmortem_within=timedelta(hours=24),
    broadcast_post=True,
    emoji=":red_circle:",
)
SEV2 = Severity(
    id="SEV2",
    name="High",
    aliases=("P1", "high", "major", "sev-2"),
    rank=1,
    respond_within=timedelta(minutes=15),
    update_every=timedelta(minutes=30),
    escalation="default",
    broadcast_post=True,
)
SEV3 = Severity(id="SEV3", name="Medium", aliases=("P2", "medium", "minor", "sev-3"), rank=2)
SEV4 = Severity(id="SEV4", name="Low", aliases=("P3", "low", "sev-4"), rank=3, private=True)

POLICY = SeverityPolicy.of([SEV1, SEV2, SEV3, SEV4])
VALID_LISTING = "SEV1 (Critical), SEV2 (High), SEV3 (Medium), SEV4 (Low)"

# A playbook that names its levels S1/S2 instead of SEV1/SEV2.
S_POLICY = SeverityPolicy.of([Severity(id="S1", name="Urgent"), Severity(id="S2", name="Normal", rank=1)])

IC = Role(
    id="ic",
    name="Incident Commander",
    description="Leads the response",
    aliases=("commander", "lead", "incident-commander"),
    checklist=("Take command and announce it in the channel", "Assign roles", "Set the update cadence"),
)
TECH_LEAD = Role(id="tech_lead", name="Technical Lead", aliases=("tech", "techlead", "technical-lead"))
COMMS = Role(id="comms", name="Communications Lead", aliases=("communications", "comms-lead"))
SCRIBE = Role(id="scribe", name="Scribe", aliases=("notes", "recorder"))

ROLES = RoleCatalog.of([IC, TECH_LEAD, COMMS, SCRIBE])
