"""Read what was published: each component's current public status (the worst across open incidents)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.publication import Component, ComponentStatus, StatusPageCatalog
from bot.storage import publications
from bot.storage.db import UnitOfWork


@dataclass(frozen=True)
class ComponentNow:
    """A status-page component and its current public status."""

    component: Component
    status: ComponentStatus


def current_component_status(uow: UnitOfWork, catalog: StatusPageCatalog) -> list[ComponentNow]:
    """Every component of ``catalog`` in file order with the worst status of the open incidents' latest
    publications naming it; operational when none does. Ids no longer in the catalog are left out."""
    with uow() as session:
        found = publications.current_component_status(session)
    return [ComponentNow(comp, found.get(comp.id, ComponentStatus.OPERATIONAL)) for comp in catalog]
