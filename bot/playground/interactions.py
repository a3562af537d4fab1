"""Turns what the page sends (raw form values) into Slack's element state, and checks required inputs."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from bot.emulator.payloads import default_value
from bot.playground.element_ids import iter_elements

JSON = dict[str, Any]
Raw = str | list[str] | None
RawValues = Mapping[str, Mapping[str, Raw]]

REQUIRED_MESSAGE = "Please complete this required field."

_TEXT_KINDS = frozenset({"plain_text_input", "number_input", "email_text_input", "url_text_input"})
_SINGLE_OPTION_KINDS = frozenset({"static_select", "external_select", "overflow", "radio_buttons"})
_MULTI_OPTION_KINDS = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
_SINGLE_ID_KEYS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}
_MULTI_ID_KEYS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}


def _options(element: Mapping[str, Any]) -> list[JSON]:
    options = [dict(o) for o in element.get("options", [])]
    for group in element.get("option_groups", []):
        options.extend(dict(o) for o in group.get("options", []))
    return options


def _as_list(raw: Raw) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw] if raw != "" else []
    return [str(v) for v in raw if str(v) != ""]


def _as_single(raw: Raw) -> str | None:
    values = _as_list(raw)
    return values[0] if values else None


def _pick(options: list[JSON], value: str | None) -> JSON | None:
    if value is None:
        return None
    for option in options:
        if str(option.get("value", "")) == value:
            return {k: copy.deepcopy(option[k]) for k in ("text", "value", "description") if k in option}
    return None


def selection(element: Mapping[str, Any], raw: Raw) -> JSON:
    """The element's state as Slack reports it, e.g. ``{"type": "users_select", "selected_user": "U1"}``."""
    kind = str(element.get("type", ""))
    state: JSON = {"type": kind}
    if kind in _TEXT_KINDS:
        single = raw if isinstance(raw, str) else _as_single(raw)
        state["value"] = single if single else None
    elif kind in _SINGLE_OPTION_KINDS:
        state["selected_option"] = _pick(_options(element), _as_single(raw))
    elif kind in _MULTI_OPTION_KINDS:
        options = _options(element)
        chosen = [_pick(options, value) for value in _as_list(raw)]
        state["selected_options"] = [c for c in chosen if c is not None]
    elif kind in _SINGLE_ID_KEYS:
        state[_SINGLE_ID_KEYS[kind]] = _as_single(raw)
    elif kind in _MULTI_ID_KEYS:
        state[_MULTI_ID_KEYS[kind]] = _as_list(raw)
    return state


def _state(element: Mapping[str, Any], block_id: str, action_id: str, raw_values: RawValues) -> JSON:
    given = raw_values.get(block_id, {})
    if action_id in given:
        return selection(element, given[action_id])
    return default_value(dict(element))  # untouched: Slack reports the initial value


def input_values(blocks: Sequence[Mapping[str, Any]], raw_values: RawValues) -> dict[str, dict[str, JSON]]:
    """``{block_id: {action_id: state}}`` for every input block, from the page's raw values or defaults."""
    values: dict[str, dict[str, JSON]] = {}
    for block, block_id, action_id, element in iter_elements(blocks):
        if block.get("type") == "input":
            values.setdefault(block_id, {})[action_id] = _state(element, block_id, action_id, raw_values)
    return values


def missing_required(blocks: Sequence[Mapping[str, Any]], raw_values: RawValues) -> dict[str, str]:
    """``{block_id: message}`` for required inputs left empty; Slack's client refuses to submit those."""
    errors: dict[str, str] = {}
    for block, block_id, action_id, element in iter_elements(blocks):
        if block.get("type") != "input" or block.get("optional"):
            continue
        state = _state(element, block_id, action_id, raw_values)
        if all(value in (None, [], "") for key, value in state.items() if key != "type"):
            errors[block_id] = REQUIRED_MESSAGE
    return errors
