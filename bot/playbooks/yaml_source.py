"""Read a YAML playbook file keeping the line of every key, and turn pydantic errors into problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.playbooks.problems import Problem

PathKey = tuple[str | int, ...]
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDoc:
    """The data of one YAML file plus the line where each key path starts."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_for(self, path: Sequence[str | int]) -> int:
        """Line of ``path``, or of its nearest ancestor that exists in the file."""
        norm = tuple(p if isinstance(p, int) else str(p) for p in path)
        for end in range(len(norm), -1, -1):
            line = self.lines.get(norm[:end])
            if line is not None:
                return line
        return 1

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        return Problem(self.file, self.line_for(path), dotted(path), message)


def dotted(path: Sequence[str | int]) -> str:
    """``("levels", 0, "notify")`` -> ``levels[0].notify``; the empty path is ``-``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "-"


def read_yaml(path: Path, name: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse ``path``; on a syntax error return the problem with the line YAML reports."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, None, "-", f"cannot read file: {exc}")]
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None, [_syntax_problem(text, name)]
    doc = YamlDoc(name, data)
    problems: list[Problem] = []
    if node is not None:
        _index(node, (), doc, problems)
    return doc, problems


def _syntax_problem(text: str, name: str) -> Problem:
    """Describe a syntax error with the pure-Python parser, whose messages do not depend on libyaml."""
    try:
        yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = "; ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return Problem(name, line, "-", f"YAML syntax error: {what}")
    except yaml.YAMLError as exc:
        return Problem(name, 1, "-", f"YAML syntax error: {exc}")
    return Problem(name, 1, "-", "YAML syntax error")


def _index(node: yaml.Node, path: PathKey, doc: YamlDoc, problems: list[Problem]) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(Problem(doc.file, line, dotted(child), "duplicate key"))
                continue
            seen.add(key)
            doc.lines[child] = line
            _index(value_node, child, doc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), doc, problems)


def validation_problems(doc: YamlDoc, exc: ValidationError, prefix: PathKey = ()) -> list[Problem]:
    """One problem per pydantic error, located at the key it concerns."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = _data_path(doc.data, prefix, tuple(err["loc"]))
        kind = err["type"]
        message = _message(err)
        if kind in ("union_tag_not_found", "union_tag_invalid"):
            path = (*path, "kind")
        problems.append(doc.problem(path, message))
    return problems


def _data_path(data: Any, prefix: PathKey, loc: tuple[Any, ...]) -> PathKey:
    """Map a pydantic ``loc`` onto the real data path, dropping union tags and ``[key]`` markers."""
    path: list[str | int] = list(prefix)
    current: Any = data
    for part in prefix:
        current = _child(current, part)
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(current, Mapping) and part not in current and current.get("kind") == part:
            continue  # a discriminated-union tag such as "aws" in ("diagnosis", 0, "aws", "service")
        path.append(part)
        current = _child(current, part)
    return tuple(path)


def _child(current: Any, part: str | int) -> Any:
    if isinstance(current, Mapping):
        return current.get(part)
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return current[part]
    return None


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind in ("value_error", "assertion_error"):
        return str(err["ctx"]["error"])
    if kind == "union_tag_not_found":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown kind {ctx.get('tag')!r}; expected one of {expected}"
    msg = str(err["msg"])
    msg = msg.replace("Input should be", "expected").replace("Input", "value")
    return msg[:1].lower() + msg[1:]
