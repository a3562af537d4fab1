"""Reading Slack payloads: who clicked where, button values, private_metadata and submitted form values."""

from __future__ import annotations

import json
from typing import Any


def user_of(body: dict[str, Any]) -> str:
    """The id of the person who clicked or submitted."""
    return str((body.get("user") or {}).get("id", ""))


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel a click came from, when it came from one."""
    channel = (body.get("channel") or {}).get("id")
    return str(channel) if channel else None


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def incident_id_from(value: object) -> int | None:
    """Button values and metadata carry the incident's numeric id; anything else is refused."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def split_value(value: object) -> tuple[int, str] | None:
    """``"<number>:<id>"`` from a button value; anything else is refused."""
    number, sep, rest = str(value or "").partition(":")
    parsed = incident_id_from(number)
    if not sep or parsed is None or not rest:
        return None
    return parsed, rest


def state_value(values: dict[str, Any], block_id: str, action_id: str) -> Any:
    """The submitted value of one input, whatever its element type."""
    element = (values.get(block_id) or {}).get(action_id) or {}
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    if kind in ("users_select",):
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    return element.get("value")
