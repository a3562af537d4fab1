"""Block Kit (messages and modals) to safe HTML; interactive elements carry their ids as data-attributes."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.emulator.payloads import block_id_of as emulated_block_id
from bot.playground.blockkit_rich import render_rich_element
from bot.playground.mrkdwn import MrkdwnRenderer, NameLookup, render_plain_text, safe_href

Json = Mapping[str, Any]

INPUT_KINDS = frozenset(
    {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "static_select",
        "external_select",
        "multi_static_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "channels_select",
        "multi_conversations_select",
        "multi_channels_select",
        "checkboxes",
        "radio_buttons",
        "datepicker",
        "timepicker",
    }
)


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs from the workspace: name lookups and the choices for user/channel selects."""

    user_name: NameLookup | None = None
    channel_name: NameLookup | None = None
    users: Sequence[tuple[str, str]] = ()
    channels: Sequence[tuple[str, str]] = ()

    @property
    def mrkdwn(self) -> MrkdwnRenderer:
        return MrkdwnRenderer(user_name=self.user_name, channel_name=self.channel_name)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def block_id_of(block: Json, index: int) -> str:
    """The block's id, or the same stand-in the emulator reports when the sender gave none."""
    return emulated_block_id(dict(block), index)


def action_id_of(element: Json, index: int) -> str:
    """The element's action id, or the stable stand-in used when the sender gave none."""
    given = element.get("action_id")
    return str(given) if given else f"act-{index}"


