"""Modules of bot/ stay under ~300 lines, or say in their docstring why they are longer."""

from __future__ import annotations

import ast

from tests.harness import REPO

LIMIT = 300
REASON = "Over 300 lines because"


def test_every_long_module_says_why_it_is_long() -> None:
    unexplained = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > LIMIT and REASON not in (ast.get_docstring(ast.parse(source)) or ""):
            unexplained.append(f"{path.relative_to(REPO)} ({len(source.splitlines())} lines)")
    assert unexplained == [], f"split these or add '{REASON} …' to their docstring: {unexplained}"


def test_every_module_has_a_docstring_whose_first_line_says_what_it_is() -> None:
    missing = [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "bot").rglob("*.py"))
        if not (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()
    ]
    assert missing == []
