"""Each Block Kit rule: a violating payload is reported with the right place and words, a valid one is not."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator.blockkit import validate_message_blocks, validate_view


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def md(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def button(action_id: str = "go", text: str = "Go", value: str = "v", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), "value": value, **extra}


def option(text: str = "One", value: str = "1") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def select(options: list[dict[str, Any]], kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "action_id": "pick", "placeholder": plain("Pick"), "options": options}


def actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def confirm(title: str = "Sure?", text: str = "Really") -> dict[str, Any]:
    return {"title": plain(title), "text": md(text), "confirm": plain("Yes"), "deny": plain("No")}


def section(text: str = "hello") -> dict[str, Any]:
    return {"type": "section", "text": md(text)}


def input_block(block_id: str = "b") -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Label"),
        "element": {"type": "plain_text_input", "action_id": "a"},
    }


def one_problem(blocks: list[dict[str, Any]]) -> str:
    problems = validate_message_blocks(blocks)
    assert len(problems) == 1, problems
    return f"{problems[0].pointer} {problems[0].message}"


VALID_MESSAGE = [
    {"type": "header", "text": plain("Incident 42")},
    section("*SEV1* db down"),
    {"type": "section", "fields": [md(f"f{i}") for i in range(10)]},
    {
        "type": "section",
        "text": md("x" * 3000),
        "accessory": select([option(str(i), str(i)) for i in range(100)]),
    },
    actions(*[button(f"b{i}", "t" * 75, "v" * 2000) for i in range(25)], block_id="controls"),
    {"type": "context", "elements": [md(str(i)) for i in range(10)]},
    actions(
        button(confirm=confirm("t" * 100, "x" * 300)),
        {"type": "overflow", "action_id": "more", "options": [option(str(i)) for i in range(5)]},
    ),
    {"type": "divider"},
    {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "graph"},
    {"type": "rich_text", "elements": []},
]


def test_a_full_valid_message_passes() -> None:
    assert validate_message_blocks(VALID_MESSAGE) == []


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([{"type": "divider"}] * 51, "/blocks 51 blocks in a message; Slack's limit is 50"),
        (
            [section("x" * 3214)],
            "/blocks/0/text/text section text is 3,214 characters; Slack's limit is 3,000",
        ),
        (
            [{"type": "section", "fields": [md("f")] * 11}],
            "/blocks/0/fields section has 11 fields; Slack's limit is 10",
        ),
        (
            [{"type": "section", "fields": [md("f" * 2001)]}],
            "/blocks/0/fields/0/text section field is 2,001 characters; Slack's limit is 2,000",
        ),
        ([{"type": "section"}], "/blocks/0 section needs text or fields"),
        ([section("")], "/blocks/0/text/text section text must have at least 1 character(s)"),
        ([{"type": "header", "text": plain("h" * 151)}], "/blocks/0/text/text header text is 151 characters"),
        (
            [{"type": "header", "text": md("h")}],
            "/blocks/0/text/type header text must be plain_text, not mrkdwn",
        ),
        (
            [actions(*[button(f"b{i}") for i in range(26)])],
            "/blocks/0/elements actions block has 26 elements; Slack's limit is 25",
        ),
        (
            [{"type": "context", "elements": [md("c")] * 11}],
            "/blocks/0/elements context block has 11 elements; Slack's limit is 10",
        ),
        (
            [{"type": "section", "text": md("s"), "block_id": "b" * 256}],
            "/blocks/0/block_id block_id is 256 characters; Slack's limit is 255",
        ),
        ([actions(button("a" * 256))], "/blocks/0/elements/0/action_id action_id is 256 characters"),
        ([actions(button(text="t" * 76))], "/blocks/0/elements/0/text/text button text is 76 characters"),
        ([actions(button(value="v" * 2001))], "/blocks/0/elements/0/value button value is 2,001 characters"),
        (
            [actions({**button(), "text": md("Go")})],
            "/blocks/0/elements/0/text/type button text must be plain_text",
        ),
        ([actions(button(style="warning"))], "/blocks/0/elements/0/style button style 'warning'"),
        ([actions(select([option()] * 101))], "/blocks/0/elements/0/options select menu has 101 options"),
        ([actions(select([option("o" * 76)]))], "/blocks/0/elements/0/options/0/text/text option text is 76"),
        (
            [actions(select([option(value="v" * 151)]))],
            "/blocks/0/elements/0/options/0/value option value is 151",
        ),
        (
            [actions({"type": "overflow", "action_id": "o", "options": [option()] * 6})],
            "/blocks/0/elements/0/options overflow menu has 6 options; Slack's limit is 5",
        ),
        (
            [actions(button(confirm=confirm(title="t" * 101)))],
            "/blocks/0/elements/0/confirm/title/text confirm title is 101 characters; Slack's limit is 100",
        ),
        (
            [actions(button(confirm=confirm(text="t" * 301)))],
            "/blocks/0/elements/0/confirm/text/text confirm text is 301 characters; Slack's limit is 300",
        ),
        ([{"type": "carousel"}], "/blocks/0/type unknown block type 'carousel'"),
        (
            [section(), {**section(), "block_id": "x"}, {"type": "divider", "block_id": "x"}],
            "/blocks/2/block_id block_id 'x' is used twice",
        ),
        (
            [actions(button("same"), button("same"))],
            "/blocks/0/elements/1/action_id action_id 'same' is used twice",
        ),
        ([input_block()], "/blocks/0/type input blocks are only allowed in modals and the Home tab"),
        (
            [actions({"type": "plain_text_input", "action_id": "t"})],
            "/blocks/0/elements/0/type element type 'plain_text_input' is not allowed in an actions block",
        ),
        (
            [{"type": "image", "image_url": "https://example.com/a.png"}],
            "/blocks/0/alt_text image block needs alt_text",
        ),
        (
            [{"type": "context", "elements": [{"type": "emoji", "text": "x"}]}],
            "/blocks/0/elements/0/type context text has type 'emoji'",
        ),
    ],
)
def test_message_rule(blocks: list[dict[str, Any]], expected: str) -> None:
    assert one_problem(blocks).startswith(expected)


def test_same_action_id_in_different_blocks_is_allowed() -> None:
    assert validate_message_blocks([actions(button("ack")), actions(button("ack"))]) == []


def test_blocks_must_be_a_list() -> None:
    assert validate_message_blocks({"type": "divider"})[0].message == "blocks must be a list"


def modal(**extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain("Declare"),
        "submit": plain("Declare"),
        "blocks": [input_block()],
        **extra,
    }


def view_problem(view: dict[str, Any], expected_type: str | None = None) -> str:
    problems = validate_view(view, expected_type)
    assert len(problems) == 1, problems
    return f"{problems[0].pointer} {problems[0].message}"


def test_valid_modal_passes() -> None:
    view = modal(
        close=plain("c" * 24),
        private_metadata="m" * 3000,
        callback_id="c" * 255,
        blocks=[input_block(f"b{i}") for i in range(100)],
    )
    view["title"] = plain("t" * 24)
    assert validate_view(view, "modal") == []


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (modal(title=plain("t" * 25)), "/view/title/text modal title is 25 characters; Slack's limit is 24"),
        (modal(title=plain("")), "/view/title/text modal title must have at least 1 character(s)"),
        (modal(title=md("Declare")), "/view/title/type modal title must be plain_text"),
        ({"type": "modal", "blocks": []}, "/view/title modal title is required"),
        (modal(submit=plain("s" * 25)), "/view/submit/text modal submit is 25 characters"),
        (modal(close=plain("c" * 25)), "/view/close/text modal close is 25 characters"),
        (modal(private_metadata="m" * 3001), "/view/private_metadata private_metadata is 3,001 characters"),
        (modal(callback_id="c" * 256), "/view/callback_id callback_id is 256 characters"),
        (modal(blocks=[input_block(f"b{i}") for i in range(101)]), "/view/blocks 101 blocks in a modal"),
        (
            {"type": "modal", "title": plain("T"), "blocks": [input_block()]},
            "/view/submit a modal with input blocks needs a submit button",
        ),
        (modal(blocks=[input_block("same"), input_block("same")]), "/view/blocks/1/block_id block_id 'same'"),
        (
            modal(blocks=[{**input_block(), "label": md("L")}]),
            "/view/blocks/0/label/type input label must be",
        ),
        (
            modal(blocks=[{**input_block(), "element": button()}]),
            "/view/blocks/0/element/type element type 'button' is not allowed in an input block",
        ),
        ({"type": "dialog"}, "/view/type view type 'dialog'"),
    ],
)
def test_view_rule(view: dict[str, Any], expected: str) -> None:
    assert view_problem(view).startswith(expected)


def test_view_type_must_match_the_method() -> None:
    home = {"type": "home", "blocks": [section()]}
    assert validate_view(home, "home") == []
    assert view_problem(home, "modal").startswith("/view/type view type 'home' where 'modal' is expected")
