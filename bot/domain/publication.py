"""Public status vocabulary: public incident statuses, component statuses, status-page components and policy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum


class PublicStatus(StrEnum):
    """What the public reads about an incident (Atlassian Statuspage's incident statuses)."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ComponentStatus(StrEnum):
    """How a component is doing, least to most severe (Atlassian Statuspage's component statuses)."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """0 for operational up to 3 for a major outage."""
        return list(ComponentStatus).index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    """The most severe of ``statuses``; operational when there are none."""
    return max(statuses, key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)


class StatusPagePolicy(StrEnum):
    """A severity's ``status_page`` key: what the bot expects about publishing."""

    SUGGEST = "suggest"  # remind at declaration and count "status page not updated" as overdue
    OPTIONAL = "optional"  # the Publish button works, nothing is suggested
    NEVER = "never"  # publishing is refused


# The overdue item of an update reminder when a ``suggest`` severity published nothing in time.
STATUS_PAGE_OVERDUE = "status_page"
SUGGEST_DEFAULT_RANKS = 2  # the two most severe levels suggest publishing unless they say otherwise


def default_status_page(rank: int, private: bool) -> StatusPagePolicy:
    """The policy of a severity that does not say: never when private, suggest for the first two levels."""
    if private:
        return StatusPagePolicy.NEVER
    return StatusPagePolicy.SUGGEST if rank < SUGGEST_DEFAULT_RANKS else StatusPagePolicy.OPTIONAL


@dataclass(frozen=True)
class Component:
    """One thing customers see on the status page; ``statuspage_id`` is its Atlassian Statuspage id."""

    id: str
    name: str
    group: str = ""
    statuspage_id: str | None = None


@dataclass(frozen=True)
class StatusPageCatalog:
    """The components of playbooks/statuspage.yaml, in file order."""

    components: tuple[Component, ...] = ()

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components)

    def __len__(self) -> int:
        return len(self.components)

    def get(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def groups(self) -> list[str]:
        """Group names in first-appearance order ("" for ungrouped components)."""
        seen: list[str] = []
        for comp in self.components:
            if comp.group not in seen:
                seen.append(comp.group)
        return seen


@dataclass(frozen=True)
class ComponentState:
    """A component and its status in one publication."""

    id: str
    status: ComponentStatus

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status.value}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ComponentState:
        return cls(id=str(data["id"]), status=ComponentStatus(str(data["status"])))
