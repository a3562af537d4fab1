"""Whole message bodies (blocks plus legacy attachments) and modals, as the playground page shows them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.playground.blockkit_html import Json, RenderContext, esc, render_blocks

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
        parts.append(f'<div class="bk-att-title">{esc(attachment["title"])}</div>')
    if attachment.get("text"):
        parts.append(f'<div class="bk-text">{ctx.mrkdwn.render(str(attachment["text"]))}</div>')
    fields = attachment.get("fields") or []
    if fields:
        parts.append('<div class="bk-fields">')
        for field in fields:
            parts.append(
                f'<div class="bk-field"><b>{esc(field.get("title", ""))}</b><br>'
                f"{ctx.mrkdwn.render(str(field.get('value', '')))}</div>"
            )
        parts.append("</div>")
    if attachment.get("blocks"):
        parts.append(render_blocks(attachment["blocks"], ctx))
    return f'<div class="bk-attachment" style="border-left-color:{esc(safe_color)}">{"".join(parts)}</div>'


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
    title = esc(_plain(view.get("title"), "App"))
    close = esc(_plain(view.get("close"), "Cancel"))
    has_inputs = any(isinstance(b, Mapping) and b.get("type") == "input" for b in view.get("blocks", []))
    submit_text = _plain(view.get("submit"), "Submit" if has_inputs else "")
    submit = (
        f'<button type="submit" class="bk-button bk-button-primary modal-submit">{esc(submit_text)}</button>'
        if submit_text
        else ""
    )
    view_id = esc(view.get("id", ""))
    return (
        f'<form class="modal" data-view-id="{view_id}" data-callback-id="{esc(view.get("callback_id", ""))}">'
        f'<div class="modal-header"><span class="modal-title">{title}</span>'
        f'<button type="button" class="modal-x" aria-label="Close">×</button></div>'
        f'<div class="modal-body">{render_blocks(view.get("blocks", []), ctx)}</div>'
        f'<div class="modal-footer"><button type="button" class="bk-button modal-close">{close}</button>'
        f"{submit}</div>"
        f"</form>"
    )


def render_home(view: Json, ctx: RenderContext) -> str:
    """The Home tab: its blocks, tagged with the view id so clicks in it reach the app as view actions."""
    view_id = esc(str(view.get("id", "")))
    return f'<div class="home-view" data-view-id="{view_id}">{render_blocks(view.get("blocks", []), ctx)}</div>'
