"""Payload parsers, one per source: JSON as each sends it in, normalized ``Alert``s out (or a short reason)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.alerts.cloudwatch import alarm as cloudwatch_alarm
from bot.alerts.model import FIRING, RESOLVED, Alert, AlertShapeError, Status

Parser = Callable[[Any], list[Alert]]
MAX_TEXT = 2000
# Datadog titles start with the transition: "[Triggered on {host:a}] Payments error rate".
_DATADOG_PREFIX = re.compile(r"^\s*\[[^\]]*\]\s*")
_RECOVERED = {"recovered", "resolved", "ok", "success"}


def decode(raw: bytes) -> Any:
    """The JSON document of a body; ``AlertShapeError`` when it is not JSON."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise AlertShapeError("the body is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise AlertShapeError(f"the body is not JSON ({error.msg} at line {error.lineno})") from None


def parse(source: str, raw: bytes) -> list[Alert]:
    """Every alert in a body of ``source``; ``AlertShapeError`` for bad JSON or a wrong shape."""
    parser = PARSERS.get(source)
    if parser is None:
        raise AlertShapeError(f"unknown alert source {source!r}")
    return parser(decode(raw))


# -- Alertmanager webhook, payload version 4 ---------------------------------------------------------
def alertmanager(data: Any) -> list[Alert]:
    body = _object(data, "the body")
    version = body.get("version")
    if version is not None and str(version) != "4":
        raise AlertShapeError(f"Alertmanager payload version {version} is not supported (expected 4)")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise AlertShapeError("an Alertmanager payload needs an `alerts` list")
    common = _strings(body.get("commonLabels"), "commonLabels")
    common_notes = _strings(body.get("commonAnnotations"), "commonAnnotations")
    parsed = []
    for n, item in enumerate(alerts):
        what = f"alerts[{n}]"
        alert = _object(item, what)
        labels = {**common, **_strings(alert.get("labels"), f"{what}.labels")}
        notes = {**common_notes, **_strings(alert.get("annotations"), f"{what}.annotations")}
        name = labels.get("alertname", "")
        if not name:
            raise AlertShapeError(f"{what} has no `alertname` label")
        status = _status(alert.get("status", body.get("status")), what)
        fingerprint = str(alert.get("fingerprint") or "") or _digest(sorted(labels.items()))
        parsed.append(
            Alert(
                source="alertmanager",
                name=name,
                status=status,
                fingerprint=fingerprint,
                summary=_cut(notes.get("summary") or notes.get("description") or ""),
                severity=labels.get("severity") or None,
                labels=labels,
                url=str(alert.get("generatorURL") or body.get("externalURL") or ""),
                starts_at=_time(alert.get("startsAt")),
                ends_at=_time(alert.get("endsAt")),
            )
        )
    return parsed


# -- Datadog webhook with the default payload variables -----------------------------------------------
def datadog(data: Any) -> list[Alert]:
    body = _object(data, "the body")
    title = _text(body.get("title"))
    if not title:
        raise AlertShapeError("a Datadog payload needs `title` ($ALERT_TITLE)")
    transition = _text(body.get("transition"))
    if not transition:
        raise AlertShapeError("a Datadog payload needs `transition` ($ALERT_TRANSITION)")
    name = _DATADOG_PREFIX.sub("", title) or title
    labels = _tags(body.get("tags"))
    priority = _text(body.get("priority"))
    if priority:
        labels.setdefault("priority", priority)
    fingerprint = _text(body.get("aggreg_key")) or _text(body.get("alert_id")) or _digest([name])
    status: Status = RESOLVED if transition.lower() in _RECOVERED else FIRING
    return [
        Alert(
            source="datadog",
            name=name,
            status=status,
            fingerprint=fingerprint,
            summary=_cut(_text(body.get("body")) or name),
            severity=labels.get("severity") or None,
            labels=labels,
            url=_text(body.get("link")),
            starts_at=_epoch(body.get("date")),
        )
    ]


# -- the generic shape ------------------------------------------------------------------------------
def generic(data: Any) -> list[Alert]:
    body = _object(data, "the body")
    name = _text(body.get("name"))
    if not name:
        raise AlertShapeError("`name` is required")
    fingerprint = _text(body.get("fingerprint"))
    if not fingerprint:
        raise AlertShapeError("`fingerprint` is required")
    if body.get("status") not in (FIRING, RESOLVED):
        raise AlertShapeError('`status` must be "firing" or "resolved"')
    severity = body.get("severity")
    if severity is not None and not isinstance(severity, str):
        raise AlertShapeError("`severity` must be a string")
    url = body.get("url")
    if url is not None and not isinstance(url, str):
        raise AlertShapeError("`url` must be a string")
    return [
        Alert(
            source="generic",
            name=name,
            status=body["status"],
            fingerprint=fingerprint,
            summary=_cut(_text(body.get("summary"))),
            severity=severity or None,
            labels=_strings(body.get("labels"), "labels"),
            url=url or "",
        )
    ]


PARSERS: dict[str, Parser] = {
    "alertmanager": alertmanager,
    "datadog": datadog,
    "generic": generic,
    "cloudwatch": cloudwatch_alarm,  # the JSON in an SNS Message; POST /alerts/cloudwatch verifies it first
}


# -- helpers ---------------------------------------------------------------------------------------
def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AlertShapeError(f"{what} must be a JSON object")
    return value


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertShapeError(f"`{what}` must be an object of strings")
    out = {}
    for key, item in value.items():
        if isinstance(item, dict | list):
            raise AlertShapeError(f"`{what}.{key}` must be a string")
        out[str(key)] = "" if item is None else str(item)
    return out


def _status(value: Any, what: str) -> Status:
    if value == FIRING:
        return FIRING
    if value == RESOLVED:
        return RESOLVED
    raise AlertShapeError(f'{what}: `status` must be "firing" or "resolved"')


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _tags(value: Any) -> dict[str, str]:
    """Datadog's ``$TAGS``: ``"env:prod,service:payments"`` (or a list); a tag without a colon has ""."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    labels: dict[str, str] = {}
    for item in items:
        tag = str(item).strip()
        if tag:
            key, _, val = tag.partition(":")
            labels.setdefault(key.strip(), val.strip())
    return labels


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None  # Alertmanager sends 0001-01-01T00:00:00Z for "not ended"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _epoch(value: Any) -> datetime | None:
    try:
        seconds = float(value) / (1000 if float(value) > 1e11 else 1)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