def render_text(obj: Json | str | None, ctx: RenderContext) -> str:
    """A text object (``plain_text`` or ``mrkdwn``) or a bare mrkdwn string."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return ctx.mrkdwn.render(obj)
    text = str(obj.get("text", ""))
    if obj.get("type") == "plain_text":
        return render_plain_text(text, emoji=bool(obj.get("emoji", True)))
    return ctx.mrkdwn.render(text)


def _option_label(option: Json, ctx: RenderContext) -> str:
    return render_text(option.get("text"), ctx)


def _option_plain(option: Json) -> str:
    text = option.get("text")
    return str(text.get("text", "")) if isinstance(text, Mapping) else str(text or "")


def _data(kind: str, block_id: str, action_id: str, **extra: str) -> str:
    attrs = [
        f'data-kind="{_e(kind)}"',
        f'data-block-id="{_e(block_id)}"',
        f'data-action-id="{_e(action_id)}"',
    ]
    attrs += [f'data-{name.replace("_", "-")}="{_e(value)}"' for name, value in extra.items()]
    return " ".join(attrs)


def _placeholder(element: Json, default: str) -> str:
    placeholder = element.get("placeholder")
    if isinstance(placeholder, Mapping):
        return str(placeholder.get("text", default))
    return default


def _select_options(element: Json) -> list[tuple[str | None, list[Json]]]:
    if "option_groups" in element:
        return [
            (_option_plain({"text": group.get("label")}), list(group.get("options", [])))
            for group in element.get("option_groups", [])
        ]
    return [(None, list(element.get("options", [])))]


def _select(element: Json, kind: str, block_id: str, action_id: str, ctx: RenderContext) -> str:
    multiple = kind.startswith("multi_")
    chosen: set[str] = set()
    choices: list[tuple[str | None, list[tuple[str, str]]]]
    if kind in ("users_select", "multi_users_select"):
        choices = [(None, list(ctx.users))]
        chosen = {str(element["initial_user"])} if element.get("initial_user") else set()
        chosen |= {str(u) for u in element.get("initial_users", [])}
    elif kind in (
        "conversations_select",
        "channels_select",
        "multi_conversations_select",
        "multi_channels_select",
    ):
        choices = [(None, list(ctx.channels))]
        for key in ("initial_conversation", "initial_channel"):
            if element.get(key):
                chosen.add(str(element[key]))
        for key in ("initial_conversations", "initial_channels"):
            chosen |= {str(c) for c in element.get(key, [])}
    else:
        choices = [
            (label, [(str(o.get("value", "")), _option_plain(o)) for o in options])
            for label, options in _select_options(element)
        ]
        initial = element.get("initial_option")
        if isinstance(initial, Mapping):
            chosen.add(str(initial.get("value", "")))
        chosen |= {str(o.get("value", "")) for o in element.get("initial_options", [])}
    parts = [
        f'<select class="bk-select bk-element" {_data(kind, block_id, action_id)}'
        f'{" multiple" if multiple else ""} aria-label="{_e(_placeholder(element, "Select"))}">'
    ]
    if not multiple:
        selected_none = " selected" if not chosen else ""
        parts.append(
            f'<option value="" disabled{selected_none}>{_e(_placeholder(element, "Select an item"))}</option>'
        )
    for group_label, options in choices:
        if group_label is not None:
            parts.append(f'<optgroup label="{_e(group_label)}">')
        for value, label in options:
            selected = " selected" if value in chosen else ""
            parts.append(f'<option value="{_e(value)}"{selected}>{_e(label)}</option>')
        if group_label is not None:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "".join(parts)


def _choices(element: Json, kind: str, block_id: str, action_id: str, ctx: RenderContext) -> str:
    input_type = "checkbox" if kind == "checkboxes" else "radio"
    chosen = {str(o.get("value", "")) for o in element.get("initial_options", [])}
    initial = element.get("initial_option")
    if isinstance(initial, Mapping):
        chosen.add(str(initial.get("value", "")))
    name = f"{block_id}/{action_id}"
    parts = [f'<div class="bk-{_e(kind)} bk-element" {_data(kind, block_id, action_id)}>']
    for option in element.get("options", []):
        value = str(option.get("value", ""))
        checked = " checked" if value in chosen else ""
        description = option.get("description")
        desc_html = (
            f'<div class="bk-option-desc">{render_text(description, ctx)}</div>' if description else ""
        )
        parts.append(
            f'<label class="bk-choice"><input type="{input_type}" name="{_e(name)}"'
            f' value="{_e(value)}"{checked}>'
            f'<span class="bk-choice-label">{_option_label(option, ctx)}{desc_html}</span></label>'
        )
    parts.append("</div>")
    return "".join(parts)


def _text_input(element: Json, kind: str, block_id: str, action_id: str) -> str:
    data = _data(kind, block_id, action_id)
    placeholder = _e(_placeholder(element, ""))
    value = _e(element.get("initial_value", ""))
    limits = ""
    if element.get("max_length"):
        limits += f' maxlength="{_e(element["max_length"])}"'
    if element.get("min_length"):
        limits += f' minlength="{_e(element["min_length"])}"'
    if kind == "plain_text_input" and element.get("multiline"):
        return (
            f'<textarea class="bk-textarea bk-element" {data} placeholder="{placeholder}"{limits}'
            f' rows="4">{value}</textarea>'
        )
    input_type = {"number_input": "number", "email_text_input": "email", "url_text_input": "url"}.get(
        kind, "text"
    )
    step = ' step="any"' if kind == "number_input" and element.get("is_decimal_allowed") else ""
    return (
        f'<input type="{input_type}" class="bk-text-input bk-element" {data} placeholder="{placeholder}"'
        f' value="{value}"{limits}{step}>'
    )


def _button(element: Json, block_id: str, action_id: str, ctx: RenderContext) -> str:
    style = element.get("style")
    css = "bk-button" + (f" bk-button-{_e(style)}" if style in ("primary", "danger") else "")
    extra: dict[str, str] = {}
    if "value" in element:
        extra["value"] = str(element["value"])
    url = element.get("url")
    if isinstance(url, str) and safe_href(url):
        extra["url"] = url
    confirm = element.get("confirm")
    if isinstance(confirm, Mapping):
        extra["confirm"] = json.dumps(
            {
                "title": _option_plain({"text": confirm.get("title")}),
                "text": _option_plain({"text": confirm.get("text")}),
                "confirm": _option_plain({"text": confirm.get("confirm")}) or "Confirm",
                "deny": _option_plain({"text": confirm.get("deny")}) or "Cancel",
            }
        )
    return (
        f'<button type="button" class="{css} bk-element" {_data("button", block_id, action_id, **extra)}>'
        f"{render_text(element.get('text'), ctx)}</button>"
    )


def _image_element(element: Json, css: str) -> str:
    src = safe_href(str(element.get("image_url", "")))
    alt = _e(element.get("alt_text", ""))
    if src is None:
        return f'<span class="{css} bk-image-missing" title="{alt}">🖼</span>'
    return f'<img class="{css}" src="{src}" alt="{alt}" loading="lazy">'


def render_element(element: Json, block_id: str, index: int, ctx: RenderContext) -> str:
    """One interactive (or image) element; its data-attributes say how to report it back."""
    kind = str(element.get("type", ""))
    action_id = action_id_of(element, index)
    if kind == "button":
        return _button(element, block_id, action_id, ctx)
    if kind == "image":
        return _image_element(element, "bk-accessory-image")
    if kind == "overflow":
        options = [(str(o.get("value", "")), _option_plain(o)) for o in element.get("options", [])]
        items = "".join(f'<option value="{_e(v)}">{_e(label)}</option>' for v, label in options)
        return (
            f'<select class="bk-overflow bk-element" {_data(kind, block_id, action_id)}'
            ' aria-label="More actions">'
            f'<option value="" selected disabled>⋯</option>{items}</select>'
        )
    if kind in ("checkboxes", "radio_buttons"):
        return _choices(element, kind, block_id, action_id, ctx)
    if kind in ("datepicker", "timepicker"):
        input_type = "date" if kind == "datepicker" else "time"
        initial = element.get("initial_date" if kind == "datepicker" else "initial_time", "")
        return (
            f'<input type="{input_type}" class="bk-date bk-element" {_data(kind, block_id, action_id)}'
            f' value="{_e(initial)}">'
        )
    if kind.endswith("select"):
        return _select(element, kind, block_id, action_id, ctx)
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        return _text_input(element, kind, block_id, action_id)
    return f'<span class="bk-unsupported">[{_e(kind or "element")}]</span>'


def _section(block: Json, block_id: str, ctx: RenderContext) -> str:
    body = ""
    if block.get("text"):
        body += f'<div class="bk-text">{render_text(block.get("text"), ctx)}</div>'
    fields = block.get("fields") or []
    if fields:
        body += '<div class="bk-fields">'
        body += "".join(f'<div class="bk-field">{render_text(field, ctx)}</div>' for field in fields)
        body += "</div>"
    accessory = block.get("accessory")
    accessory_html = ""
    if isinstance(accessory, Mapping):
        accessory_html = f'<div class="bk-accessory">{render_element(accessory, block_id, 0, ctx)}</div>'
    return f'<div class="bk-section-body">{body}</div>{accessory_html}'


def _context(block: Json, ctx: RenderContext) -> str:
    parts = []
    for element in block.get("elements", []):
        if element.get("type") == "image":
            parts.append(_image_element(element, "bk-context-image"))
        else:
            parts.append(f'<span class="bk-context-text">{render_text(element, ctx)}</span>')
    return "".join(parts)


def _input(block: Json, block_id: str, ctx: RenderContext) -> str:
    element = block.get("element") or {}
    label = render_text(block.get("label"), ctx)
    optional = ' <span class="bk-optional">(optional)</span>' if block.get("optional") else ""
    hint = block.get("hint")
    hint_html = f'<div class="bk-hint">{render_text(hint, ctx)}</div>' if hint else ""
    return (
        f'<label class="bk-label">{label}{optional}</label>'
        f"{render_element(element, block_id, 0, ctx)}{hint_html}"
        f'<div class="bk-error" data-error-for="{_e(block_id)}" hidden></div>'
    )


def render_block(block: Json, index: int, ctx: RenderContext) -> str:
    """One block as a ``div`` tagged with its type and block id."""
    kind = str(block.get("type", ""))
    block_id = block_id_of(block, index)
    if kind == "header":
        inner = render_text(block.get("text"), ctx)
    elif kind == "section":
        inner = _section(block, block_id, ctx)
    elif kind == "context":
        inner = _context(block, ctx)
    elif kind == "divider":
        return f'<hr class="bk-divider" data-block-id="{_e(block_id)}">'
    elif kind == "actions":
        inner = "".join(
            render_element(element, block_id, i, ctx) for i, element in enumerate(block.get("elements", []))
        )
    elif kind == "image":
        title = block.get("title")
        title_html = f'<div class="bk-image-title">{render_text(title, ctx)}</div>' if title else ""
        inner = title_html + _image_element(block, "bk-image")
    elif kind == "input":
        inner = _input(block, block_id, ctx)
    elif kind == "rich_text":
        inner = "".join(
            f"<div>{render_rich_element(el, ctx.mrkdwn)}</div>" for el in block.get("elements", [])
        )
    else:
        inner = f'<span class="bk-unsupported">Unsupported block: {_e(kind or "?")}</span>'
    optional = ' data-optional="true"' if kind == "input" and block.get("optional") else ""
    return f'<div class="bk-block bk-{_e(kind)}" data-block-id="{_e(block_id)}"{optional}>{inner}</div>'


def render_blocks(blocks: Sequence[Json], ctx: RenderContext) -> str:
    """A list of blocks, in order."""
    return "".join(
        render_block(block, i, ctx) for i, block in enumerate(blocks) if isinstance(block, Mapping)
    )


_NAMED_COLORS = {"good": "#2eb67d", "warning": "#ecb22e", "danger": "#e01e5a"}
_HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def _attachment_color(color: str) -> str:
    if color in _NAMED_COLORS:
        return _NAMED_COLORS[color]
    match = _HEX_COLOR.fullmatch(color)
    return f"#{match.group(1)}" if match else "#dddddd"


def _attachment(attachment: Json, ctx: RenderContext) -> str:
    safe_color = _attachment_color(str(attachment.get("color", "")))
    parts: list[str] = []
    if attachment.get("title"):
        parts.append(f'<div class="bk-att-title">{_e(attachment["title"])}</div>')
    if attachment.get("text"):
        parts.append(f'<div class="bk-text">{ctx.mrkdwn.render(str(attachment["text"]))}</div>')
    fields = attachment.get("fields") or []
    if fields:
        parts.append('<div class="bk-fields">')
        for field in fields:
            parts.append(
                f'<div class="bk-field"><b>{_e(field.get("title", ""))}</b><br>'
                f"{ctx.mrkdwn.render(str(field.get('value', '')))}</div>"
            )
        parts.append("</div>")
    if attachment.get("blocks"):
        parts.append(render_blocks(attachment["blocks"], ctx))
    return f'<div class="bk-attachment" style="border-left-color:{_e(safe_color)}">{"".join(parts)}</div>'


def render_message(message: Json, ctx: RenderContext) -> str:
    """A message body: its blocks if any (Slack shows those instead of ``text``), plus attachments."""
    blocks = message.get("blocks") or []
    body = render_blocks(blocks, ctx) if blocks else ctx.mrkdwn.render(str(message.get("text", "")))
    attachments = message.get("attachments") or []
    body += "".join(_attachment(a, ctx) for a in attachments if isinstance(a, Mapping))
    return body


def _plain(obj: Any, default: str) -> str:
    if isinstance(obj, Mapping):
        return str(obj.get("text", default))
    return default


def render_modal(view: Json, ctx: RenderContext) -> str:
    """A modal view: title bar, the blocks as a form, close/submit buttons tagged for the page's script."""
    title = _e(_plain(view.get("title"), "App"))
    close = _e(_plain(view.get("close"), "Cancel"))
    has_inputs = any(isinstance(b, Mapping) and b.get("type") == "input" for b in view.get("blocks", []))
    submit_text = _plain(view.get("submit"), "Submit" if has_inputs else "")
    submit = (
        f'<button type="submit" class="bk-button bk-button-primary modal-submit">{_e(submit_text)}</button>'
        if submit_text
        else ""
    )
    view_id = _e(view.get("id", ""))
    return (
        f'<form class="modal" data-view-id="{view_id}" data-callback-id="{_e(view.get("callback_id", ""))}">'
        f'<div class="modal-header"><span class="modal-title">{title}</span>'
        f'<button type="button" class="modal-x" aria-label="Close">×</button></div>'
        f'<div class="modal-body">{render_blocks(view.get("blocks", []), ctx)}</div>'
        f'<div class="modal-footer"><button type="button" class="bk-button modal-close">{close}</button>'
        f"{submit}</div>"
        f"</form>"
    )


ElementVisitor = Callable[[str, str, Json], None]


def iter_elements(blocks: Sequence[Json]) -> Iterator[tuple[Json, str, str, Json]]:
    """``(block, block_id, action_id, element)`` for every element, with the rendering's stand-in ids."""
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        block_id = block_id_of(block, index)
        kind = block.get("type")
        if kind == "actions":
            for i, element in enumerate(block.get("elements", [])):
                yield block, block_id, action_id_of(element, i), element
        elif kind == "section" and isinstance(block.get("accessory"), Mapping):
            yield block, block_id, action_id_of(block["accessory"], 0), block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), Mapping):
            yield block, block_id, action_id_of(block["element"], 0), block["element"]


def walk_elements(blocks: Sequence[Json], visit: ElementVisitor) -> None:
    """Call ``visit(block_id, action_id, element)`` for every element, using the rendering's stand-in ids."""
    for _block, block_id, action_id, element in iter_elements(blocks):
        visit(block_id, action_id, element)
