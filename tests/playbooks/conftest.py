"""Fixtures for playbook tests: the shipped directory and a writable copy of the valid fixture."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "playbooks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shipped() -> Path:
    return SHIPPED


@pytest.fixture
def playbook_dir(tmp_path: Path) -> Callable[[str | None], Path]:
    """A copy of ``fixtures/valid`` with ``fixtures/broken/<case>`` laid over it.

    A case may hold a ``DELETE`` file listing, one per line, the files it removes from the copy.
    """

    def make(case: str | None = None) -> Path:
        target = tmp_path / "playbooks"
        shutil.copytree(FIXTURES / "valid", target)
        if case is not None:
            shutil.copytree(FIXTURES / "broken" / case, target, dirs_exist_ok=True)
            deletions = target / "DELETE"
            if deletions.exists():
                for name in deletions.read_text().split():
                    (target / name).unlink()
                deletions.unlink()
        return target

    return make
