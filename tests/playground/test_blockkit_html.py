"""Block Kit to HTML: every supported block and element, data-attributes for actions, and escaping."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.playground.blockkit_html import (
    RenderContext,
    render_blocks,
)
from bot.playground.blockkit_views import render_message, render_modal
from bot.playground.element_ids import walk_elements
from tests.playground.html_check import collect, unsafe_markup

CTX = RenderContext(
    user_name={"U1": "alice", "U2": "bob"}.get,
    channel_name={"C1": "incidents"}.get,
    users=[("U1", "alice"), ("U2", "bob")],
    channels=[("C1", "incidents")],
)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def tags_with(fragment: str, attr: str, value: str) -> list[dict[str, str | None]]:
    return [attrs for _, attrs in collect(fragment).tags if attrs.get(attr) == value]


def test_header_divider_context_image() -> None:
    out = render_blocks(
        [
            {"type": "header", "text": plain(":rotating_light: SEV1 payments down")},
            {"type": "divider"},
            {
                "type": "context",
                "elements": [
                    md("Reported by <@U1>"),
                    {"type": "image", "image_url": "https://x/y.png", "alt_text": "a"},
                ],
            },
            {
                "type": "image",
                "image_url": "https://x/graph.png",
                "alt_text": "graph",
                "title": plain("Errors"),
            },
        ],
        CTX,
    )
    assert '<div class="bk-block bk-header" data-block-id="emulated-block-0"><span class="emoji"' in out
    assert "🚨</span> SEV1 payments down</div>" in out
    assert '<hr class="bk-divider" data-block-id="emulated-block-1">' in out
    assert "@alice" in out
    assert 'class="bk-context-image" src="https://x/y.png"' in out
    assert 'class="bk-image" src="https://x/graph.png" alt="graph"' in out
    assert "Errors" in out


def test_section_text_fields_and_button_accessory() -> None:
    block = {
        "type": "section",
        "block_id": "card",
        "text": md("*Status:* investigating"),
        "fields": [md("*Severity*\nSEV1"), md("*IC*\n<@U2>")],
        "accessory": {"type": "button", "action_id": "ack", "text": plain("Acknowledge"), "value": "INC-1"},
    }
    out = render_blocks([block], CTX)
    assert "<b>Status:</b> investigating" in out
    assert out.count('class="bk-field"') == 2
    assert "@bob" in out
    [button] = tags_with(out, "data-action-id", "ack")
    assert button["data-block-id"] == "card"
    assert button["data-kind"] == "button"
    assert button["data-value"] == "INC-1"


def test_section_select_overflow_and_image_accessories() -> None:
    select = {
        "type": "section",
        "block_id": "s",
        "text": md("Pick"),
        "accessory": {
            "type": "static_select",
            "action_id": "pick",
            "options": [option("One", "1"), option("Two", "2")],
            "initial_option": option("Two", "2"),
        },
    }
    overflow = {
        "type": "section",
        "block_id": "o",
        "text": md("More"),
        "accessory": {"type": "overflow", "action_id": "more", "options": [option("Archive", "arch")]},
    }
    image = {
        "type": "section",
        "text": md("pic"),
        "accessory": {"type": "image", "image_url": "https://x/p.png", "alt_text": "p"},
    }
    out = render_blocks([select, overflow, image], CTX)
    assert '<option value="2" selected>Two</option>' in out
    assert '<option value="1">One</option>' in out
    assert tags_with(out, "data-action-id", "more")[0]["data-kind"] == "overflow"
    assert '<option value="arch">Archive</option>' in out
    assert 'class="bk-accessory-image" src="https://x/p.png"' in out


def test_actions_buttons_styles_selects_dates_checkboxes() -> None:
    block = {
        "type": "actions",
        "block_id": "incident_actions",
        "elements": [
            {"type": "button", "action_id": "a1", "text": plain("Go"), "style": "primary", "value": "v"},
            {
                "type": "button",
                "action_id": "a2",
                "text": plain("Resolve"),
                "style": "danger",
                "confirm": {
                    "title": plain("Sure?"),
                    "text": md("Really"),
                    "confirm": plain("Yes"),
                    "deny": plain("No"),
                },
            },
            {"type": "users_select", "action_id": "a3", "initial_user": "U2", "placeholder": plain("Who")},
            {"type": "datepicker", "action_id": "a4", "initial_date": "2026-01-02"},
            {
                "type": "checkboxes",
                "action_id": "a5",
                "options": [option("Done", "d")],
                "initial_options": [option("Done", "d")],
            },
            {
                "type": "static_select",
                "action_id": "a6",
                "option_groups": [{"label": plain("G"), "options": [option("X", "x")]}],
            },
        ],
    }
    out = render_blocks([block], CTX)
    assert 'class="bk-button bk-button-primary bk-element"' in out
    assert 'class="bk-button bk-button-danger bk-element"' in out
    confirm = tags_with(out, "data-action-id", "a2")[0]["data-confirm"]
    assert confirm is not None and '"title": "Sure?"' in confirm
    assert '<option value="U2" selected>bob</option>' in out
    assert '<option value="U1">alice</option>' in out
    assert 'type="date"' in out and 'value="2026-01-02"' in out
    assert 'type="checkbox" name="incident_actions/a5" value="d" checked' in out
    assert '<optgroup label="G"><option value="x">X</option></optgroup>' in out
    for action_id in ("a1", "a2", "a3", "a4", "a5", "a6"):
        assert tags_with(out, "data-action-id", action_id)[0]["data-block-id"] == "incident_actions"


def test_missing_ids_get_stable_stand_ins_shared_with_walk_elements() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": md("x")},
        {
            "type": "actions",
            "elements": [{"type": "button", "text": plain("A")}, {"type": "button", "text": plain("B")}],
        },
    ]
    out = render_blocks(blocks, CTX)
    seen: list[tuple[str, str]] = []
    walk_elements(blocks, lambda block_id, action_id, _element: seen.append((block_id, action_id)))
    assert seen == [("emulated-block-1", "act-0"), ("emulated-block-1", "act-1")]
    for block_id, action_id in seen:
        assert tags_with(out, "data-action-id", action_id)[0]["data-block-id"] == block_id


def test_modal_inputs_of_every_kind() -> None:
    view = {
        "type": "modal",
        "id": "V1",
        "callback_id": "post_update",
        "title": plain("Post update"),
        "submit": plain("Post"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "summary",
                "label": plain("Summary"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "v",
                    "multiline": True,
                    "initial_value": "a <b>",
                },
            },
            {
                "type": "input",
                "block_id": "title",
                "label": plain("Title"),
                "hint": plain("Short"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "v",
                    "placeholder": plain("e.g. API down"),
                    "max_length": 150,
                },
            },
            {
                "type": "input",
                "block_id": "status",
                "label": plain("Status"),
                "element": {
                    "type": "static_select",
                    "action_id": "v",
                    "options": [option("Identified", "identified")],
                },
            },
            {
                "type": "input",
                "block_id": "ic",
                "label": plain("IC"),
                "optional": True,
                "element": {"type": "users_select", "action_id": "v"},
            },
            {
                "type": "input",
                "block_id": "people",
                "label": plain("People"),
                "element": {"type": "multi_users_select", "action_id": "v", "initial_users": ["U1"]},
            },
            {
                "type": "input",
                "block_id": "checks",
                "label": plain("Checks"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "v",
                    "options": [option("Comms sent", "comms")],
                },
            },
            {
                "type": "input",
                "block_id": "when",
                "label": plain("When"),
                "element": {"type": "datepicker", "action_id": "v"},
            },
            {
                "type": "input",
                "block_id": "impact",
                "label": plain("Impact"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "v",
                    "options": [option("High", "high"), option("Low", "low")],
                    "initial_option": option("Low", "low"),
                },
            },
        ],
    }
    out = render_modal(view, CTX)
    assert unsafe_markup(out) == []
    assert '<form class="modal" data-view-id="V1" data-callback-id="post_update">' in out
    assert '<span class="modal-title">Post update</span>' in out
    assert ">Post</button>" in out and ">Cancel</button>" in out
    assert 'rows="4">a &lt;b&gt;</textarea>' in out
    assert 'placeholder="e.g. API down" value="" maxlength="150"' in out
    assert "(optional)" in out
    assert 'data-block-id="ic" data-optional="true"' in out
    assert " multiple " in out and '<option value="U1" selected>alice</option>' in out
    assert 'type="radio" name="impact/v" value="low" checked' in out
    assert 'data-error-for="summary"' in out
    assert "Short" in out


def test_modal_without_inputs_has_no_submit_button() -> None:
    out = render_modal(
        {"type": "modal", "title": plain("Status"), "blocks": [{"type": "section", "text": md("hi")}]}, CTX
    )
    assert "modal-submit" not in out


def test_rich_text_basic() -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hello "},
                    {"type": "text", "text": "world", "style": {"bold": True}},
                    {"type": "user", "user_id": "U1"},
                    {"type": "emoji", "name": "fire", "unicode": "1f525"},
                    {"type": "link", "url": "https://x.y", "text": "x"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "item <1>"}]},
                ],
            },
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "code"}]},
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "q"}]},
        ],
    }
    out = render_blocks([block], CTX)
    assert "Hello <b>world</b>" in out
    assert "@alice" in out and "🔥" in out
    assert '<a href="https://x.y"' in out
    assert '<ul class="bk-rich-list"><li>item &lt;1&gt;</li></ul>' in out
    assert '<pre class="mrkdwn-pre">code</pre>' in out
    assert '<blockquote class="mrkdwn-quote">q</blockquote>' in out


def test_message_uses_text_without_blocks_and_renders_attachments() -> None:
    assert render_message({"text": "*hi*"}, CTX) == "<b>hi</b>"
    out = render_message(
        {
            "text": "fallback",
            "blocks": [{"type": "section", "text": md("real")}],
            "attachments": [
                {"color": "danger", "text": "att", "fields": [{"title": "T", "value": "V"}]},
                {"color": "red;background:url(x)", "text": "bad colour"},
            ],
        },
        CTX,
    )
    assert "fallback" not in out and "real" in out
    assert "border-left-color:#e01e5a" in out
    assert "url(" not in out
    assert unsafe_markup(out) == []


def test_unknown_blocks_and_elements_are_labelled() -> None:
    out = render_blocks(
        [{"type": "video"}, {"type": "actions", "elements": [{"type": "workflow_button"}]}], CTX
    )
    assert "Unsupported block: video" in out
    assert "[workflow_button]" in out


def test_hostile_values_are_escaped_everywhere() -> None:
    evil = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    blocks: list[dict[str, Any]] = [
        {"type": "header", "block_id": evil, "text": plain(evil)},
        {
            "type": "section",
            "text": md(evil),
            "fields": [plain(evil)],
            "accessory": {
                "type": "button",
                "action_id": evil,
                "value": evil,
                "url": "javascript:alert(1)",
                "text": plain(evil),
            },
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "s",
                    "options": [option(evil, evil)],
                    "placeholder": plain(evil),
                }
            ],
        },
        {"type": "image", "image_url": "javascript:alert(1)", "alt_text": evil},
        {"type": "context", "elements": [{"type": "image", "image_url": evil, "alt_text": evil}]},
        {
            "type": "input",
            "label": plain(evil),
            "element": {"type": "plain_text_input", "initial_value": evil, "placeholder": plain(evil)},
        },
    ]
    out = render_blocks(blocks, CTX)
    assert unsafe_markup(out) == []
    assert "<script>" not in out
    [button] = [attrs for tag, attrs in collect(out).tags if tag == "button"]
    assert button["data-value"] == evil
    assert "data-url" not in button
    modal = render_modal({"title": plain(evil), "callback_id": evil, "blocks": blocks}, CTX)
    assert unsafe_markup(modal) == []


texts = st.text(alphabet=st.sampled_from(list("<>\"'&=/ abscript:*_`@!#|")), max_size=40)


@given(texts, texts, texts)
def test_generated_blocks_render_safely(a: str, b: str, c: str) -> None:
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": a,
            "text": md(b),
            "accessory": {"type": "button", "text": plain(c), "value": a},
        },
        {"type": "context", "elements": [md(c), plain(a)]},
        {"type": "actions", "elements": [{"type": "overflow", "action_id": b, "options": [option(c, a)]}]},
    ]
    assert unsafe_markup(render_blocks(blocks, CTX)) == []
