"""Where people read plain text (topics, drafts) they see names; the card's times are Slack date tokens."""

from __future__ import annotations

import re

from tests.harness import BotHarness, message_words, shows, wait_until
from tests.slack.test_drafts import _draft_reply


def test_the_topic_names_the_commander(bot_sqlite: BotHarness) -> None:
    inc = bot_sqlite.declare()
    bot_sqlite.command("role ic <@U0DAVE|dave>", channel=inc.channel_id)
    bot_sqlite.settle()
    topic = bot_sqlite.workspace.channel(inc.channel_id).topic
    assert "IC: Dave Diaz" in topic and "<@" not in topic


def test_the_post_mortem_draft_has_names_and_no_slack_markup(bot_sqlite: BotHarness) -> None:
    inc = bot_sqlite.declare("SEV2 search is slow")
    bot_sqlite.command("note asked <@U0BOB|bob> and carol@example.com :x: see <https://status.example.com|status>",
                       channel=inc.channel_id)
    bot_sqlite.settle()
    bot_sqlite.command("resolve Rebuilt the index", channel=inc.channel_id)
    bot_sqlite.settle()
    bot_sqlite.command("draft postmortem", channel=inc.channel_id)
    text = _draft_reply(bot_sqlite, "U0ALICE", inc.channel_id, "Post-mortem")
    assert "asked Bob Baker and Carol Chen ❌ see status (https://status.example.com)" in text
    assert "<@" not in text and "@example.com" not in text and "<http" not in text
    assert not re.search(r":[a-z_]+:", text), text


def test_the_card_says_since_when_in_each_readers_time(bot_sqlite: BotHarness) -> None:
    inc = bot_sqlite.declare()
    card = message_words(bot_sqlite.workspace.message(inc.channel_id, inc.card_ts))
    stamp = int(inc.declared_at.timestamp())
    assert f"Open since <!date^{stamp}^{{date_short_pretty}} at {{time}}|" in card
    assert "Open for" not in card
    bot_sqlite.command("resolve fixed", channel=inc.channel_id)
    wait_until(lambda: shows(bot_sqlite.workspace.message(inc.channel_id, inc.card_ts), "Resolved <!date^"),
               what="the resolved card")
