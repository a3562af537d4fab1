"""Message templates (``templates/*.md``) with ``{placeholders}`` checked against the known names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.playbooks.problems import Problem
from bot.playbooks.runbooks import fill, placeholders

TEMPLATES_DIR = "templates"
TEMPLATE_NAMES = (
    "status_update",
    "internal_notification",
    "external_notification",
    "resolution",
    "postmortem",
)
PLACEHOLDERS = frozenset(
    {
        "incident_ref",
        "title",
        "severity",
        "severity_name",
        "status",
        "summary",
        "description",
        "impact",
        "next_update",
        "duration",
        "root_cause",
        "resolution",
        "ic",
        "tech_lead",
        "comms",
        "reporter",
        "channel",
        "started_at",
        "resolved_at",
        "updated_at",
        "update_number",
        "actions",
        "eta",
        "status_page",
        "timeline",
        "action_items",
        "postmortem_due",
        "time_to_acknowledge",
        "time_to_mitigate",
        "time_to_resolve",
    }
)
MISSING = "—"


@dataclass(frozen=True)
class Template:
    """One template: its name (file stem), text and the placeholders it uses."""

    name: str
    text: str
    placeholders: frozenset[str]

    def render(self, values: Mapping[str, object]) -> str:
        """Fill the placeholders; any value not given shows as an em dash."""
        shown = {k: MISSING if values.get(k) in (None, "") else values[k] for k in self.placeholders}
        result: str = fill(self.text, shown)
        return result


@dataclass(frozen=True)
class Templates:
    """The templates a playbooks directory ships, by name; absent ones are simply missing."""

    by_name: Mapping[str, Template] = field(default_factory=dict)

    def get(self, name: str) -> Template | None:
        return self.by_name.get(name)

    def render(self, name: str, values: Mapping[str, object]) -> str | None:
        template = self.by_name.get(name)
        return None if template is None else template.render(values)

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __len__(self) -> int:
        return len(self.by_name)


def load_templates(directory: Path) -> tuple[Templates, list[Problem]]:
    folder = directory / TEMPLATES_DIR
    if not folder.is_dir():
        return Templates(), []
    problems: list[Problem] = []
    found: dict[str, Template] = {}
    for path in sorted(folder.glob("*.md")):
        file = f"{TEMPLATES_DIR}/{path.name}"
        name = path.stem.replace("-", "_")
        if name not in TEMPLATE_NAMES:
            expected = ", ".join(TEMPLATE_NAMES)
            problems.append(Problem(file, 1, "-", f"unknown template; expected one of {expected}"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(file, None, "-", f"cannot read file: {exc}"))
            continue
        template_problems = _check(file, text)
        problems += template_problems
        if not template_problems:
            found[name] = Template(name, text, frozenset(placeholders(text)))
    return Templates(MappingProxyType(found)), problems


def _check(file: str, text: str) -> list[Problem]:
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for name in sorted(placeholders(line) - PLACEHOLDERS):
            problems.append(Problem(file, number, f"{{{name}}}", "unknown placeholder"))
    return problems
