"""mrkdwn rendering: formatting, links, mentions, lists, quotes, code, emoji, and escaping."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.playground.mrkdwn import render_mrkdwn, render_plain_text, safe_href
from tests.playground.html_check import collect, unsafe_markup

NAMES = {"U1": "alice", "U2": "bob"}
CHANNELS = {"C1": "incidents"}


def render(text: str) -> str:
    return render_mrkdwn(text, user_name=NAMES.get, channel_name=CHANNELS.get)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*bold*", "<b>bold</b>"),
        ("_italic_", "<i>italic</i>"),
        ("~gone~", "<s>gone</s>"),
        ("a *b* c", "a <b>b</b> c"),
        ("*_both_*", "<b><i>both</i></b>"),
        ("_italic *bold*_", "<i>italic <b>bold</b></i>"),
        ("*bold _italic_*", "<b>bold <i>italic</i></b>"),
        ("2*3*4", "2*3*4"),
        ("snake_case_name", "snake_case_name"),
        ("* not bold *", "* not bold *"),
        ("`x = *y*`", '<code class="mrkdwn-code">x = *y*</code>'),
        ("one\ntwo", "one<br>two"),
    ],
)
def test_inline_formatting(source: str, expected: str) -> None:
    assert render(source) == expected


def test_code_block_keeps_text_verbatim_and_escaped() -> None:
    out = render("before\n```if a < b:\n    *x* = 1```\nafter")
    assert out == 'before<pre class="mrkdwn-pre">if a &lt; b:\n    *x* = 1</pre>after'


def test_slack_entities_are_shown_as_characters_once() -> None:
    assert render("a &lt; b &amp;&amp; c &gt; d") == "a &lt; b &amp;&amp; c &gt; d"
    assert collect(render("a &lt; b")).text == ["a < b"]


def test_links_with_and_without_labels() -> None:
    assert render("<https://example.com/a?x=1&amp;y=2|the page>") == (
        '<a href="https://example.com/a?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">the page</a>'
    )
    out = render("see <https://example.com>")
    assert 'href="https://example.com"' in out
    assert ">https://example.com</a>" in out
    assert 'href="mailto:a@b.c"' in render("<mailto:a@b.c|mail>")


def test_script_urls_are_never_links() -> None:
    out = render("<javascript:alert(1)|click me>")
    assert "<a" not in out
    assert out == "click me"


def test_user_mentions_resolve_through_the_lookup() -> None:
    assert render("<@U1>") == '<span class="mention" data-user-id="U1">@alice</span>'
    # the lookup wins over the label Slack escaped into the text
    assert render("<@U2|robert>") == '<span class="mention" data-user-id="U2">@bob</span>'
    # unknown ids fall back to the label, then to the id
    assert "@carol" in render("<@U9|carol>")
    assert "@U9" in render("<@U9>")


def test_channel_and_broadcast_mentions() -> None:
    assert render("<#C1>") == '<span class="channel-mention" data-channel-id="C1">#incidents</span>'
    assert "#war-room" in render("<#C7|war-room>")
    assert render("<!here>") == '<span class="mention mention-broadcast">@here</span>'
    assert "@channel" in render("<!channel>")
    shown = render("<!date^1700000000^{date_num}|Nov 14>")  # in this machine's timezone, as Slack would
    assert re.fullmatch(r'<time class="slack-date">2023-11-1[45]</time>', shown), shown
    assert render("<!date^1700000000^{no_such_token}|Nov 14>") == "Nov 14"
    assert render("<!date^soon^{date}|Nov 14>") == "Nov 14"


def test_bullet_lists() -> None:
    out = render("Steps:\n• restart *api*\n- check logs\nDone")
    assert out == ('Steps:<ul class="mrkdwn-list"><li>restart <b>api</b></li><li>check logs</li></ul>Done')


def test_block_quotes_escaped_or_not() -> None:
    assert render("&gt; quoted\n> more") == '<blockquote class="mrkdwn-quote">quoted<br>more</blockquote>'


def test_triple_quote_quotes_everything_after_it() -> None:
    assert render(">>> a\nb") == '<blockquote class="mrkdwn-quote">a<br>b</blockquote>'
    assert render("intro\n&gt;&gt;&gt;first\n\n*last*") == (
        'intro<blockquote class="mrkdwn-quote">first<br><br><b>last</b></blockquote>'
    )


def test_bare_web_addresses_become_links() -> None:
    link = '<a href="https://example.com/a?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">'
    assert render("see https://example.com/a?x=1&amp;y=2.") == (
        f"see {link}https://example.com/a?x=1&amp;y=2</a>."
    )
    assert render("(http://status.example.com)") == (
        '(<a href="http://status.example.com" target="_blank" rel="noopener noreferrer">'
        "http://status.example.com</a>)"
    )
    out = render('https://e.example/"onmouseover=go and https://x.example/_a_*b*')
    assert not unsafe_markup(out)
    assert 'href="https://e.example/&quot;onmouseover=go"' in out
    assert 'href="https://x.example/_a_*b*"' in out  # markers inside an address are not formatting
    assert render("ftp://files.example/x") == "ftp://files.example/x"


def test_emoji_shortcodes() -> None:
    out = render(":rotating_light: SEV1 :made_up_thing:")
    assert "🚨" in out
    assert ":made_up_thing:" in out
    assert render_plain_text(":fire: hot", emoji=False) == ":fire: hot"
    assert "🔥" in render_plain_text(":fire: hot")


def test_html_in_text_is_escaped() -> None:
    out = render('<img src=x onerror="alert(1)"> "quoted" \'single\' <b>no</b>')
    assert unsafe_markup(out) == []
    assert "onerror" not in [name for _, attrs in collect(out).tags for name in attrs]
    assert "<b>no</b>" not in out


def test_mention_names_are_escaped() -> None:
    out = render_mrkdwn("<@U1>", user_name=lambda _: "<script>alert(1)</script>")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


def test_plain_text_escapes_everything() -> None:
    assert render_plain_text("<b>x</b> & y\nz") == "&lt;b&gt;x&lt;/b&gt; &amp; y<br>z"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.b", True),
        ("http://a.b", True),
        ("javascript:x", False),
        ("data:text/html,x", False),
        ("JAVASCRIPT:x", False),
    ],
)
def test_safe_href(url: str, ok: bool) -> None:
    assert (safe_href(url) is not None) is ok


@given(st.text(alphabet=st.sampled_from(list("<>|@#!&;*_~`:\"'/= \nabcjavscript()\\•-")), max_size=80))
def test_any_text_renders_to_safe_markup(text: str) -> None:
    assert unsafe_markup(render(text)) == []


@given(st.text(max_size=60))
def test_any_unicode_renders_to_safe_markup(text: str) -> None:
    assert unsafe_markup(render(text)) == []
