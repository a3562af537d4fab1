"""Suggest runbooks for an incident title from their ``match`` keywords, rarest keywords weighing most."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, TypeVar

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset({"a", "an", "and", "or", "the", "of", "on", "in", "to", "for", "with"})
TITLE_WORD_WEIGHT = 0.25


class Matchable(Protocol):
    @property
    def match(self) -> list[str]: ...

    @property
    def title(self) -> str: ...


R = TypeVar("R", bound=Matchable)


def tokens(text: str) -> list[str]:
    """Lowercase words with a plain plural ``s`` removed, so ``payments`` matches ``payment``."""
    out = []
    for word in _WORD.findall(text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def _contains(haystack: list[str], needle: list[str]) -> bool:
    size = len(needle)
    return size > 0 and any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def match_runbooks(runbooks: Sequence[R], title: str) -> list[R]:
    """Runbooks with at least one keyword (a word or phrase) in ``title``, best first.

    A keyword scores ``1 / (number of runbooks using it)``, so a keyword shared by many runbooks
    (``down``) counts less than one only a single runbook has (``payment``); phrases add a bonus
    per extra word. Among runbooks with a keyword match, each title word of the runbook that also
    appears in ``title`` adds a little, to break ties. Remaining ties keep file order.
    """
    words = tokens(title)
    keyword_sets = [{" ".join(tokens(k)) for k in rb.match} - {""} for rb in runbooks]
    spread = Counter(k for keys in keyword_sets for k in keys)
    scored: list[tuple[float, int, R]] = []
    for index, (runbook, keys) in enumerate(zip(runbooks, keyword_sets, strict=True)):
        score = 0.0
        for key in keys:
            parts = key.split()
            if _contains(words, parts):
                score += 1.0 / spread[key] + 0.5 * (len(parts) - 1)
        if score > 0:
            score += TITLE_WORD_WEIGHT * len((set(tokens(runbook.title)) - _STOPWORDS) & set(words))
            scored.append((-score, index, runbook))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [runbook for _score, _index, runbook in scored]
