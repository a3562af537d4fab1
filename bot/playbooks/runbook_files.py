"""Read ``runbooks/*.yaml`` (one runbook per file) and check step ids and argument placeholders."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from bot.integrations.aws.variables import placeholders
from bot.playbooks.problems import Problem
from bot.playbooks.runbooks import INCIDENT_VARIABLES, AwsStep, CommandStep, Runbook
from bot.playbooks.runbooks import placeholders as text_placeholders
from bot.playbooks.yaml_source import YamlDoc, read_yaml, validation_problems

RUNBOOKS_DIR = "runbooks"
# Sections every runbook needs at least one step in: how to find the cause, and what to do about it.
REQUIRED_SECTIONS = ("diagnosis", "mitigation")


def load_runbooks(directory: Path) -> tuple[list[tuple[Runbook, YamlDoc]], list[Problem]]:
    """Runbooks in file-name order with the document each came from; a missing folder is fine."""
    folder = directory / RUNBOOKS_DIR
    if not folder.is_dir():
        return [], []
    problems: list[Problem] = []
    loaded: list[tuple[Runbook, YamlDoc]] = []
    seen: dict[str, str] = {}
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in files:
        name = f"{RUNBOOKS_DIR}/{path.name}"
        doc, found = read_yaml(path, name)
        problems += found
        if doc is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "expected a mapping of keys at the top of the file"))
            continue
        try:
            runbook = Runbook.model_validate(doc.data)
        except ValidationError as exc:
            problems += validation_problems(doc, exc)
            continue
        if runbook.id in seen:
            message = f"runbook id {runbook.id!r} is already used by {seen[runbook.id]}"
            problems.append(doc.problem(("id",), message))
            continue
        seen[runbook.id] = name
        problems += _step_problems(doc, runbook)
        loaded.append((runbook, doc))
    return loaded, problems


def _step_problems(doc: YamlDoc, runbook: Runbook) -> list[Problem]:
    problems: list[Problem] = []
    first_use: dict[str, str] = {}
    known = set(runbook.variables) | INCIDENT_VARIABLES
    for section in REQUIRED_SECTIONS:
        if not getattr(runbook, section):
            problems.append(doc.problem((section,), f"a runbook needs at least one {section} step"))
    for section in ("diagnosis", "mitigation", "rollback"):
        for i, step in enumerate(getattr(runbook, section)):
            where = f"{section}[{i}]"
            if step.id in first_use:
                message = f"duplicate step id {step.id!r} (first used at {first_use[step.id]})"
                problems.append(doc.problem((section, i, "id"), message))
            else:
                first_use[step.id] = where
            if isinstance(step, AwsStep):
                problems += _placeholder_problems(doc, (section, i, "args"), step.args, known)
            elif isinstance(step, CommandStep):
                problems += _unknown(doc, (section, i, "command"), text_placeholders(step.command), known)
    return problems


def _placeholder_problems(
    doc: YamlDoc, path: tuple[str | int, ...], value: object, known: set[str]
) -> list[Problem]:
    if isinstance(value, dict):
        out: list[Problem] = []
        for key, item in value.items():
            out += _placeholder_problems(doc, (*path, str(key)), item, known)
        return out
    if isinstance(value, list):
        found: list[Problem] = []
        for i, item in enumerate(value):
            found += _placeholder_problems(doc, (*path, i), item, known)
        return found
    if not isinstance(value, str):
        return []
    return _unknown(doc, path, placeholders(value), known)


def _unknown(doc: YamlDoc, path: tuple[str | int, ...], names: set[str], known: set[str]) -> list[Problem]:
    unknown = sorted(names - known)
    if unknown:
        hint = ", ".join(sorted(known))
        return [doc.problem(path, f"unknown variable {{{unknown[0]}}}; known: {hint}")]
    return []
