"""Builds the parts of Slack's interaction payloads from blocks: actions and `state.values`."""

from __future__ import annotations

from typing import Any

from bot.emulator.models import JSON

PLURAL = {
    "multi_static_select": "selected_options", "multi_external_select": "selected_options",
    "checkboxes": "selected_options", "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations", "multi_channels_select": "selected_channels",
}
SINGLE = {
    "static_select": "selected_option", "external_select": "selected_option", "overflow": "selected_option",
    "radio_buttons": "selected_option", "users_select": "selected_user",
    "conversations_select": "selected_conversation", "channels_select": "selected_channel",
    "datepicker": "selected_date", "timepicker": "selected_time", "datetimepicker": "selected_date_time",
}
INITIAL = {
    "selected_option": "initial_option", "selected_options": "initial_options",
    "selected_user": "initial_user", "selected_users": "initial_users",
    "selected_conversation": "initial_conversation", "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel", "selected_channels": "initial_channels",
    "selected_date": "initial_date", "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
}
OPTION_KEYS = {"selected_option", "selected_options"}


def block_id_of(block: JSON, index: int) -> str:
    """The block's id, or the stable id the emulator gives blocks without one."""
    return str(block.get("block_id") or f"emulated-block-{index}")


def elements_of(block: JSON) -> list[JSON]:
    """Interactive elements of a block (actions elements, section accessory, input element)."""
    if block.get("type") == "actions":
        return [e for e in block.get("elements", []) if isinstance(e, dict)]
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            return [block[key]]
    return []


def find_element(blocks: list[JSON], action_id: str, block_id: str | None = None) -> tuple[str, JSON]:
    """(block_id, element) of the element with `action_id`; LookupError when the user could not click it."""
    for index, block in enumerate(blocks):
        bid = block_id_of(block, index)
        if block_id is not None and bid != block_id:
            continue
        for element in elements_of(block):
            if element.get("action_id") == action_id:
                return bid, element
    where = f" in block {block_id!r}" if block_id else ""
    raise LookupError(f"no element with action_id {action_id!r}{where}")


def _all_options(element: JSON) -> list[JSON]:
    options = [o for o in element.get("options", []) if isinstance(o, dict)]
    for group in element.get("option_groups", []):
        options.extend(o for o in group.get("options", []) if isinstance(o, dict))
    return options


def _option(element: JSON, value: str) -> JSON:
    for option in _all_options(element):
        if option.get("value") == value:
            return {k: option[k] for k in ("text", "value", "description") if k in option}
    if element.get("type") in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": value}, "value": value}
    raise LookupError(f"{element.get('type')} {element.get('action_id')!r} has no option "
                      f"with value {value!r}")


def element_value(element: JSON, value: Any) -> JSON:
    """The state of an element after the user chose `value` (str, list of str, or a full state dict)."""
    kind = str(element.get("type"))
    if isinstance(value, dict):
        return {"type": kind, **value}
    if kind in PLURAL:
        key = PLURAL[kind]
        items = list(value) if isinstance(value, list | tuple) else [value]
        chosen = [_option(element, str(v)) for v in items] if key in OPTION_KEYS else [str(v) for v in items]
        return {"type": kind, key: chosen}
    if kind in SINGLE:
        key = SINGLE[kind]
        if key in OPTION_KEYS:
            return {"type": kind, key: _option(element, str(value))}
        return {"type": kind, key: value if key == "selected_date_time" else str(value)}
    if kind == "rich_text_input":
        return {"type": kind, "rich_text_value": value}
    return {"type": kind, "value": None if value is None else str(value)}


def default_value(element: JSON) -> JSON:
    """The state Slack reports for an element the user did not touch."""
    kind = str(element.get("type"))
    key = PLURAL.get(kind) or SINGLE.get(kind)
    if key is None:
        initial = element.get("initial_value")
        if kind == "rich_text_input":
            return {"type": kind, "rich_text_value": initial}
        return {"type": kind, "value": initial}
    initial = element.get(INITIAL.get(key, ""))
    if initial is None:
        return {"type": kind, key: [] if key in PLURAL.values() else None}
    return {"type": kind, key: initial}


def state_values(blocks: list[JSON], given: dict[str, dict[str, Any]] | None = None) -> JSON:
    """`view.state.values`: every input block's element, defaults where the user gave nothing."""
    given = {k: dict(v) for k, v in (given or {}).items()}
    values: dict[str, dict[str, JSON]] = {}
    for index, block in enumerate(blocks):
        bid = block_id_of(block, index)
        stateful = block.get("type") == "input" or bid in given
        if not stateful:
            continue
        for element in elements_of(block):
            action_id = str(element.get("action_id") or f"emulated-action-{index}")
            if bid in given and action_id in given[bid]:
                values.setdefault(bid, {})[action_id] = element_value(element, given[bid].pop(action_id))
            elif block.get("type") == "input":
                values.setdefault(bid, {})[action_id] = default_value(element)
        if bid in given and not given[bid]:
            del given[bid]
    if given:
        raise LookupError(f"values given for elements not in the view: {given}")
    return values


def action_payload(block_id: str, element: JSON, value: Any, action_ts: str) -> JSON:
    """One entry of `actions` in a block_actions payload."""
    action: JSON = {"action_id": element.get("action_id"), "block_id": block_id,
                    "type": element.get("type"), "action_ts": action_ts}
    if element.get("type") == "button":
        action["text"] = element.get("text")
        chosen = element.get("value") if value is None else value
        if chosen is not None:
            action["value"] = chosen
        if element.get("style"):
            action["style"] = element["style"]
        return action
    state = element_value(element, value)
    state.pop("type", None)
    action.update(state)
    if "placeholder" in element:
        action["placeholder"] = element["placeholder"]
    return action
