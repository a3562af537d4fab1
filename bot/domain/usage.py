"""The help text of ``/incident``, generated from the verb table (``bot.domain.verbs``)."""

from __future__ import annotations

from bot.domain.verbs import VERBS, Scope, VerbSpec

# The rows ``help`` and the playbooks' checks read (``spec.verb``, ``usage``, ``summary``, ``scope``).
SPECS: tuple[VerbSpec, ...] = VERBS

__all__ = ["SPECS", "Scope", "help_text"]


def help_text() -> str:
    """Usage generated from ``VERBS``, grouped by where each verb works."""
    lines = ["*`/incident` commands*", "", "_Anywhere:_"]
    lines += [f"• `/incident {s.usage}`: {s.summary}" for s in VERBS if s.scope is Scope.ANYWHERE]
    lines += ["", "_Inside an incident channel:_"]
    lines += [f"• `/incident {s.usage}`: {s.summary}" for s in VERBS if s.scope is Scope.INCIDENT]
    return "\n".join(lines)
