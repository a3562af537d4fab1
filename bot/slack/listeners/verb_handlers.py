"""One typed handler per ``/incident`` verb, bound to the verb table's keys in ``ROUTES``."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import grammar as g
from bot.domain.commands import PostmortemDone, PostmortemSkip, ShowPostmortem
from bot.domain.usage import help_text
from bot.domain.verbs import Verb
from bot.services.errors import NotAnIncidentChannel, UserError
from bot.services.read_models import IncidentView
from bot.services.timeline import Timeline
from bot.slack.blocks import card, duplicates, messages, modals
from bot.slack.blocks import drafts as draft_blocks
from bot.slack.blocks import followups as fu_blocks
from bot.slack.blocks import publish as publish_blocks
from bot.slack.blocks import runbooks as rb_blocks
from bot.slack.blocks import timeline as timeline_blocks
from bot.slack.blocks.common import channel_link
from bot.slack.blocks.oncall import oncall_text
from bot.slack.listeners import postmortem_verbs
from bot.slack.listeners.command_request import Anywhere, CommandRequest, InIncident, Route
from bot.slack.listeners.people import display_name, require_person


def _declare(cmd: g.Declare, req: CommandRequest) -> None:
    result = req.services.incidents.declare(
        reporter_id=req.user_id,
        severity=cmd.severity,
        title=cmd.title,
        description=cmd.description,
        request_key=req.request_key or None,
        notify={"response_url": req.response_url, "channel_id": req.channel_id},
    )
    if not result.created:
        asked = duplicates.Asked(cmd.severity.id, cmd.title, cmd.description, req.request_key, req.channel_id)
        text, blocks = duplicates.duplicate_declaration(result.incident, asked)
        req.say(text, [b.to_dict() for b in blocks])


def _declaring(cmd: g.Declare) -> str:
    return f":hourglass_flowing_sand: Declaring *{cmd.severity.id}* {cmd.title.rstrip('….')}…"  # one ellipsis


def _open_form(cmd: g.OpenDeclareModal, req: CommandRequest) -> None:
    severities = req.services.ctx.playbooks.severities
    req.client.views_open(
        trigger_id=req.trigger_id,
        view=modals.declare_modal(severities, cmd.title, cmd.severity, req.channel_id),
    )


def _list(cmd: g.ListIncidents, req: CommandRequest) -> None:
    seen = req.services.incidents.list_for(req.user_id)
    blocks = [b.to_dict() for b in messages.incident_list(seen.shown, req.services.ctx.clock(), seen.hidden)]
    req.say(messages.incident_count_text(len(seen.shown), seen.hidden), blocks)


def _oncall(cmd: g.ShowOncall, req: CommandRequest) -> None:
    oncall = req.services.oncall
    req.say(oncall_text(oncall.schedules(), oncall.clock(), oncall.people.person))


def _help(cmd: g.ShowHelp, req: CommandRequest) -> None:
    sev = req.services.ctx.playbooks.severities.describe_valid()
    req.say(help_text() + f"\n\n_Severities:_ {sev}")


def _update(cmd: g.PostUpdate, req: CommandRequest, inc: IncidentView) -> None:
    req.services.incidents.post_update(inc.id, req.user_id, cmd.text, cmd.status, request_key=req.request_key or None)


def _role(cmd: g.AssignRole, req: CommandRequest, inc: IncidentView) -> None:
    require_person(req.client, cmd.user_id)
    req.services.incidents.assign_role(
        inc.id, cmd.role_word, cmd.user_id, req.user_id, request_key=req.request_key or None
    )


def _severity(cmd: g.ChangeSeverity, req: CommandRequest, inc: IncidentView) -> None:
    req.services.incidents.change_severity(inc.id, req.user_id, cmd.severity.id, request_key=req.request_key or None)


def _note(cmd: g.AddNote, req: CommandRequest, inc: IncidentView) -> None:
    req.services.incidents.add_note(inc.id, req.user_id, cmd.text, request_key=req.request_key or None)
    req.say(":memo: Added to the timeline.")


def _ack(cmd: g.Acknowledge, req: CommandRequest, inc: IncidentView) -> None:
    result = req.services.incidents.acknowledge(inc.id, req.user_id, request_key=req.request_key or None)
    if result.already_by:
        req.say(f"Already acknowledged by <@{result.already_by}>.")


def _escalate(cmd: g.Escalate, req: CommandRequest, inc: IncidentView) -> None:
    req.say(f":pager: {req.services.escalation.escalate(inc.id, req.user_id, request_key=req.request_key or None)}")


def _runbook(cmd: g.Runbook, req: CommandRequest, inc: IncidentView) -> None:
    service = req.services.runbooks
    if cmd.runbook_id:
        attached = service.attach(inc.id, cmd.runbook_id, req.user_id, settings=dict(cmd.settings))
        with_ = ", ".join(f"`{k}={v}`" for k, v in cmd.settings)
        req.say(
            f":paperclip: Attached *{attached.runbook.title}*"
            + (f" with {with_}" if with_ else "")
            + "; the checklist is being posted here."
        )
        return
    _runbook_list(req, inc)


def _runbook_elsewhere(cmd: g.Runbook, req: CommandRequest) -> None:
    """Outside an incident channel the list still helps; attaching needs the incident."""
    if cmd.runbook_id:
        raise NotAnIncidentChannel("runbook")
    _runbook_list(req, None)


def _runbook_list(req: CommandRequest, inc: IncidentView | None) -> None:
    service = req.services.runbooks
    runbooks = service.available()
    attached_ids = [a.runbook.id for a in service.attached_for(inc.id)] if inc else []
    suggested = [rb.id for rb in service.suggestions(inc.title)] if inc else []
    blocks = rb_blocks.runbook_list(runbooks, inc.id if inc else None, attached_ids, suggested)
    req.say(f"{len(runbooks)} runbooks", [b.to_dict() for b in blocks])


def _resolve(cmd: g.Resolve, req: CommandRequest, inc: IncidentView) -> None:
    req.services.incidents.resolve(
        inc.id, req.user_id, cmd.summary, root_cause=cmd.root_cause, request_key=req.request_key or None
    )


def _reopen(cmd: g.Reopen, req: CommandRequest, inc: IncidentView) -> None:
    if cmd.ref and cmd.ref != inc.ref:
        _reopen_elsewhere(cmd, req)
        return
    req.services.incidents.reopen(inc.id, req.user_id, cmd.reason, request_key=req.request_key or None)


def _reopen_elsewhere(cmd: g.Reopen, req: CommandRequest) -> None:
    """``reopen INC-… <reason>`` from any channel: the way back into an incident whose channel is archived."""
    if not cmd.ref:
        raise NotAnIncidentChannel("reopen")
    target = req.services.incidents.by_ref(cmd.ref)
    done = req.services.incidents.reopen(target.id, req.user_id, cmd.reason, request_key=req.request_key or None)
    where = channel_link(done.channel_id, done.channel_name)
    archived = " Its channel was archived: it is being unarchived." if done.channel_archived_at else ""
    req.say(f":repeat: *{done.ref}* is reopened ({where}).{archived}")


def _timeline(cmd: g.ShowTimeline, req: CommandRequest, inc: IncidentView) -> None:
    if cmd.ref and cmd.ref != inc.ref:
        _timeline_elsewhere(cmd, req)
        return
    _show_timeline(req, req.services.timeline.of_channel(req.channel_id, req.user_id))


def _timeline_elsewhere(cmd: g.ShowTimeline, req: CommandRequest) -> None:
    if not cmd.ref:
        raise UserError(
            "`/incident timeline` shows the timeline of this channel's incident; elsewhere name it: "
            "`/incident timeline INC-2026-0042`."
        )
    _show_timeline(req, req.services.timeline.of_ref(cmd.ref, req.user_id))


def _show_timeline(req: CommandRequest, found: Timeline) -> None:
    text, blocks = timeline_blocks.timeline_page(found.incident, found.entries)
    req.say(text, [b.to_dict() for b in blocks])


def _status(cmd: g.ShowStatus, req: CommandRequest, inc: IncidentView) -> None:
    now = req.services.ctx.clock()
    blocks = [b.to_dict() for b in card.incident_card(inc, now, interactive=False)]
    req.say(card.card_fallback_text(inc), blocks)


def _summary(cmd: g.PostSummary, req: CommandRequest, inc: IncidentView) -> None:
    req.services.incidents.request_summary(inc.id, req.user_id, request_key=req.request_key or None)


def _draft(cmd: g.Draft, req: CommandRequest, inc: IncidentView) -> None:
    service = req.services.drafts
    if cmd.template is None:
        req.say(draft_blocks.draft_list(service.available()))
        return
    names: dict[str, str] = {}

    def person(user_id: str) -> str:
        # Drafts leave Slack (email, status page, wiki): people by name, not as <@U…> mentions.
        if user_id not in names:
            names[user_id] = display_name(req.client, user_id)
        return names[user_id]

    draft = service.draft(inc.id, cmd.template, person, req.user_id)
    req.say(
        f"Draft: {draft.label} for {draft.incident.ref}",
        [b.to_dict() for b in draft_blocks.draft_message(draft)],
    )


def _followup(cmd: g.AddFollowup, req: CommandRequest, inc: IncidentView) -> None:
    if cmd.owner_id:
        require_person(req.client, cmd.owner_id)
    item = req.services.followups.add(
        inc.id, req.user_id, cmd.text, cmd.owner_id, cmd.due_on, request_key=req.request_key or None
    )
    req.say(f":pushpin: Follow-up recorded: {fu_blocks.followup_line(item)}")


def _followup_done(cmd: g.CloseFollowup, req: CommandRequest, inc: IncidentView) -> None:
    item = req.services.followups.close(inc.id, cmd.number, req.user_id, request_key=req.request_key or None)
    req.say(f":white_check_mark: Follow-up #{item.number} closed: {item.text}")


def _followups(cmd: g.ListFollowups, req: CommandRequest, inc: IncidentView) -> None:
    found = req.services.followups.of_incident(inc.id)
    if not found.items:
        req.say(f"{inc.ref} has no open follow-ups. Add one with `/incident followup <text>`.")
        return
    title = f"*Open follow-ups of {inc.ref}* ({len(found.items)})"
    blocks = fu_blocks.followup_list(title, found.items, req.services.ctx.clock())
    req.say(f"{len(found.items)} open follow-ups", [b.to_dict() for b in blocks])


def _my_followups(cmd: g.MyFollowups, req: CommandRequest) -> None:
    found = req.services.followups.mine(req.user_id)
    hidden = (
        f"{found.hidden} more in private incidents whose channel you are not in" if found.hidden else ""
    )
    if not found.items:
        req.say("You have no open follow-ups." + (f" ({hidden}.)" if hidden else ""))
        return
    title = f"*Your open follow-ups* ({len(found.items)})"
    blocks = fu_blocks.followup_list(title, found.items, req.services.ctx.clock(), with_ref=True, footer=hidden)
    req.say(f"{len(found.items)} open follow-ups", [b.to_dict() for b in blocks])


def _public(cmd: g.Publish, req: CommandRequest, inc: IncidentView) -> None:
    form = req.services.publications.form(inc.id, req.user_id, cmd.message)
    req.client.views_open(trigger_id=req.trigger_id, view=publish_blocks.publish_modal(form))


ROUTES: Mapping[Verb, Route] = {
    Verb.DECLARE: Anywhere(g.Declare, _declare, ack_text=_declaring),
    Verb.OPEN_FORM: Anywhere(g.OpenDeclareModal, _open_form),
    Verb.LIST: Anywhere(g.ListIncidents, _list),
    Verb.ONCALL: Anywhere(g.ShowOncall, _oncall),
    Verb.HELP: Anywhere(g.ShowHelp, _help),
    Verb.UPDATE: InIncident(g.PostUpdate, _update),
    Verb.ROLE: InIncident(g.AssignRole, _role),
    Verb.SEVERITY: InIncident(g.ChangeSeverity, _severity),
    Verb.NOTE: InIncident(g.AddNote, _note),
    Verb.ACK: InIncident(g.Acknowledge, _ack),
    Verb.ESCALATE: InIncident(g.Escalate, _escalate),
    Verb.RUNBOOK: InIncident(g.Runbook, _runbook, outside=_runbook_elsewhere),
    Verb.RESOLVE: InIncident(g.Resolve, _resolve),
    Verb.REOPEN: InIncident(g.Reopen, _reopen, outside=_reopen_elsewhere),
    Verb.STATUS: InIncident(g.ShowStatus, _status),
    Verb.SUMMARY: InIncident(g.PostSummary, _summary),
    Verb.DRAFT: InIncident(g.Draft, _draft),
    Verb.FOLLOWUP: InIncident(g.AddFollowup, _followup),
    Verb.FOLLOWUP_DONE: InIncident(g.CloseFollowup, _followup_done),
    Verb.FOLLOWUPS: InIncident(g.ListFollowups, _followups),
    Verb.MY_FOLLOWUPS: Anywhere(g.MyFollowups, _my_followups),
    Verb.POSTMORTEM: InIncident(ShowPostmortem, postmortem_verbs.show),
    Verb.POSTMORTEM_DONE: InIncident(PostmortemDone, postmortem_verbs.done),
    Verb.POSTMORTEM_SKIP: InIncident(PostmortemSkip, postmortem_verbs.skip),
    Verb.PUBLIC: InIncident(g.Publish, _public),
    Verb.TIMELINE: InIncident(g.ShowTimeline, _timeline, outside=_timeline_elsewhere),
}

# The verbs that change something: written down before the ack, so a crash after it cannot lose them.
# (Opening a form cannot be redone: its trigger_id expires in 3 seconds.)
WRITES: frozenset[Verb] = frozenset(
    {
        Verb.DECLARE,
        Verb.UPDATE,
        Verb.ROLE,
        Verb.SEVERITY,
        Verb.NOTE,
        Verb.ACK,
        Verb.ESCALATE,
        Verb.RUNBOOK,
        Verb.RESOLVE,
        Verb.REOPEN,
        Verb.SUMMARY,
        Verb.FOLLOWUP,
        Verb.FOLLOWUP_DONE,
        Verb.POSTMORTEM_DONE,
        Verb.POSTMORTEM_SKIP,
    }
)
