"""Block Kit ``rich_text`` (sections, lists, preformatted, quotes) to safe HTML."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from bot.playground.mrkdwn import MrkdwnRenderer, render_plain_text, safe_href

Json = Mapping[str, Any]


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


_RICH_STYLES = (("code", "code"), ("bold", "b"), ("italic", "i"), ("strike", "s"))


def _rich_inline(element: Json, mrkdwn: MrkdwnRenderer) -> str:
    kind = element.get("type")
    if kind == "text":
        out = render_plain_text(str(element.get("text", "")), emoji=False)
        style = element.get("style") or {}
        for key, tag in _RICH_STYLES:
            if style.get(key):
                out = f"<{tag}>{out}</{tag}>"
        return out
    if kind == "link":
        href = safe_href(str(element.get("url", "")))
        shown = _attr(element.get("text") or element.get("url", ""))
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>' if href else shown
    if kind == "user":
        return mrkdwn.render(f"<@{element.get('user_id', '')}>")
    if kind == "channel":
        return mrkdwn.render(f"<#{element.get('channel_id', '')}>")
    if kind == "emoji":
        if element.get("unicode"):
            try:
                return "".join(chr(int(part, 16)) for part in str(element["unicode"]).split("-"))
            except ValueError:
                pass
        return render_plain_text(f":{element.get('name', '')}:")
    if kind == "broadcast":
        return f'<span class="mention mention-broadcast">@{_attr(element.get("range", "here"))}</span>'
    return _attr(element.get("text", ""))


def render_rich_element(element: Json, mrkdwn: MrkdwnRenderer) -> str:
    kind = element.get("type")
    inner_elements = element.get("elements", [])
    if kind == "rich_text_list":
        tag = "ol" if element.get("style") == "ordered" else "ul"
        items = "".join(f"<li>{render_rich_element(item, mrkdwn)}</li>" for item in inner_elements)
        return f'<{tag} class="bk-rich-list">{items}</{tag}>'
    inline = "".join(_rich_inline(child, mrkdwn) for child in inner_elements).replace("\n", "<br>")
    if kind == "rich_text_preformatted":
        return f'<pre class="mrkdwn-pre">{inline.replace("<br>", chr(10))}</pre>'
    if kind == "rich_text_quote":
        return f'<blockquote class="mrkdwn-quote">{inline}</blockquote>'
    return f"<div>{inline}</div>" if kind != "rich_text_section" else inline
