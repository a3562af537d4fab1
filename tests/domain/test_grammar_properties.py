"""Property-based tests of the command parser and the user-token parser for arbitrary text."""

from __future__ import annotations

import re

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.domain.grammar import (
    MAX_TEXT,
    MAX_TITLE,
    AddNote,
    AssignRole,
    CommandError,
    Declare,
    OpenDeclareModal,
    PostUpdate,
    Reopen,
    Resolve,
    clean_title,
    parse_command,
    parse_user,
)
from tests.domain.policies import POLICY, S_POLICY, VALID_LISTING

FAST = settings(max_examples=200, deadline=None)

VERBS = [
    "", "declare", "update", "role", "severity", "sev", "note", "resolve", "reopen", "status", "summary",
    "list", "help", "ack", "escalate", "oncall", "runbook", "SEV1", "sev2", "P0", "critical", "SEV9", "S3",
]  # fmt: skip
SEVERITY_WORDS = [
    "SEV1", "sev1", "Sev2", "SEV3", "sev4", "P0", "p1", "P2", "p3", "critical", "HIGH", "minor", "sev-1",
]  # fmt: skip
SEV_SHAPED = st.builds(
    lambda prefix, n: f"{prefix}{n}",
    st.sampled_from(["SEV", "sev", "Sev", "SEV-", "sev-"]),
    st.integers(0, 999),
)

# Text that looks like real commands: a known verb (or severity word) followed by anything.
command_like = st.builds(
    lambda verb, sep, rest: f"{verb}{sep}{rest}",
    st.sampled_from(VERBS),
    st.sampled_from([" ", "  ", "\t", "\n", " \u00a0"]),
    st.text(max_size=300),
)
any_text = st.one_of(st.text(max_size=400), command_like)
title_text = st.one_of(
    st.text(max_size=3000),
    st.lists(st.text(min_size=1, max_size=30), max_size=200).map(" ".join),
)


@FAST
@given(any_text)
@example("SEV9 x")
@example("role ic <@U1|a b> c")
@example("severity")
@example("\u2028\u2029")
@example("update \u0085")
def test_parse_command_only_ever_raises_command_error(text: str) -> None:
    for policy in (POLICY, S_POLICY):
        try:
            command = parse_command(text, policy)
        except CommandError as exc:
            assert str(exc), "errors always explain themselves"
            continue
        if isinstance(command, Declare):
            assert command.title.strip()
            assert len(command.title) <= MAX_TITLE
        elif isinstance(command, OpenDeclareModal):
            assert len(command.title) <= MAX_TITLE
        elif isinstance(command, PostUpdate | AddNote):
            assert command.text.strip() and len(command.text) <= MAX_TEXT
        elif isinstance(command, Resolve):
            assert command.summary.strip() and len(command.summary) <= MAX_TEXT
        elif isinstance(command, Reopen):
            assert command.reason.strip() and len(command.reason) <= MAX_TEXT


@FAST
@given(st.sampled_from(SEVERITY_WORDS), st.booleans(), title_text)
def test_declared_titles_are_never_empty_and_at_most_150(word: str, keyword: bool, title: str) -> None:
    text = f"{'declare ' if keyword else ''}{word} {title}"
    command = parse_command(text, POLICY)
    assert isinstance(command, Declare | OpenDeclareModal)
    assert command.severity == POLICY.lookup(word)
    if not title.strip():
        assert command == OpenDeclareModal(severity=POLICY.lookup(word))
        return
    assert isinstance(command, Declare)
    assert command.title
    assert command.title == command.title.strip()
    assert len(command.title) <= MAX_TITLE
    assert "  " not in command.title
    collapsed = " ".join(title.split())
    if len(collapsed) <= MAX_TITLE:
        assert command.title == collapsed
        assert command.description == ""
    else:
        assert command.title.endswith("…")
        assert collapsed.startswith(command.title[:-1])
        assert command.description == title.strip()


@FAST
@given(st.text(max_size=3000))
def test_clean_title_is_bounded_and_collapsed(title: str) -> None:
    cleaned = clean_title(title)
    assert len(cleaned) <= MAX_TITLE
    assert cleaned == " ".join(cleaned.split())
    assert bool(cleaned) == bool(title.split())
    assert clean_title(cleaned) == cleaned


@FAST
@given(
    SEV_SHAPED,
    st.text(max_size=50),
)
def test_unknown_sev_words_always_list_the_valid_severities(word: str, title: str) -> None:
    assume(POLICY.lookup(word) is None)
    for text in (f"{word} {title}", f"declare {word} {title}", f"severity {word}"):
        try:
            parse_command(text, POLICY)
        except CommandError as exc:
            assert VALID_LISTING in str(exc)
        else:
            raise AssertionError(f"{text!r} was accepted")


USER_ID = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("UW"),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=12),
)


@FAST
@given(USER_ID, st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters=">"), max_size=40)))
def test_parse_user_reads_escaped_mentions(user_id: str, name: str | None) -> None:
    token = f"<@{user_id}>" if name is None else f"<@{user_id}|{name}>"
    assert parse_user(token) == user_id
    assert parse_user(f"  {token}\n") == user_id


@FAST
@given(USER_ID, st.text(alphabet=st.characters(blacklist_characters=">\n"), max_size=30))
def test_role_takes_any_escaped_mention(user_id: str, name: str) -> None:
    assert parse_command(f"role ic <@{user_id}|{name}>", POLICY) == AssignRole("ic", user_id)


@FAST
@given(st.text(max_size=60))
@example("<@U123ABC|x>>")
@example("U123ABC\n")
def test_parse_user_returns_a_user_id_or_none(token: str) -> None:
    result = parse_user(token)
    if result is not None:
        assert re.fullmatch(r"[UW][A-Z0-9]{2,}", result)
        assert result in token
