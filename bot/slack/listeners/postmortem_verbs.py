"""The ``/incident postmortem`` handlers: its state, done with a link, skipped with a reason."""

from __future__ import annotations

from datetime import datetime

from bot.domain import commands as c
from bot.domain.postmortems import DONE_USAGE, SKIP_USAGE, PostmortemView
from bot.services.read_models import IncidentView
from bot.slack.blocks.common import when
from bot.slack.listeners.command_request import CommandRequest


def state_line(inc: IncidentView, pm: PostmortemView | None, now: datetime) -> str:
    """One line: done (link), skipped (reason), due or overdue, or not expected."""
    if pm is None or pm.state == "none":
        if inc.status.is_open:
            return f"The post-mortem of *{inc.ref}* is drafted when the incident is resolved."
        return f"*{inc.ref}*'s severity expects no post-mortem; `/incident {DONE_USAGE}` records one anyway."
    if pm.state == "done":
        return f":white_check_mark: The post-mortem of *{inc.ref}* is done: {pm.link} (<@{pm.done_by}>)."
    if pm.state == "skipped":
        return f":fast_forward: The post-mortem of *{inc.ref}* was skipped by <@{pm.skipped_by}>: {pm.skipped_reason}"
    assert pm.due_at is not None
    word = "was due" if pm.due_at <= now else "is due"
    return (
        f":memo: The post-mortem of *{inc.ref}* {word} {when(pm.due_at)}. When it is written, "
        f"`/incident {DONE_USAGE}`; or `/incident {SKIP_USAGE}`."
    )


def show(cmd: c.ShowPostmortem, req: CommandRequest, inc: IncidentView) -> None:
    pm = req.services.postmortems.get(inc.id, req.user_id)
    req.say(state_line(inc, pm, req.services.ctx.clock()))


def done(cmd: c.PostmortemDone, req: CommandRequest, inc: IncidentView) -> None:
    req.services.postmortems.done(inc.id, req.user_id, cmd.link, request_key=req.request_key or None)
    req.say(f":white_check_mark: Post-mortem of *{inc.ref}* recorded as done: {cmd.link}. The reminders stop.")


def skip(cmd: c.PostmortemSkip, req: CommandRequest, inc: IncidentView) -> None:
    req.services.postmortems.skip(inc.id, req.user_id, cmd.reason, request_key=req.request_key or None)
    req.say(f":fast_forward: Post-mortem of *{inc.ref}* skipped: {cmd.reason}. The reminders stop.")
