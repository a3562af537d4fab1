"""'Did you mean …?': which words are taken for typos of a verb, and what the answer says."""

from __future__ import annotations

import pytest

from bot.domain.grammar import CommandError, OpenDeclareModal, parse_command
from bot.domain.suggest import KNOWN_WORDS, closest_verbs, incident_only, unknown_command
from bot.domain.usage import SPECS
from tests.domain.policies import POLICY

TYPOS: list[tuple[str, list[str]]] = [
    ("resolv", ["resolve"]),
    ("updat", ["update"]),
    ("RESOLV", ["resolve"]),
    ("statsu", ["status"]),
    ("sumary", ["summary"]),
    ("escalte", ["escalate"]),
    ("rol", ["role"]),
    ("roles", ["role"]),
    ("notes", ["note"]),
    ("drafts", ["draft"]),
    ("lists", ["list"]),
    ("runbok", ["runbook"]),
    ("reopne", ["reopen"]),
    ("acknowlege", ["acknowledge"]),
    ("oncal", ["oncall", "on-call"]),
    ("severty", ["severity"]),
]
NOT_TYPOS = ["frobnicate", "payments", "outage", "login", "database", "dns", "api", "down", "slow", "cache",
             "deploy", "🔥", "Платежи"]


@pytest.mark.parametrize(("word", "expected"), TYPOS)
def test_a_typo_suggests_the_closest_verbs(word: str, expected: list[str]) -> None:
    assert closest_verbs(word) == expected


@pytest.mark.parametrize("word", NOT_TYPOS)
def test_a_word_unlike_any_verb_suggests_nothing(word: str) -> None:
    assert closest_verbs(word) == []


def test_every_verb_and_alias_is_known() -> None:
    assert {s.verb for s in SPECS if s.verb} <= set(KNOWN_WORDS)
    assert {"acknowledge", "sev", "on-call"} <= set(KNOWN_WORDS)
    for word in KNOWN_WORDS:
        assert closest_verbs(word)[0] == word


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("resolv", "Unknown command `resolv`. Did you mean `resolve`? (`/incident help` lists them all.)"),
        ("oncal", "Unknown command `oncal`. Did you mean `oncall` or `on-call`? (`/incident help` lists them all.)"),
        ("frobnicate", "Unknown command `frobnicate`. `/incident help` lists the commands."),
    ],
)
def test_the_answer_names_the_word_and_the_suggestions(word: str, message: str) -> None:
    assert unknown_command(word) == message


@pytest.mark.parametrize(
    ("word", "expected"),
    [("update", True), ("UPDATE", True), ("resolve", True), ("sev", True), ("acknowledge", True),
     ("list", False), ("help", False), ("on-call", False), ("declare", False), ("payments", False)],
)
def test_incident_only_verbs(word: str, expected: bool) -> None:
    assert incident_only(word) is expected


@pytest.mark.parametrize("text", ["resolv", "updat", "  statsu ", "Escalte"])
def test_a_single_typo_never_opens_the_declare_form(text: str) -> None:
    with pytest.raises(CommandError, match=r"Unknown command `.+`\. Did you mean"):
        parse_command(text, POLICY)


@pytest.mark.parametrize(
    ("text", "title"),
    [("frobnicate", "frobnicate"), ("outage", "outage"), ("payments down", "payments down"),
     ("resolv the checkout outage", "resolv the checkout outage")],
)
def test_titles_still_open_the_declare_form(text: str, title: str) -> None:
    assert parse_command(text, POLICY) == OpenDeclareModal(title=title)
