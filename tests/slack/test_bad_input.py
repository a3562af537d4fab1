"""Untrusted input: friendly errors, nothing created or changed, never an invalid channel name."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack import ids
from bot.storage import repositories as repo
from tests.harness import SIGNING_SECRET, BotHarness, message_words, wait_until

VALID_NAME = re.compile(r"^incident-\d{4}-\d{2}-\d{2}-[a-z0-9-]+$")


def _said(message: Any) -> str:
    """An answer's fallback text and the words of its blocks."""
    return f"{message.text or ''}\n{message_words(message)}"


def _last_ephemeral(bot: BotHarness, user: str, needle: str) -> str:
    found = wait_until(
        lambda: next((e for e in bot.workspace.ephemerals(user) if needle in _said(e)), None),
        what=f"ephemeral containing {needle!r}",
    )
    return _said(found)


def test_unknown_severity_lists_valid_ones_and_creates_nothing(bot: BotHarness) -> None:
    r = bot.command("SEV9 everything is on fire")
    assert r.status_code == 200
    assert "SEV9" in r.text and "SEV1 (Critical)" in r.text and "SEV4" in r.text
    bot.settle()
    assert bot.container.services.incidents.list_open() == []
    assert bot.workspace.calls_to("conversations.create") == []


@pytest.mark.parametrize(
    "text",
    [
        "update hello",
        "role ic <@U0BOB|bob>",
        "severity SEV2",
        "note x",
        "resolve done",
        "status",
        "summary",
        "ack",
    ],
)
def test_incident_only_commands_outside_an_incident_channel(bot_sqlite: BotHarness, text: str) -> None:
    r = bot_sqlite.command(text)
    assert r.status_code == 200
    assert "only works inside an incident channel" in _last_ephemeral(
        bot_sqlite, "U0ALICE", "incident channel"
    )


