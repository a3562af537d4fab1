"""Scenario files: the cast, the steps and their checks, loaded from YAML before anything is replayed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.durations import InvalidDuration, parse_duration

ACTIONS = ("command", "click", "submit", "wait", "say")
KEYS = frozenset({"as", "in", "value", "note", *ACTIONS})
SHIPPED = Path(__file__).parent / "scenarios"
ONCALL = "oncall:"
_ROLE = re.compile(r"^[a-z][a-z0-9_-]*$")
# ``{role}`` is the cast member's full name (for notes), ``@{role}`` their handle (for commands).
PLACEHOLDER = re.compile(r"(@?)\{([a-z][a-z0-9_-]*)\}")

OnCallLookup = Callable[[str], "str | None"]


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded, or a step that could not be played."""


@dataclass(frozen=True)
class Step:
    """One line of the script: who acts (``as``), where (``in``) and what they do."""

    number: int
    actor: str | None = None
    action: str | None = None
    argument: Any = None
    channel: str | None = None
    value: Any = None
    note: str = ""

    def describe(self) -> str:
        """A short human line for logs."""
        who = f"{self.actor}: " if self.actor else ""
        what = f"{self.action} {self.argument!r}" if self.action else "(switch user)"
        return f"step {self.number}: {who}{what}"


@dataclass(frozen=True)
class Scenario:
    """A named list of steps; ``channel`` is where commands go before an incident channel exists."""

    name: str
    steps: tuple[Step, ...]
    description: str = ""
    channel: str = "incidents"
    pace: float = 1.5
    cast: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _step(number: int, raw: Any) -> Step:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"step {number}: expected a mapping such as {{as: alice, command: ...}}")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ScenarioError(f"step {number}: unknown key(s) {', '.join(map(str, unknown))}")
    actions = [key for key in ACTIONS if key in raw]
    if len(actions) > 1:
        raise ScenarioError(f"step {number}: one action per step, found {', '.join(actions)}")
    if not actions and "as" not in raw:
        raise ScenarioError(f"step {number}: needs an action ({', '.join(ACTIONS)}) or `as`")
    action = actions[0] if actions else None
    argument = raw.get(action) if action else None
    if action == "wait":
        try:
            parse_duration(str(argument))
        except InvalidDuration as exc:
            raise ScenarioError(f"step {number}: wait: {exc}") from exc
    elif action == "submit":
        if not isinstance(argument, Mapping) or not all(isinstance(v, Mapping) for v in argument.values()):
            raise ScenarioError(f"step {number}: submit: expected {{block_id: {{action_id: value}}}}")
    elif action in ("command", "click", "say") and (not isinstance(argument, str) or not argument.strip()):
        raise ScenarioError(f"step {number}: {action}: expected text")
    if action == "command" and not str(argument).startswith("/"):
        raise ScenarioError(f"step {number}: command: should start with a slash, e.g. /incident …")
    return Step(
        number=number,
        actor=str(raw["as"]) if raw.get("as") is not None else None,
        action=action,
        argument=argument,
        channel=str(raw["in"]) if raw.get("in") else None,
        value=raw.get("value"),
        note=str(raw.get("note") or ""),
    )


def _cast(origin: str, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{origin}: cast: expected {{role: user, oncall:<schedule> or a list of them}}")
    out: list[tuple[str, tuple[str, ...]]] = []
    for role, value in raw.items():
        if not isinstance(role, str) or not _ROLE.match(role):
            raise ScenarioError(f"{origin}: cast: {role!r} is not a role name (lowercase letters, digits, -, _)")
        candidates = value if isinstance(value, list) else [value]
        if not candidates or not all(isinstance(c, str) and c.strip() for c in candidates):
            raise ScenarioError(f"{origin}: cast: {role}: expected a user, oncall:<schedule> or a list of them")
        out.append((role, tuple(c.strip() for c in candidates)))
    return tuple(out)


def _placeholders(step: Step) -> set[str]:
    texts = [step.note, step.value]
    if isinstance(step.argument, str):
        texts.append(step.argument)
    elif isinstance(step.argument, Mapping):
        texts += [v for acts in step.argument.values() for v in acts.values()]
    found: set[str] = set()
    for text in texts:
        for item in text if isinstance(text, list) else [text]:
            if isinstance(item, str):
                found |= {m.group(2) for m in PLACEHOLDER.finditer(item)}
    return found


def parse_scenario(data: Any, origin: str = "scenario") -> Scenario:
    """Validate loaded YAML into a ``Scenario``; errors name the step and the problem."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{origin}: expected a mapping with `steps`")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(f"{origin}: `steps` must be a non-empty list")
    try:
        pace = float(data.get("pace", 1.5))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{origin}: pace: expected seconds between steps") from exc
    cast = _cast(origin, data.get("cast"))
    parsed = tuple(_step(i, raw) for i, raw in enumerate(steps, start=1))
    roles = {role for role, _ in cast}
    for step in parsed:
        unknown = sorted(_placeholders(step) - roles)
        if unknown:
            raise ScenarioError(f"step {step.number}: {{{unknown[0]}}} is not a role of the `cast`")
    return Scenario(
        name=str(data.get("name") or origin),
        description=str(data.get("description") or ""),
        channel=str(data.get("channel") or "incidents").lstrip("#"),
        pace=max(pace, 0.0),
        steps=parsed,
        cast=cast,
    )


def load_scenario(path: Path | str) -> Scenario:
    """Read a scenario file; a bare name such as ``gameday.yaml`` also finds the shipped scenarios."""
    candidate = Path(path)
    if not candidate.exists() and (SHIPPED / candidate.name).exists():
        candidate = SHIPPED / candidate.name
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from exc
    return parse_scenario(data, str(candidate.name))
