"""Fill ``{name}`` placeholders in step arguments from incident variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.integrations.aws.model import StepError

# ``{name}`` is a placeholder; ``{{`` and ``}}`` stand for literal braces (as in JSON filter patterns).
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def placeholders(value: Any) -> set[str]:
    """Every variable name a value refers to, searched recursively."""
    found: set[str] = set()
    for text in _strings(value):
        found.update(m.group(1) for m in _TOKEN.finditer(text) if m.group(1))
    return found


def render_args(args: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, Any]:
    """Return a copy of ``args`` with placeholders in every string (keys untouched) replaced."""
    missing = sorted(placeholders(dict(args)) - set(variables))
    if missing:
        names = ", ".join("{" + name + "}" for name in missing)
        known = ", ".join(sorted(variables)) or "none"
        raise StepError(
            f"this step needs the incident variable(s) {names}, which are not set (known: {known})"
        )
    rendered = _render(dict(args), variables)
    assert isinstance(rendered, dict)
    return rendered


def _render(value: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _TOKEN.sub(lambda m: _replace(m, variables), value)
    if isinstance(value, Mapping):
        return {key: _render(item, variables) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_render(item, variables) for item in value]
    return value


def _replace(match: re.Match[str], variables: Mapping[str, str]) -> str:
    token = match.group(0)
    if token == "{{":
        return "{"
    if token == "}}":
        return "}"
    return str(variables[match.group(1)])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []
