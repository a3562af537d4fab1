"""Every ``/incident`` verb of the table has exactly one handler, of the kind its scope says."""

from __future__ import annotations

import typing

from bot.domain import commands as c
from bot.domain.verbs import BY_KEY, BY_WORD, VERBS, Scope, Verb, spec_for
from bot.slack.listeners.command_request import Anywhere, InIncident
from bot.slack.listeners.verb_handlers import ROUTES


def test_every_verb_has_exactly_one_handler() -> None:
    assert sorted(ROUTES) == sorted(Verb)
    assert [spec.key for spec in VERBS] == list(dict.fromkeys(spec.key for spec in VERBS)), "one row per verb"


def test_each_handler_takes_its_verbs_command_and_knows_where_it_runs() -> None:
    for verb, route in ROUTES.items():
        spec = BY_KEY[verb]
        assert route.command is spec.command, verb
        expected = Anywhere if spec.scope is Scope.ANYWHERE else InIncident
        assert isinstance(route, expected), f"{verb} is {spec.scope} but its handler is {type(route).__name__}"


def test_every_command_comes_from_exactly_one_verb() -> None:
    kinds = typing.get_args(c.Command)
    assert sorted(k.__name__ for k in kinds) == sorted(spec.command.__name__ for spec in VERBS)
    for kind in kinds:
        assert [s.key for s in VERBS if s.command is kind] == [spec_for(kind.__new__(kind)).key]


def test_no_word_names_two_verbs() -> None:
    words = [word for spec in VERBS for word in spec.words]
    assert len(words) == len(set(words)) == len(BY_WORD)
    assert all(word == word.casefold() for word in words)
