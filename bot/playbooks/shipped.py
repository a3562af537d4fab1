"""Where the playbooks come from: PLAYBOOKS_DIR, else ./playbooks, else the defaults shipped in the package."""

from __future__ import annotations

import shutil
from pathlib import Path

import bot

# In a built wheel the top-level playbooks/ is copied here (see setup.py); in a checkout it is playbooks/.
PACKAGED = Path(bot.__file__).resolve().parent / "default_playbooks"
CHECKOUT = Path(bot.__file__).resolve().parent.parent / "playbooks"
LOCAL = Path("playbooks")


class PlaybooksInitError(Exception):
    """``playbooks init`` would overwrite something; nothing was copied."""


def packaged_playbooks() -> Path:
    """The default playbooks that come with the installed bot."""
    for candidate in (PACKAGED, CHECKOUT):
        if (candidate / "severities.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"the default playbooks are missing from the installation ({PACKAGED})")


def resolve_playbooks_dir(configured: Path | None, cwd: Path | None = None) -> Path:
    """``configured`` when set (even if wrong: the check then says so); else ./playbooks; else the defaults."""
    if configured is not None:
        return configured
    local = (cwd or Path.cwd()) / LOCAL
    if local.is_dir():
        return local
    return packaged_playbooks()


def init_playbooks(target: Path, source: Path | None = None) -> list[Path]:
    """Copy the default playbooks into ``target`` for editing; refuse if any file would be overwritten."""
    source = source or packaged_playbooks()
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    if target.exists() and not target.is_dir():
        raise PlaybooksInitError(f"{target} exists and is not a directory")
    clashes = [target / p.relative_to(source) for p in files if (target / p.relative_to(source)).exists()]
    if clashes:
        names = ", ".join(str(c) for c in clashes[:5]) + (" …" if len(clashes) > 5 else "")
        raise PlaybooksInitError(f"refusing to overwrite {len(clashes)} existing file(s): {names}")
    written: list[Path] = []
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        written.append(destination)
    return written
