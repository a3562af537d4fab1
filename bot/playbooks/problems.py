"""Validation problems found in playbook files, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one playbook file: ``file:line: key: message``.

    ``file`` is relative to the playbooks directory (``runbooks/api-down.yaml``), ``line`` is 1-based
    (``None`` when the file itself is missing), ``key`` is a dotted path such as
    ``severities.SEV1.respond_within`` or ``diagnosis[2].operation`` (``-`` for the whole file).
    """

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key or '-'}: {self.message}"


class PlaybookError(ValueError):
    """Raised by ``load_playbooks`` when any playbook file is invalid; lists every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self.describe())

    def describe(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in playbooks"
        return "\n".join([head, *(str(p) for p in self.problems)])
