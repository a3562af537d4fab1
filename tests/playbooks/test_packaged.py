"""The default playbooks ship inside the package (built from playbooks/) and are used when none are configured."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bot.playbooks.shipped import (
    PlaybooksInitError,
    init_playbooks,
    packaged_playbooks,
    resolve_playbooks_dir,
)

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "playbooks"
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "bot", "migrations", "playbooks")


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def same_tree(a: Path, b: Path) -> bool:
    names = files_under(a)
    return names == files_under(b) and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PLAYBOOKS_DIR", "PYTHONPATH"}}
    return {**env, **extra}


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what a build reads, so building leaves nothing behind in the checkout."""
    root = tmp_path_factory.mktemp("src")
    for name in BUILD_INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    return root


@pytest.fixture(scope="module")
def built(source_copy: Path) -> Path:
    """``build_py`` as a wheel build runs it: the importable tree that gets installed."""
    out = source_copy.parent / "lib"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(out)],
        cwd=source_copy, check=True, capture_output=True, text=True, timeout=120,
    )
    return out


def test_the_built_package_carries_exactly_the_top_level_playbooks(built: Path) -> None:
    packaged = built / "bot" / "default_playbooks"
    assert same_tree(PLAYBOOKS, packaged)
    assert (packaged / "runbooks" / "api-down.yaml").is_file()


def test_the_sdist_carries_the_playbooks_and_the_build_hook(source_copy: Path) -> None:
    dist = source_copy.parent / "dist"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "sdist", "--formats=gztar", "--dist-dir", str(dist)],
        cwd=source_copy, check=True, capture_output=True, text=True, timeout=120,
    )
    [archive] = dist.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert "setup.py" in names
    assert {f"playbooks/{p}" for p in files_under(PLAYBOOKS)} <= names


def test_installed_outside_a_checkout_the_bot_finds_its_own_playbooks(built: Path, tmp_path: Path) -> None:
    # No PLAYBOOKS_DIR, no ./playbooks, and no checkout next to the package.
    env = _env(PYTHONPATH=str(built), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    where = subprocess.run(
        [sys.executable, "-c", "from bot.playbooks.shipped import packaged_playbooks; print(packaged_playbooks())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()
    assert Path(where) == built / "bot" / "default_playbooks"
    check = subprocess.run(
        [sys.executable, "-m", "bot", "playbooks", "check"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert check.returncode == 0, check.stderr
    assert "default_playbooks: ok" in check.stdout


def test_resolution_order(tmp_path: Path) -> None:
    configured = tmp_path / "mine"
    assert resolve_playbooks_dir(configured, cwd=tmp_path) == configured  # even when it does not exist
    assert resolve_playbooks_dir(None, cwd=tmp_path) == packaged_playbooks()
    (tmp_path / "playbooks").mkdir()
    assert resolve_playbooks_dir(None, cwd=tmp_path) == tmp_path / "playbooks"


def test_in_a_checkout_the_defaults_are_the_top_level_playbooks() -> None:
    assert packaged_playbooks() == PLAYBOOKS


def test_init_copies_the_defaults_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "edit-me"
    written = init_playbooks(target)
    assert same_tree(PLAYBOOKS, target) and len(written) == len(files_under(PLAYBOOKS))
    (target / "severities.yaml").write_text("# my edits\n")
    with pytest.raises(PlaybooksInitError, match="refusing to overwrite"):
        init_playbooks(target)
    assert (target / "severities.yaml").read_text() == "# my edits\n"


def test_init_with_one_clash_copies_nothing(tmp_path: Path) -> None:
    (tmp_path / "roles.yaml").write_text("mine\n")
    with pytest.raises(PlaybooksInitError, match="1 existing file"):
        init_playbooks(tmp_path)
    assert files_under(tmp_path) == {Path("roles.yaml")}


def test_the_init_command(tmp_path: Path) -> None:
    env = _env(PYTHONPATH=str(REPO), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    command = [sys.executable, "-m", "bot", "playbooks", "init", str(tmp_path / "pb")]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0 and "PLAYBOOKS_DIR" in first.stdout
    assert same_tree(PLAYBOOKS, tmp_path / "pb")
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr and "nothing was copied" in again.stderr
    check = subprocess.run(
        [sys.executable, "-m", "bot", "playbooks", "check", "pb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert check.returncode == 0 and "pb: ok" in check.stdout
