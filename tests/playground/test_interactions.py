"""Raw form values from the page become Slack's element state; required inputs are checked like Slack's client."""

from __future__ import annotations

from typing import Any

import pytest

from bot.playground.interactions import REQUIRED_MESSAGE, input_values, missing_required, selection


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


OPTIONS = [option("Low", "low"), option("High", "high")]


@pytest.mark.parametrize(
    ("element", "raw", "expected"),
    [
        ({"type": "plain_text_input"}, "hello", {"value": "hello"}),
        ({"type": "plain_text_input"}, "", {"value": None}),
        ({"type": "number_input"}, "42", {"value": "42"}),
        ({"type": "static_select", "options": OPTIONS}, "high", {"selected_option": option("High", "high")}),
        ({"type": "static_select", "options": OPTIONS}, "", {"selected_option": None}),
        ({"type": "static_select", "options": OPTIONS}, "missing", {"selected_option": None}),
        (
            {"type": "static_select", "option_groups": [{"label": plain("G"), "options": OPTIONS}]},
            "low",
            {"selected_option": option("Low", "low")},
        ),
        ({"type": "radio_buttons", "options": OPTIONS}, ["low"], {"selected_option": option("Low", "low")}),
        ({"type": "checkboxes", "options": OPTIONS}, ["low", "high"], {"selected_options": OPTIONS}),
        ({"type": "checkboxes", "options": OPTIONS}, [], {"selected_options": []}),
        ({"type": "users_select"}, "U1", {"selected_user": "U1"}),
        ({"type": "users_select"}, "", {"selected_user": None}),
        ({"type": "multi_users_select"}, ["U1", "U2"], {"selected_users": ["U1", "U2"]}),
        ({"type": "conversations_select"}, "C1", {"selected_conversation": "C1"}),
        ({"type": "channels_select"}, "C1", {"selected_channel": "C1"}),
        ({"type": "datepicker"}, "2026-03-01", {"selected_date": "2026-03-01"}),
        ({"type": "timepicker"}, "09:30", {"selected_time": "09:30"}),
        ({"type": "overflow", "options": OPTIONS}, "low", {"selected_option": option("Low", "low")}),
    ],
)
def test_selection_matches_slack_state_shapes(
    element: dict[str, Any], raw: Any, expected: dict[str, Any]
) -> None:
    assert selection(element, raw) == {"type": element["type"], **expected}


BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "intro"}},
    {
        "type": "input",
        "block_id": "title",
        "label": plain("Title"),
        "element": {"type": "plain_text_input", "action_id": "t"},
    },
    {
        "type": "input",
        "block_id": "sev",
        "label": plain("Severity"),
        "element": {
            "type": "static_select",
            "action_id": "s",
            "options": OPTIONS,
            "initial_option": OPTIONS[1],
        },
    },
    {
        "type": "input",
        "block_id": "who",
        "label": plain("IC"),
        "optional": True,
        "element": {"type": "users_select", "action_id": "u"},
    },
    {
        "type": "input",
        "block_id": "checks",
        "label": plain("Checks"),
        "element": {"type": "checkboxes", "action_id": "c", "options": OPTIONS},
    },
    {
        "type": "actions",
        "block_id": "acts",
        "elements": [{"type": "button", "action_id": "b", "text": plain("x")}],
    },
]


def test_input_values_fill_every_input_and_keep_untouched_initial_values() -> None:
    values = input_values(BLOCKS, {"title": {"t": "Payments down"}, "checks": {"c": ["low"]}})
    assert values == {
        "title": {"t": {"type": "plain_text_input", "value": "Payments down"}},
        "sev": {"s": {"type": "static_select", "selected_option": OPTIONS[1]}},
        "who": {"u": {"type": "users_select", "selected_user": None}},
        "checks": {"c": {"type": "checkboxes", "selected_options": [OPTIONS[0]]}},
    }


def test_required_inputs_left_empty_are_reported_optional_ones_are_not() -> None:
    assert missing_required(BLOCKS, {}) == {"title": REQUIRED_MESSAGE, "checks": REQUIRED_MESSAGE}
    assert missing_required(BLOCKS, {"title": {"t": "x"}, "checks": {"c": ["high"]}}) == {}
    # clearing a select that had an initial option empties it
    assert "sev" in missing_required(
        BLOCKS, {"title": {"t": "x"}, "sev": {"s": ""}, "checks": {"c": ["low"]}}
    )
