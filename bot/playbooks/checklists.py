"""The standing checklists of ``checklists.yaml``: incident commander, resolution, post-incident."""

from __future__ import annotations

from dataclasses import dataclass

from bot.playbooks.schema import ChecklistsFile


@dataclass(frozen=True)
class Checklists:
    """Checklist items in file order; each list is empty when the file or key is absent."""

    incident_commander: tuple[str, ...] = ()
    resolution: tuple[str, ...] = ()
    post_incident: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: ChecklistsFile) -> Checklists:
        return cls(
            incident_commander=tuple(spec.incident_commander),
            resolution=tuple(spec.resolution),
            post_incident=tuple(spec.post_incident),
        )
