"""Optional features that plug into the container (paging, nudges, runbooks), installed in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.container import Container

Installer = Callable[["Container"], None]


def installers() -> list[Installer]:
    """Each feature module exposes ``install(container)``; add new ones here."""
    from bot.scheduling import wiring as scheduling
    from bot.slack import draft_wiring as drafts
    from bot.slack import runbook_wiring as runbooks

    return [scheduling.install, runbooks.install, drafts.install]
