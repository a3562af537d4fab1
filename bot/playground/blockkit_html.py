"""Block Kit (messages and modals) to safe HTML; interactive elements carry their ids as data-attributes.

Over 300 lines because it is one small renderer per Block Kit element and block type, sharing escaping and
the data-attributes the page's script reads.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.playground.blockkit_rich import render_rich_element
from bot.playground.element_ids import action_id_of, block_id_of
from bot.playground.mrkdwn import MrkdwnRenderer, NameLookup, render_plain_text, safe_href

Json = Mapping[str, Any]


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


def esc(value: object) -> str:
    """HTML-escape any value, quotes included (for text and attributes)."""
    return html.escape(str(value), quote=True)


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
        f'data-kind="{esc(kind)}"',
        f'data-block-id="{esc(block_id)}"',
        f'data-action-id="{esc(action_id)}"',
    ]
    attrs += [f'data-{name.replace("_", "-")}="{esc(value)}"' for name, value in extra.items()]
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
        f'{" multiple" if multiple else ""} aria-label="{esc(_placeholder(element, "Select"))}">'
    ]
    if not multiple:
        selected_none = " selected" if not chosen else ""
        parts.append(
            f'<option value="" disabled{selected_none}>{esc(_placeholder(element, "Select an item"))}</option>'
        )
    for group_label, options in choices:
        if group_label is not None:
            parts.append(f'<optgroup label="{esc(group_label)}">')
        for value, label in options:
            selected = " selected" if value in chosen else ""
            parts.append(f'<option value="{esc(value)}"{selected}>{esc(label)}</option>')
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
    parts = [f'<div class="bk-{esc(kind)} bk-element" {_data(kind, block_id, action_id)}>']
    for option in element.get("options", []):
        value = str(option.get("value", ""))
        checked = " checked" if value in chosen else ""
        description = option.get("description")
        desc_html = (
            f'<div class="bk-option-desc">{render_text(description, ctx)}</div>' if description else ""
        )
        parts.append(
            f'<label class="bk-choice"><input type="{input_type}" name="{esc(name)}"'
            f' value="{esc(value)}"{checked}>'
            f'<span class="bk-choice-label">{_option_label(option, ctx)}{desc_html}</span></label>'
        )
    parts.append("</div>")
    return "".join(parts)


def _text_input(element: Json, kind: str, block_id: str, action_id: str) -> str:
    data = _data(kind, block_id, action_id)
    placeholder = esc(_placeholder(element, ""))
    value = esc(element.get("initial_value", ""))
    limits = ""
    if element.get("max_length"):
        limits += f' maxlength="{esc(element["max_length"])}"'
    if element.get("min_length"):
        limits += f' minlength="{esc(element["min_length"])}"'
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
    css = "bk-button" + (f" bk-button-{esc(style)}" if style in ("primary", "danger") else "")
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
    alt = esc(element.get("alt_text", ""))
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
        items = "".join(f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in options)
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
            f' value="{esc(initial)}">'
        )
    if kind.endswith("select"):
        return _select(element, kind, block_id, action_id, ctx)
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        return _text_input(element, kind, block_id, action_id)
    return f'<span class="bk-unsupported">[{esc(kind or "element")}]</span>'


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
        f'<div class="bk-error" data-error-for="{esc(block_id)}" hidden></div>'
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
        return f'<hr class="bk-divider" data-block-id="{esc(block_id)}">'
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
        inner = f'<span class="bk-unsupported">Unsupported block: {esc(kind or "?")}</span>'
    optional = ' data-optional="true"' if kind == "input" and block.get("optional") else ""
    return f'<div class="bk-block bk-{esc(kind)}" data-block-id="{esc(block_id)}"{optional}>{inner}</div>'


def render_blocks(blocks: Sequence[Json], ctx: RenderContext) -> str:
    """A list of blocks, in order."""
    return "".join(
        render_block(block, i, ctx) for i, block in enumerate(blocks) if isinstance(block, Mapping)
    )
