"""Declared arguments of each operation: checking them in playbooks and coercing them before a call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.integrations.aws.model import StepError

ArgKind = Literal["str", "strs", "int", "num", "bool", "dims"]


@dataclass(frozen=True)
class Arg:
    """One argument an operation takes: its kind, whether it is required, and its default."""

    kind: ArgKind = "str"
    required: bool = False
    default: Any = None
    help: str = ""


def problems(name: str, spec: Mapping[str, Arg], args: Mapping[str, Any], *, rendered: bool) -> list[str]:
    """Every problem with ``args`` for operation ``name``; templated values are checked once rendered."""
    found: list[str] = []
    if not isinstance(args, Mapping):
        return [f"{name}: args must be a mapping, got {type(args).__name__}"]
    for key in args:
        if key not in spec:
            expected = ", ".join(spec) or "none"
            found.append(f"{name}: unknown argument '{key}' (expected: {expected})")
    for key, arg in spec.items():
        if key not in args or args[key] is None or args[key] == "":
            if arg.required:
                found.append(f"{name}: missing argument '{key}'" + (f" ({arg.help})" if arg.help else ""))
            continue
        problem = _kind_problem(arg.kind, args[key], rendered=rendered)
        if problem:
            found.append(f"{name}: argument '{key}' {problem}")
    return found


def coerce(name: str, spec: Mapping[str, Arg], args: Mapping[str, Any]) -> dict[str, Any]:
    """Rendered ``args`` in their declared kinds with defaults filled; raises ``StepError`` on problems."""
    found = problems(name, spec, args, rendered=True)
    if found:
        raise StepError("; ".join(found))
    result: dict[str, Any] = {}
    for key, arg in spec.items():
        value = args.get(key)
        if value is None or value == "":
            if arg.default is not None:
                result[key] = arg.default
            continue
        result[key] = _coerce(arg.kind, value)
    return result


def _kind_problem(kind: ArgKind, value: Any, *, rendered: bool) -> str | None:
    templated = not rendered and isinstance(value, str) and "{" in value
    if kind == "str":
        return None if isinstance(value, str | int) and not isinstance(value, bool) else "must be a string"
    if kind == "strs":
        if isinstance(value, str) or (
            isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value)
        ):
            return None
        return "must be a string or a non-empty list of strings"
    if kind == "int":
        if templated or (isinstance(value, int) and not isinstance(value, bool)):
            return None if templated or value >= 0 else "must not be negative"
        if isinstance(value, str) and value.strip().isdigit():
            return None
        return "must be a whole number"
    if kind == "num":
        if templated or (isinstance(value, int | float) and not isinstance(value, bool)):
            return None
        if isinstance(value, str) and _is_number(value):
            return None
        return "must be a number"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(value, Mapping) and all(isinstance(v, str | int) for v in value.values()):
        return None
    if isinstance(value, list | tuple) and all(
        isinstance(v, Mapping) and set(v) == {"Name", "Value"} for v in value
    ):
        return None
    return "must be a mapping of dimension name to value"


def _coerce(kind: ArgKind, value: Any) -> Any:
    if kind == "str":
        return str(value)
    if kind == "strs":
        return [value] if isinstance(value, str) else [str(v) for v in value]
    if kind == "int":
        return int(value)
    if kind == "num":
        return float(value)
    if kind == "bool":
        return bool(value)
    if isinstance(value, Mapping):
        return [{"Name": str(k), "Value": str(v)} for k, v in value.items()]
    return [{"Name": str(v["Name"]), "Value": str(v["Value"])} for v in value]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}
