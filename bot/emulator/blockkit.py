"""Block Kit validation with Slack's documented limits, explained in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100

SELECTS = {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
MULTI_SELECTS = {f"multi_{s}" for s in SELECTS}
PICKERS = {"datepicker", "timepicker", "datetimepicker"}
CHOICES = {"checkboxes", "radio_buttons"}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input",
               "rich_text_input", "file_input"}
ACTIONS_ELEMENTS = {"button", "overflow", "workflow_button"} | SELECTS | MULTI_SELECTS | PICKERS | CHOICES
ACCESSORY_ELEMENTS = {"button", "overflow", "image", "workflow_button"} | SELECTS | MULTI_SELECTS \
    | PICKERS | CHOICES
INPUT_ELEMENTS = SELECTS | MULTI_SELECTS | PICKERS | CHOICES | TEXT_INPUTS
BLOCK_TYPES = {"section", "divider", "image", "actions", "context", "header", "input", "rich_text",
               "file", "video", "markdown"}


@dataclass(frozen=True)
class Problem:
    """One Block Kit violation: where (JSON pointer) and what, in words."""

    pointer: str
    message: str

    def slack_message(self) -> str:
        """The line Slack puts in `response_metadata.messages`."""
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"


def _n(value: int) -> str:
    return f"{value:,}"


class _Checker:
    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.problems: list[Problem] = []
        self.block_ids: set[str] = set()

    def fail(self, ptr: str, message: str) -> None:
        self.problems.append(Problem(ptr, message))

    def length(self, value: Any, ptr: str, what: str, limit: int, minimum: int = 0) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.fail(ptr, f"{what} must be a string, got {type(value).__name__}")
        elif len(value) > limit:
            self.fail(ptr, f"{what} is {_n(len(value))} characters; Slack's limit is {_n(limit)}")
        elif len(value) < minimum:
            self.fail(ptr, f"{what} must have at least {minimum} character(s)")

    def text(self, obj: Any, ptr: str, what: str, limit: int, plain_only: bool = False,
             required: bool = True, minimum: int = 1) -> None:
        if obj is None:
            if required:
                self.fail(ptr, f"{what} is required")
            return
        if not isinstance(obj, dict):
            self.fail(ptr, f"{what} must be a text object like {{'type': 'plain_text', 'text': ...}}")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.fail(f"{ptr}/type", f"{what} has type {kind!r}; expected 'plain_text' or 'mrkdwn'")
        elif plain_only and kind != "plain_text":
            self.fail(f"{ptr}/type", f"{what} must be plain_text, not mrkdwn")
        self.length(obj.get("text"), f"{ptr}/text", what, limit, minimum)
        if obj.get("text") is None:
            self.fail(f"{ptr}/text", f"{what} has no 'text'")

    def confirm(self, obj: Any, ptr: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.fail(ptr, "confirm must be an object")
            return
        self.text(obj.get("title"), f"{ptr}/title", "confirm title", 100, plain_only=True)
        self.text(obj.get("text"), f"{ptr}/text", "confirm text", 300)
        self.text(obj.get("confirm"), f"{ptr}/confirm", "confirm button text", 30, plain_only=True)
        self.text(obj.get("deny"), f"{ptr}/deny", "deny button text", 30, plain_only=True)

    def options(self, options: Any, ptr: str, owner: str, limit: int, plain_only: bool = True,
                minimum: int = 1) -> None:
        if not isinstance(options, list):
            self.fail(ptr, f"{owner} options must be a list")
            return
        if len(options) > limit:
            self.fail(ptr, f"{owner} has {len(options)} options; Slack's limit is {limit}")
        elif len(options) < minimum:
            self.fail(ptr, f"{owner} needs at least {minimum} option(s)")
        for i, option in enumerate(options):
            optr = f"{ptr}/{i}"
            if not isinstance(option, dict):
                self.fail(optr, "option must be an object")
                continue
            self.text(option.get("text"), f"{optr}/text", "option text", 75, plain_only=plain_only)
            self.length(option.get("value"), f"{optr}/value", "option value", 150)
            self.text(option.get("description"), f"{optr}/description", "option description", 75,
                      plain_only=plain_only, required=False)

    def element(self, el: Any, ptr: str, allowed: set[str], where: str, action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.fail(ptr, "element must be an object")
            return
        kind = el.get("type")
        if kind not in allowed:
            self.fail(f"{ptr}/type", f"element type {kind!r} is not allowed in {where}")
            return
        if kind == "image":
            self.image(el, ptr, "image element")
            return
        action_id = el.get("action_id")
        if action_id is not None:
            self.length(action_id, f"{ptr}/action_id", "action_id", 255, 1)
            if action_id in action_ids:
                self.fail(f"{ptr}/action_id", f"action_id {action_id!r} is used twice in the same block")
            action_ids.add(str(action_id))
        self.confirm(el.get("confirm"), f"{ptr}/confirm")
        if kind == "button":
            self.text(el.get("text"), f"{ptr}/text", "button text", 75, plain_only=True)
            self.length(el.get("value"), f"{ptr}/value", "button value", 2000)
            self.length(el.get("url"), f"{ptr}/url", "button url", 3000)
            if el.get("style") not in (None, "primary", "danger"):
                self.fail(f"{ptr}/style", f"button style {el.get('style')!r}; use 'primary' or 'danger'")
            return
        self.text(el.get("placeholder"), f"{ptr}/placeholder", "placeholder", 150, plain_only=True,
                  required=False)
        if kind == "overflow":
            self.options(el.get("options"), f"{ptr}/options", "overflow menu", 5)
        elif kind in ("static_select", "multi_static_select"):
            if "option_groups" in el:
                groups = el["option_groups"]
                if not isinstance(groups, list) or len(groups) > 100:
                    self.fail(f"{ptr}/option_groups", "option_groups must be a list of at most 100 groups")
                else:
                    for g, group in enumerate(groups):
                        gptr = f"{ptr}/option_groups/{g}"
                        self.text(group.get("label"), f"{gptr}/label", "option group label", 75, True)
                        self.options(group.get("options"), f"{gptr}/options", "option group", 100)
            elif "options" in el:
                self.options(el["options"], f"{ptr}/options", "select menu", 100)
            else:
                self.fail(ptr, "static select needs 'options' or 'option_groups'")
        elif kind in CHOICES:
            self.options(el.get("options"), f"{ptr}/options", kind, 10, plain_only=False)
        elif kind == "plain_text_input":
            self.length(el.get("initial_value"), f"{ptr}/initial_value", "initial_value", 3000)
            for key in ("min_length", "max_length"):
                if key in el and (not isinstance(el[key], int) or not 0 <= el[key] <= 3000):
                    self.fail(f"{ptr}/{key}", f"{key} must be an integer between 0 and 3,000")

    def image(self, obj: dict[str, Any], ptr: str, what: str) -> None:
        if not obj.get("image_url") and not obj.get("slack_file"):
            self.fail(ptr, f"{what} needs image_url or slack_file")
        self.length(obj.get("image_url"), f"{ptr}/image_url", "image_url", 3000)
        if obj.get("alt_text") is None:
            self.fail(f"{ptr}/alt_text", f"{what} needs alt_text")
        self.length(obj.get("alt_text"), f"{ptr}/alt_text", "alt_text", 2000)

    def blocks(self, blocks: Any, ptr: str, limit: int) -> None:
        if not isinstance(blocks, list):
            self.fail(ptr, "blocks must be a list")
            return
        if len(blocks) > limit:
            where = "a message" if self.surface == "message" else f"a {self.surface}"
            self.fail(ptr, f"{len(blocks)} blocks in {where}; Slack's limit is {limit}")
        for i, block in enumerate(blocks):
            self.block(block, f"{ptr}/{i}")

    def block(self, block: Any, ptr: str) -> None:
        if not isinstance(block, dict):
            self.fail(ptr, "block must be an object")
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"{ptr}/type", f"unknown block type {kind!r}")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(block_id, f"{ptr}/block_id", "block_id", 255, 1)
            if block_id in self.block_ids:
                self.fail(f"{ptr}/block_id", f"block_id {block_id!r} is used twice")
            self.block_ids.add(str(block_id))
        action_ids: set[str] = set()
        if kind == "section":
            if block.get("text") is None and not block.get("fields"):
                self.fail(ptr, "section needs text or fields")
            self.text(block.get("text"), f"{ptr}/text", "section text", 3000, required=False)
            fields = block.get("fields")
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    count = len(fields) if isinstance(fields, list) else 0
                    self.fail(f"{ptr}/fields", f"section has {count} fields; Slack's limit is 10")
                else:
                    for f, field in enumerate(fields):
                        self.text(field, f"{ptr}/fields/{f}", "section field", 2000)
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{ptr}/accessory", ACCESSORY_ELEMENTS,
                             "a section accessory", action_ids)
        elif kind == "header":
            self.text(block.get("text"), f"{ptr}/text", "header text", 150, plain_only=True)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail(f"{ptr}/elements", "actions block needs a non-empty elements list")
                return
            if len(elements) > 25:
                self.fail(f"{ptr}/elements",
                          f"actions block has {len(elements)} elements; Slack's limit is 25")
            for e, el in enumerate(elements):
                self.element(el, f"{ptr}/elements/{e}", ACTIONS_ELEMENTS, "an actions block", action_ids)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail(f"{ptr}/elements", "context block needs a non-empty elements list")
                return
            if len(elements) > 10:
                self.fail(f"{ptr}/elements",
                          f"context block has {len(elements)} elements; Slack's limit is 10")
            for e, el in enumerate(elements):
                eptr = f"{ptr}/elements/{e}"
                if isinstance(el, dict) and el.get("type") == "image":
                    self.image(el, eptr, "context image")
                else:
                    self.text(el, eptr, "context text", 3000)
        elif kind == "image":
            self.image(block, ptr, "image block")
            self.text(block.get("title"), f"{ptr}/title", "image title", 2000, True, required=False)
        elif kind == "input":
            if self.surface == "message":
                self.fail(f"{ptr}/type", "input blocks are only allowed in modals and the Home tab")
            self.text(block.get("label"), f"{ptr}/label", "input label", 2000, plain_only=True)
            self.text(block.get("hint"), f"{ptr}/hint", "input hint", 2000, True, required=False)
            if block.get("element") is None:
                self.fail(f"{ptr}/element", "input block needs an element")
            else:
                self.element(block["element"], f"{ptr}/element", INPUT_ELEMENTS, "an input block",
                             action_ids)
        elif kind == "markdown":
            self.length(block.get("text"), f"{ptr}/text", "markdown text", 12000, 1)
        elif kind == "rich_text" and not isinstance(block.get("elements"), list):
            self.fail(f"{ptr}/elements", "rich_text block needs an elements list")


def validate_message_blocks(blocks: Any) -> list[Problem]:
    """Problems with the blocks of a message (chat.postMessage, chat.update, ephemeral, response_url)."""
    checker = _Checker("message")
    checker.blocks(blocks, "/blocks", MESSAGE_MAX_BLOCKS)
    return checker.problems


def validate_view(view: Any, expected_type: str | None = None) -> list[Problem]:
    """Problems with a modal or Home tab view (views.open/update/push/publish, response_action)."""
    if not isinstance(view, dict):
        return [Problem("/view", "view must be an object")]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [Problem("/view/type", f"view type {kind!r}; expected 'modal' or 'home'")]
    if expected_type and kind != expected_type:
        return [Problem("/view/type", f"view type {kind!r} where {expected_type!r} is expected")]
    checker = _Checker(kind)
    blocks = view.get("blocks")
    if blocks is None:
        checker.fail("/view/blocks", "view needs blocks")
    else:
        checker.blocks(blocks, "/view/blocks", VIEW_MAX_BLOCKS)
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", "modal title", 24, plain_only=True)
        checker.text(view.get("submit"), "/view/submit", "modal submit", 24, True, required=False)
        checker.text(view.get("close"), "/view/close", "modal close", 24, True, required=False)
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            checker.fail("/view/submit", "a modal with input blocks needs a submit button")
    checker.length(view.get("private_metadata"), "/view/private_metadata", "private_metadata", 3000)
    checker.length(view.get("callback_id"), "/view/callback_id", "callback_id", 255)
    checker.length(view.get("external_id"), "/view/external_id", "external_id", 255)
    return checker.problems