def test_unknown_role_user_and_bot_are_refused(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 thumbnails missing")
    bot.command("role chef <@U0BOB|bob>", channel=inc.channel_id)
    assert "not a role here" in _last_ephemeral(bot, "U0ALICE", "not a role")
    bot.command("role ic <@U0NOBODY|ghost>", channel=inc.channel_id)
    assert "not a person" in _last_ephemeral(bot, "U0ALICE", "not a person")
    bot.command("role ic <@UBOT|incident-bot>", channel=inc.channel_id)
    r = bot.command("role ic bob", channel=inc.channel_id)
    assert "is not a Slack user" in r.text  # grammar errors come back in the acknowledgement itself
    bot.settle()
    assert bot.container.services.incidents.get(inc.id).commander_id is None


def test_empty_title_opens_the_form_instead(bot_sqlite: BotHarness) -> None:
    bot_sqlite.command("declare SEV1   ")
    view = wait_until(lambda: bot_sqlite.workspace.open_view("U0ALICE"), what="modal")
    assert view.body["callback_id"] == "declare_incident"
    assert bot_sqlite.container.services.incidents.list_open() == []


@pytest.mark.parametrize(
    ("title", "expected_slug"),
    [
        ("x" * 2000, "x" * 10),
        ("🔥🔥🔥", "fire-fire-fire"),
        ("🛑", "octagonal-sign"),
        ("​", "untitled"),
        ("Zahlungsausfall in Köln – Kasse", "zahlungsausfall-in-koln-kasse"),
        ("支付失败", "zhi"),
        ("payments   DOWN!!! (EU)", "payments-down-eu"),
    ],
)
def test_odd_titles_give_valid_channel_names(bot_sqlite: BotHarness, title: str, expected_slug: str) -> None:
    inc = bot_sqlite.declare(f"SEV3 {title}")
    assert inc.channel_name is not None
    assert VALID_NAME.match(inc.channel_name), inc.channel_name
    assert len(inc.channel_name) <= 80
    assert expected_slug in inc.channel_name
    assert len(inc.title) <= 150
    if len(title) > 150:
        assert inc.description == title  # the full text is kept


def _signed(body: str, ts: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded",
    }


@pytest.mark.parametrize("case", ["bad_signature", "missing_signature", "old_timestamp", "wrong_secret"])
def test_bad_signatures_are_rejected_with_401(bot: BotHarness, case: str) -> None:
    import requests

    general = bot.workspace.channel_by_name("general").id
    body = urlencode(
        {
            "command": "/incident",
            "text": "SEV1 forged",
            "user_id": "U0ALICE",
            "channel_id": general,
            "team_id": bot.workspace.team_id,
            "response_url": "",
            "trigger_id": "x",
        }
    )
    now = int(time.time())
    headers = {
        "bad_signature": {**_signed(body, now), "X-Slack-Signature": "v0=" + "0" * 64},
        "missing_signature": {"Content-Type": "application/x-www-form-urlencoded"},
        "old_timestamp": _signed(body, now - 301),
        "wrong_secret": _signed(body, now, "another-secret"),
    }[case]
    r = requests.post(f"{bot.bot_url}/slack/events", data=body, headers=headers, timeout=10)
    assert r.status_code == 401
    bot.settle()
    assert bot.container.services.incidents.list_open() == []
    with bot.container.uow() as session:
        assert repo.open_incidents(session) == []


def test_illegal_and_pointless_changes_explain_themselves(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    inc = bot.declare("SEV2 cdn errors")
    bot.command("severity SEV2", channel=inc.channel_id)
    assert "already SEV2" in _last_ephemeral(bot, "U0ALICE", "already")
    r = bot.command("severity SEV7", channel=inc.channel_id)
    assert "not a severity here" in r.text
    bot.command("reopen why", channel=inc.channel_id)
    assert "still open" in _last_ephemeral(bot, "U0ALICE", "still open")
    bot.command("resolve fixed", channel=inc.channel_id)
    bot.settle()
    bot.command("resolve again", channel=inc.channel_id)
    assert "already resolved" in _last_ephemeral(bot, "U0ALICE", "already resolved")
    r = bot.command("update", channel=inc.channel_id)
    assert "Please add the update text" in r.text


def test_same_declaration_twice_in_a_row_is_not_duplicated(bot_sqlite: BotHarness) -> None:
    bot = bot_sqlite
    bot.declare("SEV1 orders failing")
    bot.command("SEV1 orders failing")
    assert "Not declaring it twice" in _last_ephemeral(bot, "U0ALICE", "twice")
    bot.settle()
    assert len(bot.container.services.incidents.list_open()) == 1


def test_the_same_title_can_be_declared_again_once_the_first_is_resolved(bot: BotHarness) -> None:
    first = bot.declare("SEV2 orders failing")
    bot.command("resolve bad deploy rolled back", channel=first.channel_id)
    bot.settle()
    second = bot.declare("SEV2 orders failing")  # it came back a moment later
    assert second.id != first.id and second.channel_id and second.channel_id != first.channel_id
    assert [i.id for i in bot.container.services.incidents.list_open()] == [second.id]


def test_titles_never_ping_a_channel_and_read_plainly_in_names_and_headers(bot_sqlite: BotHarness) -> None:
    bot, ws = bot_sqlite, bot_sqlite.workspace
    # As Slack sends it: the mention as a token, a typed "<" as an entity, @channel as <!channel>.
    inc = bot.declare("SEV2 checkout &lt;slow&gt; for <@U0BOB|bob> <!channel>")
    assert inc.title == "checkout &lt;slow&gt; for <@U0BOB|bob> @channel"
    assert inc.channel_name is not None and inc.channel_name.endswith("-checkout-slow-for-bob-channel")
    card = next(m for m in ws.messages(inc.channel_id) if m.blocks and m.blocks[0]["type"] == "header")
    assert "checkout <slow> for @bob @channel" in card.blocks[0]["text"]["text"]
    broadcast = ws.channel_by_name("incidents")
    assert not any("<!channel>" in t for m in ws.messages(broadcast.id) for t in _mrkdwn_texts(m.blocks))

    # The declare modal's plain-text input is escaped, so typed markup shows as typed and pings nobody.
    bot.command("", user="U0BOB")
    wait_until(lambda: ws.open_view("U0BOB"), what="declare modal")
    bot.driver.submit_view(
        "U0BOB",
        values={
            ids.TITLE[0]: {ids.TITLE[1]: "<!here> orders & refunds <b>"},
            ids.SEVERITY[0]: {ids.SEVERITY[1]: "SEV3"},
        },
    )
    bot.settle()
    second = next(i for i in bot.container.services.incidents.list_open() if i.id != inc.id)
    assert second.title == "&lt;!here&gt; orders &amp; refunds &lt;b&gt;"
    assert second.channel_name is not None and second.channel_name.endswith("-here-orders-refunds-b")
    shown = [t for m in ws.messages(broadcast.id) for t in _mrkdwn_texts(m.blocks)]
    assert any("&lt;!here&gt; orders &amp; refunds" in t for t in shown), shown
    assert not any("<!here>" in t for t in shown)


def _mrkdwn_texts(node: object) -> list[str]:
    """Every mrkdwn text in some blocks: where Slack would turn <!here> into a notification."""
    if isinstance(node, dict):
        found = [str(node["text"])] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in _mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _mrkdwn_texts(item)]
    return []
