"""Loader behaviour: optional files, defaults, immutability, error formatting, durations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.durations import parse_duration
from bot.playbooks import PlaybookError, Problem, check_playbooks, load_playbooks
from bot.playbooks.runbooks import AwsStep
from bot.playbooks.schema import duration_text
from bot.playbooks.yaml_source import dotted

MakeDir = Callable[[str | None], Path]


def test_problem_format() -> None:
    assert str(Problem("oncall.yaml", 12, "schedules.primary.timezone", "unknown")) == (
        "oncall.yaml:12: schedules.primary.timezone: unknown"
    )
    assert str(Problem("severities.yaml", None, "-", "required file is missing")) == (
        "severities.yaml: -: required file is missing"
    )
    error = PlaybookError([Problem("a.yaml", 1, "k", "bad"), Problem("b.yaml", 2, "j", "worse")])
    assert str(error).splitlines() == ["2 problems in playbooks", "a.yaml:1: k: bad", "b.yaml:2: j: worse"]


def test_dotted_paths() -> None:
    assert dotted(("severities", "SEV1", "respond_within")) == "severities.SEV1.respond_within"
    assert dotted(("levels", 0, "notify", 2)) == "levels[0].notify[2]"
    assert dotted(()) == "-"


def test_only_severities_and_roles_are_required(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    for name in ("oncall.yaml", "checklists.yaml"):
        (directory / name).unlink()
    for folder in ("runbooks", "templates"):
        for file in (directory / folder).iterdir():
            file.unlink()
        (directory / folder).rmdir()
    text = (directory / "severities.yaml").read_text().replace("    escalation: default\n", "")
    (directory / "severities.yaml").write_text(text)
    playbooks = load_playbooks(directory)
    assert playbooks.oncall.policies == {} and playbooks.runbooks == {}
    assert len(playbooks.templates) == 0 and playbooks.checklists.resolution == ()
    assert playbooks.match_runbooks("payments down") == []


def test_escalation_without_oncall_file_is_reported(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    (directory / "oncall.yaml").unlink()
    assert [str(p) for p in check_playbooks(directory)] == [
        "severities.yaml:7: severities.SEV1.escalation: unknown escalation policy 'default' "
        "(oncall.yaml defines: none; add escalation_policies to oncall.yaml)"
    ]


def test_loaded_values_and_defaults(playbook_dir: MakeDir) -> None:
    playbooks = load_playbooks(playbook_dir(None))
    assert playbooks.directory.name == "playbooks"
    sev = playbooks.severities
    assert [s.rank for s in sev] == [0, 1, 2]
    assert [s.broadcast_post for s in sev] == [True, True, False]  # absent: the first two severities
    assert sev.get("SEV2").respond_within is None and sev.get("SEV2").update_every == timedelta(minutes=30)
    step = playbooks.runbooks["restart"].step("check-status")
    assert isinstance(step, AwsStep) and step.allowed_roles == ["ic"] and not step.mutating
    restart = playbooks.runbooks["restart"].step("restart")
    assert isinstance(restart, AwsStep) and restart.allowed_roles == ["ic", "comms"]


def test_playbooks_are_immutable(playbook_dir: MakeDir) -> None:
    playbooks = load_playbooks(playbook_dir(None))
    with pytest.raises(dataclasses.FrozenInstanceError):
        playbooks.severities = playbooks.severities  # type: ignore[misc]
    with pytest.raises(TypeError):
        playbooks.runbooks["x"] = playbooks.runbooks["restart"]  # type: ignore[index]


def test_runbook_variables_fill_args_and_commands(playbook_dir: MakeDir) -> None:
    runbook = load_playbooks(playbook_dir(None)).runbooks["restart"]
    step = runbook.step("check-status")
    assert isinstance(step, AwsStep)
    integration = step.to_integration_step()
    assert (integration.service, integration.operation, integration.args["cluster"]) == (
        "ecs",
        "describe_services",
        "{cluster}",
    )
    assert runbook.variables_for({"cluster": "staging"}) == {"cluster": "staging"}
    assert runbook.variables_for() == {"cluster": "prod"}


def test_non_mapping_file_is_reported(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    (directory / "roles.yaml").write_text("- ic\n- comms\n")
    assert [str(p) for p in check_playbooks(directory)] == [
        "roles.yaml:1: -: expected a mapping of keys at the top of the file"
    ]


def test_empty_severities_file(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    (directory / "severities.yaml").write_text("# nothing yet\n")
    expected = ["severities.yaml:1: severities: required key is missing"]
    assert [str(p) for p in check_playbooks(directory)] == expected


def test_severity_alias_cannot_be_a_subcommand(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    text = (directory / "severities.yaml").read_text().replace("aliases: [P1]", "aliases: [P1, list]")
    (directory / "severities.yaml").write_text(text)
    assert [str(p) for p in check_playbooks(directory)] == [
        "severities.yaml:12: severities.SEV2.aliases[1]: 'list' is a /incident subcommand "
        "and cannot name a severity"
    ]


def test_duplicate_runbook_ids_across_files(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    (directory / "runbooks" / "copy.yaml").write_text((directory / "runbooks" / "restart.yaml").read_text())
    assert [str(p) for p in check_playbooks(directory)] == [
        "runbooks/restart.yaml:1: id: runbook id 'restart' is already used by runbooks/copy.yaml"
    ]


@given(st.integers(min_value=1, max_value=10**7))
def test_duration_text_round_trips(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    assert parse_duration(duration_text(delta)) == delta


@given(st.integers(min_value=1, max_value=10**5), st.sampled_from("smhd"))
def test_written_durations_keep_their_spelling(amount: int, unit: str) -> None:
    text = f"{amount}{unit}"
    assert parse_duration(duration_text(parse_duration(text))) == parse_duration(text)
    assert duration_text(parse_duration(text)).endswith(tuple("smhd"))


def test_archive_after_defaults_to_a_week_and_never_turns_it_off(playbook_dir: MakeDir) -> None:
    directory = playbook_dir(None)
    text = (directory / "severities.yaml").read_text()
    text = text.replace("    update_every: 30m", "    update_every: 30m\n    archive_after: never")
    text = text.replace("    name: Low", "    name: Low\n    archive_after: 36h")
    (directory / "severities.yaml").write_text(text)
    policy = load_playbooks(directory).severities
    assert [s.archive_after for s in policy] == [timedelta(days=7), None, timedelta(hours=36)]
    # The incident's snapshot keeps the setting; snapshots written before the key existed get the default.
    sev2 = policy.get("SEV2")
    assert type(sev2).from_snapshot(sev2.to_snapshot()).archive_after is None
    old = {k: v for k, v in policy.get("SEV1").to_snapshot().items() if k != "archive_after"}
    assert type(sev2).from_snapshot(old).archive_after == timedelta(days=7)
