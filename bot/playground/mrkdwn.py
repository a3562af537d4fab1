"""Slack mrkdwn to safe HTML: formatting, links, mentions, lists, quotes, code and emoji shortcodes."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.emoji import emoji_for
from bot.playground.slack_dates import render_date

NameLookup = Callable[[str], str | None]


_SHORTCODE = re.compile(r":([a-z0-9_+\-']+(?:::skin-tone-[2-6])?):")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
# A bare web address, as Slack's clients link it; trailing punctuation stays outside the link.
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\x00]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?)]}'\""
_QUOTE_ALL = ("&gt;&gt;&gt;", ">>>")
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "slack://")


def _styled(marker: str) -> re.Pattern[str]:
    m = re.escape(marker)
    # Slack needs the marker at a word edge and non-space just inside it. Other markers count as an
    # edge (``_a *b*_``), letters and digits do not (``snake_case``, ``2*3*4``).
    return re.compile(
        rf"(?<![^\W_])(?<!{m}){m}(?=[^\s{m}])(.+?)(?<=[^\s{m}]){m}(?![^\W_])(?!{m})"
    )


_STYLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_styled("*"), "b"),
    (_styled("_"), "i"),
    (_styled("~"), "s"),
)


def slack_unescape(text: str) -> str:
    """Undo the three entities Slack senders must escape (``&amp;``, ``&lt;``, ``&gt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def replace_emoji(escaped: str) -> str:
    """Replace known ``:shortcode:`` in already-escaped text; unknown ones stay as they are."""

    def sub(match: re.Match[str]) -> str:
        found = emoji_for(match.group(1))
        if found is None:
            return match.group(0)
        return f'<span class="emoji" title=":{match.group(1)}:">{found}</span>'

    return _SHORTCODE.sub(sub, escaped)


def render_plain_text(text: str, emoji: bool = True) -> str:
    """A ``plain_text`` object's text: escaped, emoji shortcodes replaced, newlines kept."""
    escaped = html.escape(text, quote=True)
    if emoji:
        escaped = replace_emoji(escaped)
    return escaped.replace("\n", "<br>")


def safe_href(url: str) -> str | None:
    """The URL, escaped for an attribute, when its scheme is harmless; None otherwise."""
    stripped = url.strip()
    if not stripped.lower().startswith(_SAFE_SCHEMES):
        return None
    return html.escape(stripped, quote=True)


@dataclass(frozen=True)
class MrkdwnRenderer:
    """Renders mrkdwn with names resolved through the given lookups."""

    user_name: NameLookup | None = None
    channel_name: NameLookup | None = None

    def render(self, text: str) -> str:
        """Render one mrkdwn string to an HTML fragment."""
        protected: list[str] = []

        def protect(fragment: str) -> str:
            protected.append(fragment)
            return f"\x00{len(protected) - 1}\x00"

        source = text.replace("\x00", "").replace("\r\n", "\n")

        def code_block(match: re.Match[str]) -> str:
            body = slack_unescape(match.group(1)).strip("\n")
            return "\n" + protect(f'<pre class="mrkdwn-pre">{html.escape(body)}</pre>') + "\n"

        source = _CODE_BLOCK.sub(code_block, source)
        source = re.sub(r"\n*(\x00\d+\x00)\n*", "\n\\1\n", source).strip("\n")
        lines = source.split("\n")
        return self._blocks(lines, protect, protected)

    def _blocks(self, lines: list[str], protect: Callable[[str], str], protected: list[str]) -> str:
        out: list[str] = []
        paragraph: list[str] = []
        bullets: list[str] = []
        quote: list[str] = []

        def flush() -> None:
            if paragraph:
                out.append("<br>".join(paragraph))
                paragraph.clear()
            if bullets:
                items = "".join(f"<li>{item}</li>" for item in bullets)
                out.append(f'<ul class="mrkdwn-list">{items}</ul>')
                bullets.clear()
            if quote:
                out.append(f'<blockquote class="mrkdwn-quote">{"<br>".join(quote)}</blockquote>')
                quote.clear()

        quote_rest = False
        for line in lines:
            kind, content = _line_kind(line)
            if not quote_rest and line.startswith(_QUOTE_ALL):
                # ``>>>`` quotes everything after it, to the end of the text.
                quote_rest = True
                marker = next(m for m in _QUOTE_ALL if line.startswith(m))
                kind, content = "quote", line[len(marker) :].removeprefix(" ")
            elif quote_rest:
                kind, content = "quote", line
            if kind == "bullet":
                if paragraph or quote:
                    flush()
                bullets.append(self._inline(content, protect))
            elif kind == "quote":
                if paragraph or bullets:
                    flush()
                quote.append(self._inline(content, protect))
            else:
                if bullets or quote:
                    flush()
                if _PLACEHOLDER.fullmatch(line.strip()) and line.strip():
                    flush()
                    out.append(self._inline(line.strip(), protect))
                    continue
                paragraph.append(self._inline(line, protect))
        flush()
        rendered = "".join(out)
        return _PLACEHOLDER.sub(lambda m: protected[int(m.group(1))], rendered)

    def _inline(self, line: str, protect: Callable[[str], str]) -> str:
        line = _INLINE_CODE.sub(
            lambda m: protect(f'<code class="mrkdwn-code">{html.escape(slack_unescape(m.group(1)))}</code>'),
            line,
        )
        line = _ANGLE.sub(lambda m: protect(self._angle(m.group(1))), line)
        line = _BARE_URL.sub(lambda m: _bare_link(m.group(0), protect), line)
        escaped = html.escape(slack_unescape(line), quote=True)
        escaped = replace_emoji(escaped)
        for pattern, tag in _STYLES:
            escaped = pattern.sub(lambda m, t=tag: f"<{t}>{m.group(1)}</{t}>", escaped)  # type: ignore[misc]
        return escaped

    def _angle(self, inner: str) -> str:
        target, _, label = inner.partition("|")
        label_html = html.escape(slack_unescape(label), quote=True)
        if target.startswith("@"):
            user_id = target[1:]
            name = (self.user_name(user_id) if self.user_name else None) or label or user_id
            return (
                f'<span class="mention" data-user-id="{html.escape(user_id, quote=True)}">'
                f"@{html.escape(name)}</span>"
            )
        if target.startswith("#"):
            channel_id = target[1:]
            name = (self.channel_name(channel_id) if self.channel_name else None) or label or channel_id
            return (
                f'<span class="channel-mention" data-channel-id="{html.escape(channel_id, quote=True)}">'
                f"#{html.escape(name)}</span>"
            )
        if target.startswith("!"):
            return self._special(target[1:], label)
        href = safe_href(slack_unescape(target))
        shown = label_html or html.escape(slack_unescape(target), quote=True)
        if href is None:
            return shown
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'

    def _special(self, command: str, label: str) -> str:
        name = command.split("^", 1)[0]
        if name in ("here", "channel", "everyone"):
            return f'<span class="mention mention-broadcast">@{name}</span>'
        if name == "subteam":
            shown = label or "@group"
            return f'<span class="mention">{html.escape(slack_unescape(shown))}</span>'
        if name == "date" and (date_text := render_date(slack_unescape(command))) is not None:
            return f'<time class="slack-date">{html.escape(date_text)}</time>'
        # Anything else (and a date token Slack could not read): the fallback text Slack would show.
        return html.escape(slack_unescape(label or command))


def _bare_link(found: str, protect: Callable[[str], str]) -> str:
    url = found.rstrip(_URL_TRAILER)
    trailer = found[len(url) :]
    href = safe_href(slack_unescape(url))
    if href is None or len(url) <= len("https://"):
        return found
    shown = html.escape(slack_unescape(url), quote=True)
    return protect(f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>') + trailer


def _line_kind(line: str) -> tuple[str, str]:
    stripped = line.lstrip()
    for marker in ("• ", "•", "- ", "◦ "):
        if stripped.startswith(marker) and stripped.strip() not in ("-", "•"):
            return "bullet", stripped[len(marker) :]
    for marker in ("&gt; ", "&gt;", "> ", ">"):
        if line.startswith(marker):
            return "quote", line[len(marker) :]
    return "text", line


def render_mrkdwn(
    text: str, user_name: NameLookup | None = None, channel_name: NameLookup | None = None
) -> str:
    """Render mrkdwn to HTML; ``user_name``/``channel_name`` map ids to display names."""
    return MrkdwnRenderer(user_name=user_name, channel_name=channel_name).render(text)
