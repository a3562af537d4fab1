"""What every use case needs: the unit of work, the playbooks, a clock, after-commit hooks and metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.domain.roles import RoleCatalog
from bot.domain.severity import SeverityPolicy
from bot.metrics import Metrics
from bot.storage.db import UnitOfWork


class PolicySource(Protocol):
    """The loaded playbooks, as far as the lifecycle needs them."""

    @property
    def severities(self) -> SeverityPolicy: ...

    @property
    def roles(self) -> RoleCatalog: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    """``uow`` runs ``after_commit`` itself after every commit that wrote something (see ``UnitOfWork``)."""

    uow: UnitOfWork
    playbooks: PolicySource
    clock: Callable[[], datetime] = utc_now
    # Run after a use case's commit (delivery kick, scheduler wake-up); appended to while the app is built.
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.uow = self.uow.with_hooks(self.after_commit)
