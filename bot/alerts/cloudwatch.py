"""CloudWatch alarm notifications (the JSON in an SNS ``Message``) parsed into normalized alerts.

ALARM is firing and OK resolved; INSUFFICIENT_DATA is no alert at all (recorded in the queue, counted,
nothing routed). The Trigger's dimensions become labels, with the alarm's region, account, namespace
and metric beside them, so routing rules can match on them like on any other source's labels.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.alerts.model import FIRING, RESOLVED, Alert, AlertShapeError, Status

STATES: dict[str, Status | None] = {"ALARM": FIRING, "OK": RESOLVED, "INSUFFICIENT_DATA": None}
MAX_TEXT = 2000


def alarm(data: Any) -> list[Alert]:
    """The alert of one CloudWatch alarm state change (none for INSUFFICIENT_DATA)."""
    if not isinstance(data, dict):
        raise AlertShapeError("a CloudWatch alarm must be a JSON object")
    name = _text(data.get("AlarmName"))
    if not name:
        raise AlertShapeError("the CloudWatch alarm has no `AlarmName`")
    state = _text(data.get("NewStateValue"))
    if state not in STATES:
        raise AlertShapeError("`NewStateValue` must be ALARM, OK or INSUFFICIENT_DATA")
    status = STATES[state]
    if status is None:
        return []
    region, account = _region_and_account(data)
    trigger = data.get("Trigger")
    if not isinstance(trigger, dict):
        trigger = {}  # composite alarms have no metric
    labels = _dimensions(trigger)
    extra = {
        "region": region,
        "account": account,
        "namespace": _text(trigger.get("Namespace")),
        "metric": _text(trigger.get("MetricName")),
    }
    labels.update({key: value for key, value in extra.items() if value and key not in labels})
    changed = _time(data.get("StateChangeTime"))
    identity = _text(data.get("AlarmArn")) or f"{account}:{region}:{name}"
    return [
        Alert(
            source="cloudwatch",
            name=name,
            status=status,
            fingerprint=hashlib.sha256(identity.encode()).hexdigest()[:16],
            summary=_cut(_text(data.get("NewStateReason")) or _text(data.get("AlarmDescription"))),
            labels=labels,
            url=_console_url(region, name),
            starts_at=changed if status == FIRING else None,
            ends_at=changed if status == RESOLVED else None,
        )
    ]


def _region_and_account(data: dict[str, Any]) -> tuple[str, str]:
    """The region code and account from ``AlarmArn`` (``arn:aws:cloudwatch:eu-west-1:1234:alarm:x``);
    without one, the account field and the region's display name (``EU (Ireland)``)."""
    parts = _text(data.get("AlarmArn")).split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        return parts[3], parts[4]
    return _text(data.get("Region")), _text(data.get("AWSAccountId"))


def _dimensions(trigger: dict[str, Any]) -> dict[str, str]:
    """``[{"name": "ApiName", "value": "payments"}]`` (older alarms spell them ``Name``/``Value``)."""
    if not isinstance(trigger.get("Dimensions"), list):
        return {}
    labels: dict[str, str] = {}
    for item in trigger["Dimensions"]:
        if isinstance(item, dict):
            key = _text(item.get("name", item.get("Name")))
            if key:
                labels[key] = _text(item.get("value", item.get("Value")))
    return labels


def _console_url(region: str, name: str) -> str:
    if not region or " " in region:
        return ""
    host = "console.amazonaws.cn" if region.startswith("cn-") else "console.aws.amazon.com"
    return f"https://{host}/cloudwatch/home?region={region}#alarmsV2:alarm/{quote(name, safe='')}"


def _time(value: Any) -> datetime | None:
    """``2026-12-02T21:05:42.236+0000`` as CloudWatch writes it."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
