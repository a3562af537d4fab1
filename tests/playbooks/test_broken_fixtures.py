"""Broken playbooks produce exact ``file:line: key: problem`` messages, and nothing loads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.playbooks import PlaybookError, check_playbooks, load_playbooks

EXPECTED: dict[str, list[str]] = {
    "bad_duration": [
        "severities.yaml:5: severities.SEV1.respond_within: expected a duration like 30s, 15m, 2h or 1d, "
        "got '5 minutes'",
    ],
    "bad_archive_after": [
        "severities.yaml:9: severities.SEV1.archive_after: expected a duration like 30s, 15m, 2h or 1d, "
        "got 'a week'",
    ],
    "bad_escalate_after": [
        "oncall.yaml:21: escalation_policies.default.levels[2].escalate_after: expected a duration like "
        "30s, 15m, 2h or 1d, got 'soon'",
    ],
    "bad_timezone": [
        "oncall.yaml:8: schedules.secondary.timezone: unknown timezone 'Mars/Olympus'; "
        "use an IANA name such as UTC or Europe/Paris",
    ],
    "bad_notify_stakeholders": [
        "severities.yaml:9: severities.SEV1.notify_stakeholders: expected true or false, got 'sometimes'",
    ],
    "duplicate_alias": ["severities.yaml:12: severities.SEV2.aliases[0]: 'P0' already names severity 'SEV1'"],
    "duplicate_step_ids": [
        "runbooks/restart.yaml:18: mitigation[0].id: duplicate step id 'check-status' "
        "(first used at diagnosis[0])",
    ],
    "empty_diagnosis": ["runbooks/restart.yaml:7: diagnosis: a runbook needs at least one diagnosis step"],
    "missing_mitigation": [
        "runbooks/restart.yaml:1: mitigation: a runbook needs at least one mitigation step"
    ],
    "unknown_command_variable": [
        # ${HOME} (shell) and %{http_code} (curl) are not variables; {service} is not defined.
        "runbooks/restart.yaml:17: diagnosis[1].command: unknown variable {service}; "
        "known: channel, cluster, incident_ref, severity, status, title",
    ],
    "duplicate_yaml_key": ["roles.yaml:10: roles.comms.name: duplicate key"],
    "empty_levels": ["oncall.yaml:15: escalation_policies.default.levels: must have at least one level"],
    "missing_required_key": ["severities.yaml:10: severities.SEV2.name: required key is missing"],
    "missing_severities_file": ["severities.yaml: -: required file is missing"],
    "missing_step_field": [
        "runbooks/restart.yaml:18: mitigation[0].args: ecs.force_new_deployment: missing argument 'cluster'; "
        "ecs.force_new_deployment: missing argument 'service'",
    ],
    "mutating_not_flagged": [
        "runbooks/restart.yaml:18: mitigation[0].mutating: ecs.force_new_deployment changes AWS resources; "
        "the step must say mutating: true",
    ],
    "mutating_read_only": [
        "runbooks/restart.yaml:14: diagnosis[0].mutating: ecs.describe_services is read-only; "
        "it must not be marked mutating",
    ],
    "unknown_aws_operation": [
        "runbooks/restart.yaml:12: diagnosis[0].operation: unknown operation ecs.delete_service; "
        "allowed for ecs: describe_services, force_new_deployment, rollback, set_desired_count",
    ],
    "unknown_escalation_policy": [
        "severities.yaml:7: severities.SEV1.escalation: unknown escalation policy 'nobody' "
        "(oncall.yaml defines: default)",
    ],
    "unknown_key": ["severities.yaml:10: severities.SEV1.colour: unknown key"],
    "unknown_role_in_step": [
        "runbooks/restart.yaml:25: mitigation[0].allowed_roles[1]: unknown role 'sre' "
        "(ic (Incident Commander), comms (Communications Lead))",
    ],
    "unknown_schedule": [
        "oncall.yaml:18: escalation_policies.default.levels[1].notify[0]: unknown schedule 'tertiary' "
        "(defined: primary, secondary)",
    ],
    "unknown_step_kind": [
        "runbooks/restart.yaml:15: diagnosis[1].kind: unknown kind 'shell'; "
        "expected one of check, command, aws, link",
    ],
    "unknown_template_placeholder": ["templates/status_update.md:2: {owner}: unknown placeholder"],
    "unknown_variable": [
        "runbooks/restart.yaml:13: diagnosis[0].args.services: unknown variable {service}; "
        "known: channel, cluster, incident_ref, severity, status, title",
    ],
    "unquoted_handoff": [
        'oncall.yaml:5: schedules.primary.handoff: expected a quoted string such as "09:00" (YAML read 540)'
    ],
    "yaml_syntax_error": [
        "roles.yaml:7: -: YAML syntax error: while parsing a flow sequence; expected ',' or ']', but got ':'",
    ],
    "unknown_standing": [
        "permissions.yaml:3: actions.resolve.allowed[1]: unknown standing 'sre' (expected ic, reporter, "
        "channel_member, anyone or a role: ic (Incident Commander), comms (Communications Lead))",
    ],
    "bad_admin": [
        "permissions.yaml:3: admins[1]: 'alice@example.com' is not a Slack user id (U…, W…) or user group "
        "id (S…); copy it from the person's or group's profile",
    ],
    "unknown_action": ["permissions.yaml:2: actions.close: unknown key"],
    "private_before_incident": [
        "permissions.yaml:4: actions.declare_private.allowed[0]: 'reporter' cannot apply before an incident "
        "exists; declare_private allows 'anyone' or, with an empty list, admins only",
    ],
    "statuspage_duplicate_component": [
        "statuspage.yaml:7: components[2].id: duplicate component id 'api' (first used at components[0])",
        "statuspage.yaml:11: components[3].statuspage_id: statuspage_id 'abc123' is already used by "
        "components[1]",
    ],
    "statuspage_unknown_key": ["statuspage.yaml:4: components[0].colour: unknown key"],
    "private_suggests_status_page": [
        "severities.yaml:10: severities.SEV1.status_page: a private severity never publishes to the status "
        "page; use status_page: never or leave it out (got 'suggest')",
    ],
    "bad_status_page": [
        "severities.yaml:14: severities.SEV2.status_page: expected 'suggest', 'optional' or 'never'",
    ],
    "alerts_unknown_names": [
        "alerts.yaml:5: rules[0].severity: unknown severity 'SEV9' (SEV1 (Critical), SEV2 (High), SEV3 (Low))",
        "alerts.yaml:6: rules[0].runbook: unknown runbook 'payment-failure' (runbooks/ defines: restart)",
        "alerts.yaml:7: rules[0].escalation: unknown escalation policy 'nobody' (oncall.yaml defines: default)",
        "alerts.yaml:11: rules[1].severity_map.warning: unknown severity 'P7' "
        "(SEV1 (Critical), SEV2 (High), SEV3 (Low))",
        "alerts.yaml:12: rules[2].name: duplicate rule name 'payments-down' (first used at rules[0])",
        "alerts.yaml:13: rules[2].action: a declare rule needs severity (or from_label)",
    ],
    "alerts_unknown_key": [
        "alerts.yaml:3: rules[0].match.source: expected 'alertmanager', 'datadog', 'cloudwatch', 'generic' or 'any'",
        "alerts.yaml:4: rules[0].action: expected 'declare', 'page', 'notify' or 'ignore'",
        "alerts.yaml:6: rules[0].colour: unknown key",
        "alerts.yaml:7: default.sevrity: unknown key",
    ],
    "report_unquoted_time": ['reports.yaml:2: daily_digest.time: expected a quoted time such as "09:00" (YAML read 570)'],
    "report_unknown_key": [
        "reports.yaml:5: weekly_report.recipients: unknown key",
        "reports.yaml:6: monthly_report: unknown key",
    ],
    "report_bad_weekday": [
        "reports.yaml:2: daily_digest.time: '25:00' is not a time of day (00:00 to 23:59)",
        "reports.yaml:3: daily_digest.weekdays[2]: unknown weekday 'funday'; expected one of mon, tue, wed, thu, "
        "fri, sat, sun",
        "reports.yaml:5: weekly_report.weekday: unknown weekday 'someday'; expected one of mon, tue, wed, thu, "
        "fri, sat, sun",
    ],
    "report_bad_timezone": [
        "reports.yaml:3: daily_digest.timezone: unknown timezone 'Europe/Londres'; use an IANA name such as UTC "
        "or Europe/Paris",
    ],
    "missing_commander_role": [
        "roles.yaml:1: roles: the Incident Commander role 'ic' must be defined",
        "runbooks/restart.yaml:8: diagnosis[0].allowed_roles[0]: unknown role 'ic' "
        "(comms (Communications Lead))",
        "runbooks/restart.yaml:25: mitigation[0].allowed_roles[0]: unknown role 'ic' "
        "(comms (Communications Lead))",
    ],
}


def test_every_fixture_case_has_an_expectation() -> None:
    folder = Path(__file__).parent / "fixtures" / "broken"
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_broken_fixture_reports_exact_messages(case: str, playbook_dir: Callable[[str | None], Path]) -> None:
    directory = playbook_dir(case)
    assert [str(p) for p in check_playbooks(directory)] == EXPECTED[case]
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(directory)
    assert [str(p) for p in caught.value.problems] == EXPECTED[case]
    assert EXPECTED[case][0] in str(caught.value)


def test_valid_fixture_loads(playbook_dir: Callable[[str | None], Path]) -> None:
    assert check_playbooks(playbook_dir(None)) == []


def test_problems_from_several_files_are_all_reported(playbook_dir: Callable[[str | None], Path]) -> None:
    directory = playbook_dir("bad_timezone")
    text = (directory / "severities.yaml").read_text().replace("update_every: 30m", "update_every: often")
    (directory / "severities.yaml").write_text(text)
    files = [p.file for p in check_playbooks(directory)]
    assert files == ["oncall.yaml", "severities.yaml"]


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    problems = check_playbooks(tmp_path / "nowhere")
    assert [p.message for p in problems] == ["playbooks directory does not exist"]
