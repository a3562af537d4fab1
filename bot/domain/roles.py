"""Incident roles (commander, tech lead, comms, scribe…) and their lookup by id or alias."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

COMMANDER = "ic"
COMMS = "comms"


@dataclass(frozen=True)
class Role:
    """A role a person can hold during an incident, with the checklist they receive."""

    id: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "aliases": list(self.aliases),
            "checklist": list(self.checklist),
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Role:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            description=str(data.get("description", "")),
            aliases=tuple(data.get("aliases", ())),
            checklist=tuple(data.get("checklist", ())),
        )


@dataclass(frozen=True)
class RoleCatalog:
    """The roles of a playbook in display order."""

    roles: tuple[Role, ...]
    _index: dict[str, Role] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Role] = {}
        for role in self.roles:
            for key in (role.id, *role.aliases, role.name):
                index.setdefault(_norm(key), role)
        object.__setattr__(self, "_index", index)

    @classmethod
    def of(cls, roles: Iterable[Role]) -> RoleCatalog:
        return cls(tuple(roles))

    def __iter__(self) -> Iterator[Role]:
        return iter(self.roles)

    def __len__(self) -> int:
        return len(self.roles)

    def lookup(self, word: str) -> Role | None:
        """The role whose id, alias or name is ``word`` (case-insensitive, ``-``/space = ``_``)."""
        return self._index.get(_norm(word))

    def get(self, role_id: str) -> Role:
        role = self.lookup(role_id)
        if role is None:
            raise KeyError(role_id)
        return role

    def describe_valid(self) -> str:
        return ", ".join(f"{r.id} ({r.name})" for r in self.roles)


def _norm(word: str) -> str:
    return word.strip().casefold().replace("-", "_").replace(" ", "_")
