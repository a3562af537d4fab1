"""What every use case needs: the unit of work, the playbooks, a clock, after-commit hooks, metrics, access."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.domain.roles import RoleCatalog
from bot.domain.severity import SeverityPolicy
from bot.metrics import Metrics
from bot.services.access import Access
from bot.services.errors import StorageUnavailable
from bot.storage.db import DatabaseUnavailable, UnitOfWork


class PolicySource(Protocol):
    """The loaded playbooks, as far as the lifecycle needs them."""

    @property
    def severities(self) -> SeverityPolicy: ...

    @property
    def roles(self) -> RoleCatalog: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class ServiceUnitOfWork(UnitOfWork):
    """The use cases' unit of work: a database out of reach is a ``StorageUnavailable`` for the person asking."""

    @classmethod
    def over(cls, uow: UnitOfWork, after_commit: Sequence[Callable[[], None]]) -> ServiceUnitOfWork:
        return cls(uow.session_factory, after_commit)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        try:
            with super().__call__() as session:
                yield session
        except DatabaseUnavailable as error:
            raise StorageUnavailable() from error


@dataclass
class ServiceContext:
    """``uow`` runs ``after_commit`` itself after every commit that wrote something (see ``UnitOfWork``)."""

    uow: UnitOfWork
    playbooks: PolicySource
    clock: Callable[[], datetime] = utc_now
    # Run after a use case's commit (delivery kick, scheduler wake-up); appended to while the app is built.
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)
    # Who may do what (permissions.yaml and the workspace's channel members); every use case asks it.
    access: Access = field(default_factory=Access)

    def __post_init__(self) -> None:
        self.uow = ServiceUnitOfWork.over(self.uow, self.after_commit)
