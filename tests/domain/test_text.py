"""People's text: typed input escaped for mrkdwn, @channel defused, and the plain form for names and headers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import defuse_broadcasts, escape, from_command, from_input, plain


@given(st.text())
def test_plain_undoes_escape_for_any_typed_text(text: str) -> None:
    assert plain(escape(text)) == text
    assert "<" not in from_input(text) and ">" not in from_input(text)


def test_broadcast_mentions_become_words() -> None:
    assert defuse_broadcasts("<!channel> db down <!here|here> <!EVERYONE>") == "@channel db down @here @everyone"
    # Person and group mentions stay mentions.
    assert from_command("<@U0BOB|bob> and <!subteam^S0LEADS|@leads>") == "<@U0BOB|bob> and <!subteam^S0LEADS|@leads>"


def test_plain_reads_tokens_and_entities_as_people_see_them() -> None:
    assert plain("<@U0BOB|bob> saw 5xx &lt; 1% &amp; <#C1|ops>") == "@bob saw 5xx < 1% & #ops"
    assert plain("<@U0BOB> and <https://status.example.com|status page>") == "@U0BOB and status page"
    assert plain("<!subteam^S0LEADS|@leads> <!here>") == "@leads @here"
