"""Alert routing rules (alerts.yaml): the first rule whose source, name glob and label globs match decides."""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

ANY_SOURCE = "any"
DEFAULT_TITLE = "{alert}: {summary}"


class AlertAction(StrEnum):
    DECLARE = "declare"
    PAGE = "page"
    NOTIFY = "notify"
    IGNORE = "ignore"


def glob_matches(pattern: str, value: str) -> bool:
    """Shell-style glob (``*``, ``?``, ``[abc]``), case-insensitive."""
    return fnmatch.fnmatchcase(value.casefold(), pattern.casefold())


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def template_fields(template: str) -> list[str]:
    """The ``{names}`` a title template uses."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


@dataclass(frozen=True)
class AlertRule:
    """One rule: what it matches and what it does. The ``default`` rule matches everything."""

    name: str
    action: AlertAction = AlertAction.NOTIFY
    source: str = ANY_SOURCE
    alert: str = "*"
    labels: Mapping[str, str] = field(default_factory=dict)
    severity: str | None = None
    from_label: str | None = None
    severity_map: Mapping[str, str] = field(default_factory=dict)
    title: str = DEFAULT_TITLE
    runbook: str | None = None
    escalation: str | None = None
    group_by: tuple[str, ...] = ()
    group_window: timedelta | None = None

    def matches(self, source: str, name: str, labels: Mapping[str, str]) -> bool:
        if self.source != ANY_SOURCE and self.source != source:
            return False
        if not glob_matches(self.alert, name):
            return False
        return all(key in labels and glob_matches(pattern, labels[key]) for key, pattern in self.labels.items())

    def severity_for(self, labels: Mapping[str, str], known: Callable[[str], str | None]) -> str | None:
        """The severity id: the label through ``severity_map`` (or a label naming a severity), else ``severity``.

        ``known`` turns a word (id or alias) into a severity id, or None.
        """
        if self.from_label:
            value = labels.get(self.from_label, "")
            mapped = next((sev for key, sev in self.severity_map.items() if key.casefold() == value.casefold()), None)
            found = known(mapped) if mapped else (known(value) if value else None)
            if found:
                return found
        return known(self.severity) if self.severity else None

    def title_for(self, alert: str, summary: str, source: str, labels: Mapping[str, str]) -> str:
        values = _Blank({**labels, "alert": alert, "summary": summary, "source": source})
        try:
            title = self.title.format_map(values)
        except (ValueError, IndexError, AttributeError, KeyError):
            title = f"{alert}: {summary}"
        title = " ".join(title.split()).strip(" :-")
        return title or alert

    def group_key(self, labels: Mapping[str, str]) -> str | None:
        """Alerts with the same key join one open incident; None when the rule does not group."""
        if not self.group_by:
            return None
        values = ",".join(f"{key}={labels.get(key, '')}" for key in self.group_by)
        return f"{self.name}|{values}"[:255]


@dataclass(frozen=True)
class AlertRules:
    """The rules of alerts.yaml in order, and the rule for everything else (notify, by default)."""

    rules: tuple[AlertRule, ...] = ()
    default: AlertRule = field(default_factory=lambda: AlertRule(name="default"))

    def route(self, source: str, name: str, labels: Mapping[str, str]) -> AlertRule:
        return next((r for r in self.rules if r.matches(source, name, labels)), self.default)
