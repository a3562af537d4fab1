"""Build hook: the wheel ships the top-level playbooks/ as ``bot/default_playbooks`` (one source, copied at build)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
PACKAGED = ("bot", "default_playbooks")


class BuildWithPlaybooks(build_py):
    """``build_py`` plus a copy of playbooks/ into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib).joinpath(*PACKAGED)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(PLAYBOOKS, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        target = Path(self.build_lib).joinpath(*PACKAGED)
        copied = [str(target / p.relative_to(PLAYBOOKS)) for p in PLAYBOOKS.rglob("*") if p.is_file()]
        return [*super().get_outputs(include_bytecode), *copied]


setup(cmdclass={"build_py": BuildWithPlaybooks})
