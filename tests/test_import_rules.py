"""The dependency direction of docs/ARCHITECTURE.md, checked on every import in bot/ (an AST walk, no imports run).

``domain`` is pure; ``storage`` sees only ``domain``; the adapters (``storage``, ``slack``, ``paging``,
``integrations``) never import each other; use cases do not reach for transports; only the start-up modules
build the container. ``NOT_YET`` lists the imports still waiting for a planned move: it may only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bot"

ADAPTERS = ("bot.storage", "bot.slack", "bot.paging", "bot.integrations")
# Libraries that do I/O or parse files: none of them in the pure domain.
IMPURE = ("slack_bolt", "slack_sdk", "sqlalchemy", "alembic", "boto3", "botocore", "yaml", "redis", "requests")
AWS_SDK = ("boto3", "botocore")
STARTUP = ("bot.cli", "bot.__main__", "bot.web", "bot.playground")

# (importing module, imported module) pairs that break a rule today and are scheduled to move; each one that
# no longer happens must be deleted from here (the last test fails until it is).
NOT_YET: frozenset[tuple[str, str]] = frozenset(
    {
        # One AwsStep type: the playbook schema still validates aws steps against the adapter's catalogue
        # (operations, their arguments, {variables}) instead of a catalogue of its own.
        ("bot.playbooks.runbooks", "bot.integrations.aws.arguments"),
        ("bot.playbooks.runbooks", "bot.integrations.aws.model"),
        ("bot.playbooks.runbooks", "bot.integrations.aws.operation"),
        ("bot.playbooks.runbooks", "bot.integrations.aws.steps"),
        ("bot.playbooks.runbooks", "bot.integrations.aws.variables"),
        ("bot.playbooks.runbook_files", "bot.integrations.aws.variables"),
    }
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted (a module, or a module's name for ``from x import y``)
    line: int
    in_function: bool
    type_only: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[Import]:
    yield from _imports_in(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")


def _imports_in(source: str, module: str, is_package: bool = False) -> Iterator[Import]:
    package = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(source, filename=module)

    def walk(node: ast.AST, in_function: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, in_function, type_only)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in child.names:
                    yield Import(module, f"{base}.{alias.name}", child.lineno, in_function, type_only)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from walk(child, in_function, True)
            else:
                inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                yield from walk(child, inner, type_only)

    yield from walk(tree, False, False)


ALL_IMPORTS: list[Import] = [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in _imports(path)]


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _project_target(imp: Import) -> str | None:
    """The project module an import names (``from bot.x import y`` names ``bot.x.y`` or ``bot.x``)."""
    if not _under(imp.target, "bot"):
        return None
    candidate = imp.target
    while candidate:
        as_path = ROOT.joinpath(*candidate.split("."))
        if as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists():
            return candidate
        candidate = candidate.rpartition(".")[0]
    return imp.target


def _adapter_of(module: str) -> str | None:
    return next((a for a in ADAPTERS if _under(module, a)), None)


def _violations(imports: list[Import] = ALL_IMPORTS) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}

    def refuse(imp: Import, target: str, rule: str) -> None:
        found.setdefault((imp.module, target), f"{imp.module}:{imp.line} imports {target}: {rule}")

    for imp in imports:
        target = _project_target(imp)
        if _under(imp.module, "bot.domain"):
            if target is not None and not _under(target, "bot.domain"):
                refuse(imp, target, "the domain imports no other project package")
            if _under(imp.target, *IMPURE):
                refuse(imp, imp.target.split(".")[0], "the domain is pure Python")
        if _under(imp.target, *AWS_SDK) and not _under(imp.module, "bot.integrations.aws"):
            refuse(imp, imp.target.split(".")[0], "boto3 only where AWS clients are built (bot.integrations.aws)")
        if target is None:
            continue
        if _under(imp.module, "bot.storage") and not _under(target, "bot.storage", "bot.domain"):
            refuse(imp, target, "storage imports only the domain")
        own, theirs = _adapter_of(imp.module), _adapter_of(target)
        if own and theirs and own != theirs:
            refuse(imp, target, "adapters do not import each other")
        if own and _under(target, "bot.scheduling"):
            refuse(imp, target, "adapters do not import the scheduler")
        if _under(imp.module, "bot.services") and _under(target, "bot.slack", "bot.paging", "bot.scheduling"):
            refuse(imp, target, "use cases do not import transports or the scheduler")
        if _under(imp.module, "bot.playbooks") and _under(target, "bot.integrations"):
            refuse(imp, target, "playbook files are read without the AWS adapter")
        if _under(target, "bot.container") and not _under(imp.module, "bot.container", *STARTUP):
            refuse(imp, target, "only start-up code (cli, web, playground) builds the container")
        if imp.in_function and not imp.type_only and not _under(imp.module, "bot.cli"):
            refuse(imp, target, "no project imports inside functions (they hide import cycles)")
    return found


def test_the_walk_sees_the_imports_it_checks() -> None:
    """A walk that found nothing would pass every rule; these imports are known to exist."""
    pairs = {(imp.module, _project_target(imp)) for imp in ALL_IMPORTS}
    assert ("bot.container", "bot.slack.listeners") in pairs
    assert ("bot.domain.grammar", "bot.domain.verbs") in pairs
    assert ("bot.cli", "bot.container") in pairs
    assert any(imp.in_function for imp in ALL_IMPORTS if imp.module == "bot.cli")


def test_the_walk_reads_every_form_of_import() -> None:
    source = (
        "import boto3\nfrom bot.slack.gateway import SlackGateway\nfrom . import base\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.container import Container\n"
        "def f():\n    from ..storage import db\n"
    )
    found = [(i.target, i.in_function, i.type_only) for i in _imports_in(source, "bot.paging.probe")]
    assert found == [
        ("boto3", False, False),
        ("bot.slack.gateway.SlackGateway", False, False),
        ("bot.paging.base", False, False),
        ("typing.TYPE_CHECKING", False, False),
        ("bot.container.Container", False, True),
        ("bot.storage.db", True, False),
    ]


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("bot.domain.probe", "import yaml\n", "the domain is pure Python"),
        ("bot.domain.probe", "from bot.services.read_models import IncidentView\n", "the domain imports no other"),
        ("bot.storage.probe", "from bot.services import errors\n", "storage imports only the domain"),
        ("bot.paging.probe", "from bot.slack.notifier import SlackNotifier\n", "adapters do not import each other"),
        ("bot.slack.probe", "from bot.storage import repositories\n", "adapters do not import each other"),
        ("bot.paging.probe", "from bot.scheduling import rotation\n", "adapters do not import the scheduler"),
        ("bot.services.probe", "from bot.slack.blocks import card\n", "use cases do not import transports"),
        ("bot.slack.probe", "import boto3\n", "boto3 only where AWS clients are built"),
        ("bot.services.probe", "from bot.container import Container\n", "only start-up code"),
        ("bot.slack.probe", "def f():\n    from bot.domain import grammar\n", "no project imports inside"),
    ],
)
def test_the_rules_refuse_a_wrong_import(module: str, source: str, rule: str) -> None:
    reasons = list(_violations(list(_imports_in(source, module))).values())
    assert len(reasons) == 1 and rule in reasons[0], reasons


@pytest.mark.parametrize(
    "rule", ["domain", "storage", "adapters", "services", "playbooks", "container", "aws"]
)
def test_dependency_direction(rule: str) -> None:
    words = {
        "domain": ("the domain",),
        "storage": ("storage imports only",),
        "adapters": ("adapters do not import",),
        "services": ("use cases do not",),
        "playbooks": ("playbook files",),
        "container": ("only start-up code", "no project imports inside functions"),
        "aws": ("boto3 only",),
    }[rule]
    broken = [
        why for pair, why in _violations().items() if pair not in NOT_YET and any(w in why for w in words)
    ]
    assert not broken, "\n".join(broken)


def test_the_list_of_pending_moves_only_shrinks() -> None:
    still_needed = set(_violations())
    stale = sorted(NOT_YET - still_needed)
    assert not stale, f"these moves are done: delete them from NOT_YET: {stale}"
