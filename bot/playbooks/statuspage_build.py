"""Build the status-page components from statuspage.yaml: ids (and Statuspage ids) used once each."""

from __future__ import annotations

from bot.domain.publication import Component, StatusPageCatalog
from bot.playbooks.problems import Problem
from bot.playbooks.schema import StatusPageFile
from bot.playbooks.yaml_source import YamlDoc


def build_statuspage(doc: YamlDoc, spec: StatusPageFile) -> tuple[StatusPageCatalog, list[Problem]]:
    """Components in file order; a repeated ``id`` or ``statuspage_id`` is a problem at its second use."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    first_remote: dict[str, int] = {}
    components: list[Component] = []
    for i, item in enumerate(spec.components):
        key = item.id.casefold()
        if key in first:
            message = f"duplicate component id {item.id!r} (first used at components[{first[key]}])"
            problems.append(doc.problem(("components", i, "id"), message))
            continue
        first[key] = i
        if item.statuspage_id is not None:
            if item.statuspage_id in first_remote:
                message = (
                    f"statuspage_id {item.statuspage_id!r} is already used by "
                    f"components[{first_remote[item.statuspage_id]}]"
                )
                problems.append(doc.problem(("components", i, "statuspage_id"), message))
            first_remote.setdefault(item.statuspage_id, i)
        components.append(
            Component(
                id=item.id, name=item.name, group=item.group.strip(), statuspage_id=item.statuspage_id
            )
        )
    return StatusPageCatalog(tuple(components)), problems
