"""Mistyped verbs answer 'Did you mean …?' and change nothing; free-text declaration keeps working."""

from __future__ import annotations

import json

import pytest

from bot.slack import ids
from tests.harness import BotHarness, find_action, wait_until


def _no_form_and_no_incident(bot: BotHarness, incidents_before: int) -> None:
    bot.settle()
    assert bot.workspace.calls_to("views.open") == []
    assert len(bot.container.services.incidents.list_open()) == incidents_before


@pytest.mark.parametrize(
    ("text", "suggestion"), [("resolv", "`resolve`"), ("updat", "`update`"), ("statsu", "`status`")]
)
def test_a_mistyped_verb_anywhere_suggests_the_verb(bot_sqlite: BotHarness, text: str, suggestion: str) -> None:
    r = bot_sqlite.command(text)
    assert r.status_code == 200
    assert f"Unknown command `{text}`. Did you mean {suggestion}?" in r.text
    _no_form_and_no_incident(bot_sqlite, 0)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("resolv", "Unknown command `resolv`. Did you mean `resolve`?"),
        ("updat", "Unknown command `updat`. Did you mean `update`?"),
        ("frobnicate", "Unknown command `frobnicate`. `/incident help` lists the commands."),
        ("resolv it is fixed now", "Unknown command `resolv`. Did you mean `resolve`?"),
        ("payments down", "Unknown command `payments`."),
    ],
)
def test_inside_an_incident_channel_an_unknown_word_never_opens_the_declare_form(
    bot_sqlite: BotHarness, text: str, answer: str
) -> None:
    inc = bot_sqlite.declare()
    calls_before = len(bot_sqlite.workspace.calls_to("chat.postMessage"))
    r = bot_sqlite.command(text, channel=inc.channel_id)
    assert r.status_code == 200
    assert answer in r.text
    _no_form_and_no_incident(bot_sqlite, 1)
    assert len(bot_sqlite.workspace.calls_to("chat.postMessage")) == calls_before
    assert bot_sqlite.container.services.incidents.get(inc.id).status == inc.status


def test_free_text_outside_an_incident_channel_still_opens_the_declare_form(bot_sqlite: BotHarness) -> None:
    for text in ("payments down", "frobnicate"):
        r = bot_sqlite.command(text)
        assert r.status_code == 200 and "Unknown command" not in r.text
    # The form is opened right after the acknowledgement.
    wait_until(lambda: len(bot_sqlite.workspace.calls_to("views.open")) >= 2, what="two declare forms")
    opened = bot_sqlite.workspace.calls_to("views.open")
    assert len(opened) == 2
    titles = []
    for call in opened:
        view = call.args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        titles.append(find_action(view["blocks"], ids.TITLE[1]).get("initial_value"))
    assert titles == ["payments down", "frobnicate"]


def test_update_without_text_says_where_it_works_before_what_it_needs(bot_sqlite: BotHarness) -> None:
    r = bot_sqlite.command("update")
    assert "`/incident update` only works inside an incident channel" in r.text
    r = bot_sqlite.command("UPDATE")
    assert "`/incident update` only works inside an incident channel" in r.text
    inc = bot_sqlite.declare()
    r = bot_sqlite.command("update", channel=inc.channel_id)
    assert "Please add the update text" in r.text


def test_the_declaring_notice_has_one_ellipsis(bot_sqlite: BotHarness) -> None:
    r = bot_sqlite.command("SEV3 … really…")
    assert r.status_code == 200
    assert "Declaring *SEV3* … really…" in r.text and "……" not in r.text
    wait_until(lambda: bot_sqlite.container.services.incidents.list_open(), what="the incident")
