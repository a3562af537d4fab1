"""'Did you mean …?': the verbs closest to a mistyped ``/incident`` word, and which verbs need an incident."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from bot.domain.verbs import BY_WORD, VERBS, Scope

# Every word the grammar takes as a verb: names and aliases (``acknowledge``, ``sev``, ``on-call``…).
KNOWN_WORDS: tuple[str, ...] = tuple(word for spec in VERBS for word in spec.words)
# How alike a word must be to a verb (difflib's ratio) to be taken for a typo of it: "resolv" and "updat"
# are, "payments" and "outage" are not.
CUTOFF = 0.8


def closest_verbs(word: str, known: Iterable[str] = KNOWN_WORDS, n: int = 2) -> list[str]:
    """Up to ``n`` known verbs (or aliases) that ``word`` looks like a typo of, closest first."""
    return difflib.get_close_matches(word.casefold(), list(known), n=n, cutoff=CUTOFF)


def unknown_command(word: str, known: Iterable[str] = KNOWN_WORDS) -> str:
    """The answer to an unknown first word: the closest verbs, or where to find them all."""
    close = closest_verbs(word, known)
    if close:
        options = " or ".join(f"`{verb}`" for verb in close)
        return f"Unknown command `{word}`. Did you mean {options}? (`/incident help` lists them all.)"
    return f"Unknown command `{word}`. `/incident help` lists the commands."


def incident_only(word: str) -> bool:
    """Whether ``word`` (a verb or an alias) only works inside an incident channel."""
    spec = BY_WORD.get(word.casefold())
    return spec is not None and spec.scope is Scope.INCIDENT
