"""Pydantic models of alerts.yaml: routing rules (first match wins) and the default for every other alert."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, model_validator

from bot.domain.alert_rules import DEFAULT_TITLE
from bot.playbooks.schema import Duration, Identifier, StrictModel, Text

SourceName = Literal["alertmanager", "datadog", "cloudwatch", "generic", "any"]
ActionName = Literal["declare", "page", "notify", "ignore"]


def _label_name(value: str) -> str:
    if not value.strip():
        raise ValueError("a label name must not be empty")
    return value.strip()


LabelName = Annotated[str, AfterValidator(_label_name)]


class MatchSpec(StrictModel):
    source: SourceName = "any"
    alert: Text = "*"
    labels: dict[LabelName, str] = {}


class ActionSpec(StrictModel):
    """What a rule (or the default) does with the alerts it matches."""

    action: ActionName = "notify"
    severity: Text | None = None
    from_label: LabelName | None = None
    severity_map: dict[str, Text] = {}
    title: Text = DEFAULT_TITLE
    runbook: Text | None = None
    escalation: Text | None = None
    group_by: list[LabelName] = []
    group_window: Duration | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ActionSpec:
        if self.severity_map and not self.from_label:
            raise ValueError("severity_map needs from_label: the label whose values it maps")
        if self.group_window is not None and not self.group_by:
            raise ValueError("group_window needs group_by: the labels alerts are grouped by")
        return self


class RuleSpec(ActionSpec):
    name: Identifier
    match: MatchSpec = MatchSpec()


class AlertsFile(StrictModel):
    rules: list[RuleSpec] = []
    default: ActionSpec = ActionSpec()
