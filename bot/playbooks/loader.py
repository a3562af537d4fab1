"""Load and validate a playbooks directory: ``load_playbooks`` raises, ``check_playbooks`` lists problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain.alert_rules import AlertRules
from bot.domain.permissions import DEFAULT_PERMISSIONS, Permissions
from bot.domain.publication import StatusPageCatalog
from bot.domain.roles import RoleCatalog
from bot.domain.severity import SeverityPolicy
from bot.playbooks.alerts_build import build_alert_rules
from bot.playbooks.alerts_schema import AlertsFile
from bot.playbooks.checklists import Checklists
from bot.playbooks.crosscheck import check_escalations, check_runbook_roles
from bot.playbooks.matching import match_runbooks
from bot.playbooks.oncall import OnCall
from bot.playbooks.oncall_build import build_oncall
from bot.playbooks.permissions_build import build_permissions
from bot.playbooks.policy_build import build_roles, build_severities
from bot.playbooks.problems import PlaybookError, Problem
from bot.playbooks.reports_file import ReportSchedules, ReportsFile, build_reports
from bot.playbooks.runbook_files import load_runbooks
from bot.playbooks.runbooks import Runbook
from bot.playbooks.schema import (
    ChecklistsFile,
    OnCallFile,
    PermissionsFile,
    RolesFile,
    SeveritiesFile,
    StatusPageFile,
)
from bot.playbooks.statuspage_build import build_statuspage
from bot.playbooks.templates import Templates, load_templates
from bot.playbooks.yaml_source import YamlDoc, read_yaml, validation_problems

SEVERITIES_FILE = "severities.yaml"
ROLES_FILE = "roles.yaml"
ONCALL_FILE = "oncall.yaml"
CHECKLISTS_FILE = "checklists.yaml"
PERMISSIONS_FILE = "permissions.yaml"
STATUSPAGE_FILE = "statuspage.yaml"
ALERTS_FILE = "alerts.yaml"
REPORTS_FILE = "reports.yaml"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Playbooks:
    """Everything a playbooks directory defines, validated and typed."""

    directory: Path
    severities: SeverityPolicy
    roles: RoleCatalog
    oncall: OnCall = field(default_factory=OnCall)
    runbooks: Mapping[str, Runbook] = field(default_factory=dict)
    templates: Templates = field(default_factory=Templates)
    checklists: Checklists = field(default_factory=Checklists)
    # Absent permissions.yaml: the shipped default, so older playbook directories keep working.
    permissions: Permissions = DEFAULT_PERMISSIONS
    # Absent statuspage.yaml: no components (publications then name none).
    statuspage: StatusPageCatalog = field(default_factory=StatusPageCatalog)
    # Absent alerts.yaml: every alert is a notice in the broadcast channel.
    alerts: AlertRules = field(default_factory=AlertRules)
    # Absent reports.yaml: no daily digest and no weekly report.
    reports: ReportSchedules = field(default_factory=ReportSchedules)

    def match_runbooks(self, title: str) -> list[Runbook]:
        """Runbooks whose ``match`` keywords fit ``title``, best match first."""
        return match_runbooks(list(self.runbooks.values()), title)

    def runbook(self, runbook_id: str) -> Runbook | None:
        """The runbook with this id (case-insensitive), or ``None``."""
        wanted = runbook_id.strip().casefold()
        return next((rb for key, rb in self.runbooks.items() if key.casefold() == wanted), None)


def load_playbooks(directory: Path | str) -> Playbooks:
    """Load ``directory``; raise ``PlaybookError`` listing every problem if anything is invalid."""
    playbooks, problems = _load(Path(directory))
    if problems or playbooks is None:
        raise PlaybookError(problems)
    return playbooks


def check_playbooks(directory: Path | str) -> list[Problem]:
    """Every problem in ``directory`` (empty when the playbooks are valid), in file then line order."""
    return _load(Path(directory))[1]


def _load(directory: Path) -> tuple[Playbooks | None, list[Problem]]:
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(str(directory), None, "-", "playbooks directory does not exist")]

    sev_doc, sev_spec = _read(directory, SEVERITIES_FILE, SeveritiesFile, problems, required=True)
    role_doc, role_spec = _read(directory, ROLES_FILE, RolesFile, problems, required=True)
    oncall_doc, oncall_spec = _read(directory, ONCALL_FILE, OnCallFile, problems, required=False)
    _, checklist_spec = _read(directory, CHECKLISTS_FILE, ChecklistsFile, problems, required=False)
    perm_doc, perm_spec = _read(directory, PERMISSIONS_FILE, PermissionsFile, problems, required=False)
    page_doc, page_spec = _read(directory, STATUSPAGE_FILE, StatusPageFile, problems, required=False)
    alerts_doc, alerts_spec = _read(directory, ALERTS_FILE, AlertsFile, problems, required=False)
    _, reports_spec = _read(directory, REPORTS_FILE, ReportsFile, problems, required=False)

    severities = roles = None
    if sev_doc is not None and sev_spec is not None:
        severities, found = build_severities(sev_doc, sev_spec)
        problems += found
    if role_doc is not None and role_spec is not None:
        roles, found = build_roles(role_doc, role_spec)
        problems += found

    oncall = OnCall()
    if oncall_doc is not None and oncall_spec is not None:
        oncall, found = build_oncall(oncall_doc, oncall_spec)
        problems += found
    oncall_ok = oncall_spec is not None or not (directory / ONCALL_FILE).exists()
    if severities is not None and sev_doc is not None and oncall_ok:
        problems += check_escalations(sev_doc, severities, oncall, oncall_doc)

    permissions = DEFAULT_PERMISSIONS
    if perm_doc is not None and perm_spec is not None:
        permissions, found = build_permissions(perm_doc, perm_spec, roles)
        problems += found

    statuspage = StatusPageCatalog()
    if page_doc is not None and page_spec is not None:
        statuspage, found = build_statuspage(page_doc, page_spec)
        problems += found

    runbooks, found = load_runbooks(directory)
    problems += found
    if roles is not None:
        problems += check_runbook_roles(runbooks, roles)

    alerts = AlertRules()
    if alerts_doc is not None and alerts_spec is not None:
        runbook_ids = [rb.id for rb, _doc in runbooks]
        alerts, found = build_alert_rules(alerts_doc, alerts_spec, severities, runbook_ids, list(oncall.policies))
        problems += found

    templates, found = load_templates(directory)
    problems += found

    checklists = Checklists.from_spec(checklist_spec) if checklist_spec is not None else Checklists()
    problems.sort(key=lambda p: (p.file, p.line or 0, p.key, p.message))
    if problems or severities is None or roles is None:
        return None, problems
    playbooks = Playbooks(
        directory=directory,
        severities=severities,
        roles=roles,
        oncall=oncall,
        runbooks=MappingProxyType({rb.id: rb for rb, _doc in runbooks}),
        templates=templates,
        checklists=checklists,
        permissions=permissions,
        statuspage=statuspage,
        alerts=alerts,
        reports=build_reports(reports_spec) if reports_spec is not None else ReportSchedules(),
    )
    return playbooks, problems


def _read(
    directory: Path, name: str, model: type[M], problems: list[Problem], *, required: bool
) -> tuple[YamlDoc | None, M | None]:
    path = directory / name
    if not path.exists():
        if required:
            problems.append(Problem(name, None, "-", "required file is missing"))
        return None, None
    doc, found = read_yaml(path, name)
    problems += found
    if doc is None:
        return None, None
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "expected a mapping of keys at the top of the file"))
        return doc, None
    try:
        return doc, model.model_validate(doc.data)
    except ValidationError as exc:
        problems += validation_problems(doc, exc)
        return doc, None
