"""How ``/incident postmortem [done <link> | skip <reason>]`` reads the words after the verb."""

from __future__ import annotations

from bot.domain.arguments import Words, required_text, split
from bot.domain.commands import Command, CommandError, PostmortemDone, PostmortemSkip, ShowPostmortem
from bot.domain.postmortems import DONE_USAGE, SKIP_USAGE, BadLink, check_link

USAGE = f"`/incident postmortem` (its state), `/incident {DONE_USAGE}` or `/incident {SKIP_USAGE}`"


def postmortem(words: Words) -> Command:
    """``postmortem`` shows the state; ``done <link>`` needs an http(s) link; ``skip <reason>`` a reason."""
    first, rest = split(words.rest)
    what = first.casefold()
    if not first:
        return ShowPostmortem()
    if what == "done":
        if not rest:
            raise CommandError(f"Where is the post-mortem? Usage: `/incident {DONE_USAGE}`. Nothing was recorded.")
        if len(rest.split()) > 1:
            raise CommandError(f"Give just the link. Usage: `/incident {DONE_USAGE}`. Nothing was recorded.")
        try:
            return PostmortemDone(check_link(rest))
        except BadLink as exc:
            raise CommandError(f"{exc} Nothing was recorded.") from None
    if what in ("skip", "skipped"):
        if not rest:
            raise CommandError(
                f"Why is there no post-mortem? Usage: `/incident {SKIP_USAGE}`. Nothing was recorded."
            )
        return PostmortemSkip(required_text(rest, "reason", SKIP_USAGE))
    raise CommandError(f"`{words.verb} {words.rest}` is not understood. Usage: {USAGE}.")
