"""Communication drafts: the playbook's templates filled in from an incident and its timeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.durations import format_duration
from bot.domain.export_text import emoji_text, plain_text
from bot.domain.followups import FollowUpView
from bot.domain.metrics import Event, lifecycle
from bot.domain.status import Status
from bot.playbooks.templates import TEMPLATE_NAMES, Templates
from bot.services.context import ServiceContext
from bot.services.errors import IncidentNotFound, UserError
from bot.services.read_models import EntryView, IncidentView, entry_view, incident_view
from bot.storage import followups as follow_ups
from bot.storage import repositories as repo

# What people type after ``/incident draft``, to the template it means.
ALIASES: dict[str, str] = {
    "status": "status_update",
    "update": "status_update",
    "status_update": "status_update",
    "internal": "internal_notification",
    "internal_notification": "internal_notification",
    "external": "external_notification",
    "external_notification": "external_notification",
    "customer": "external_notification",
    "resolution": "resolution",
    "resolved": "resolution",
    "postmortem": "postmortem",
    "post-mortem": "postmortem",
    "pm": "postmortem",
}
LABELS: dict[str, str] = {
    "status_update": "Status update",
    "internal_notification": "Internal notification",
    "external_notification": "External notification",
    "resolution": "Resolution notice",
    "postmortem": "Post-mortem",
}
SHORT: dict[str, str] = {
    "status_update": "status",
    "internal_notification": "internal",
    "external_notification": "external",
    "resolution": "resolution",
    "postmortem": "postmortem",
}
assert set(LABELS) == set(SHORT) == set(TEMPLATE_NAMES)

# Timeline kinds that tell the story; bookkeeping rows (card refreshes, refusals) stay out of drafts.
STORY_KINDS = frozenset(
    {
        "declared",
        "update",
        "heartbeat",
        "note",
        "severity_changed",
        "role_assigned",
        "acknowledged",
        "escalated",
        "paged",
        "nobody_acknowledged",
        "runbook_attached",
        "runbook_step_done",
        "runbook_step_run",
        "resolved",
        "reopened",
    }
)
TIMELINE_LINES = 80

Person = Callable[[str], str]


@dataclass(frozen=True)
class Draft:
    """A filled-in template, ready to copy."""

    template: str
    label: str
    incident: IncidentView
    text: str


def stamp(moment: datetime | None) -> str:
    """A time as people write it in an email or a status page: ``2026-11-30 14:05 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def action_items(followups: Sequence[FollowUpView], person: Person) -> str:
    """The follow-ups as a Markdown task list: ``- [ ] #1 Add an alert (owner: Bob Baker, due 2026-12-15)``."""
    lines = []
    for item in followups:
        details = ([f"owner: {person(item.owner_id)}"] if item.owner_id else []) + (
            [f"due {item.due_on.isoformat()}"] if item.due_on else []
        )
        if item.done_at:
            details.append(f"done {item.done_at.strftime('%Y-%m-%d')}")
        mark = "x" if item.done_at else " "
        lines.append(f"- [{mark}] #{item.number} {item.text}" + (f" ({', '.join(details)})" if details else ""))
    return "\n".join(lines)


def took(moment: timedelta | None) -> str:
    """A metric as the post-mortem shows it: ``12m 5s``, or ``not recorded``."""
    return format_duration(moment) if moment is not None else "not recorded"


def metric_values(incident: IncidentView, entries: Sequence[EntryView]) -> dict[str, str]:
    """Time to acknowledge, to mitigate (first reached monitoring) and to resolve, from the recorded events."""
    events = [Event(e.kind, e.occurred_at, str(e.data.get("status") or "") or None) for e in entries]
    times = lifecycle(incident.declared_at, events)
    return {
        "time_to_acknowledge": took(times.time_to_acknowledge),
        "time_to_mitigate": took(times.time_to_mitigate),
        "time_to_resolve": took(times.time_to_resolve),
    }


def draft_values(
    incident: IncidentView,
    entries: Sequence[EntryView],
    now: datetime,
    person: Person,
    followups: Sequence[FollowUpView] = (),
) -> dict[str, object]:
    """Every template placeholder's value for this incident; unknown ones are left empty."""

    def holder(role_id: str) -> str:
        uid = incident.holder(role_id)
        return person(uid) if uid else ""

    updates = [e for e in entries if e.kind in ("update", "heartbeat")]
    story = [e for e in entries if e.kind in STORY_KINDS][-TIMELINE_LINES:]
    timeline = "\n".join(
        f"- {stamp(e.occurred_at)}: {e.text}" + (f" ({person(e.actor_id)})" if e.actor_id else "")
        for e in story
    )
    due = incident.severity.postmortem_within
    resolved = incident.resolved_at
    values: dict[str, object] = {
        "incident_ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity.id,
        "severity_name": incident.severity.name,
        "status": incident.status.value.capitalize(),
        "summary": incident.last_update_text or incident.description or incident.title,
        "description": incident.description,
        "impact": incident.impact,
        "next_update": stamp(incident.next_update_due_at) if incident.status.is_open else "",
        "duration": format_duration(incident.duration(now)),
        "root_cause": incident.root_cause,
        "resolution": incident.resolution_summary,
        "ic": holder("ic"),
        "tech_lead": holder("tech_lead"),
        "comms": holder("comms"),
        "reporter": person(incident.reporter_id),
        "channel": f"#{incident.channel_name}" if incident.channel_name else "",
        "started_at": stamp(incident.declared_at),
        "resolved_at": stamp(resolved),
        "updated_at": stamp(incident.last_update_at),
        "update_number": len(updates) + 1,
        "actions": incident.last_update_text,
        "eta": "",
        "status_page": "",
        "timeline": timeline,
        "action_items": action_items(followups, person),
        "postmortem_due": stamp(resolved + due) if resolved and due else "",
        **metric_values(incident, entries),
    }
    # Drafts leave Slack: no <@U…> mentions, raw e-mail addresses or shortcodes in what gets pasted.
    return {k: plain_text(v, person) if isinstance(v, str) else v for k, v in values.items()}


class DraftService:
    """Fills the playbook's templates for an incident; nothing is posted or stored."""

    def __init__(self, ctx: ServiceContext, templates: Callable[[], Templates]) -> None:
        self.ctx = ctx
        self._templates = templates

    def available(self) -> list[str]:
        """Short names of the templates this playbooks directory ships, in the usual order."""
        shipped = self._templates()
        return [SHORT[name] for name in TEMPLATE_NAMES if name in shipped]

    def draft(self, incident_id: int, word: str, person: Person, actor_id: str) -> Draft:
        """The filled-in template; a private incident's only for the members of its channel."""
        name = ALIASES.get(word.casefold())
        templates = self._templates()
        if name is None or name not in templates:
            choices = (
                ", ".join(f"`{n}`" for n in self.available()) or "none (this playbook has no templates/)"
            )
            raise UserError(f"There is no `{word}` template. Available drafts: {choices}.")
        with self.ctx.uow() as session:
            row = repo.get_incident(session, incident_id)
            if row is None:
                raise IncidentNotFound()
            self.ctx.access.require_visible(row, actor_id)
            incident = incident_view(row)
            entries = [entry_view(e) for e in repo.timeline(session, incident_id)]
            followups = [follow_ups.view(f, row) for f in follow_ups.of_incident(session, incident_id)]
        if name == "resolution" and incident.status is not Status.RESOLVED:
            raise UserError(
                f"*{incident.ref}* is not resolved yet; `/incident resolve <summary>` first, "
                "then draft the resolution notice."
            )
        values = draft_values(incident, entries, self.ctx.clock(), person, followups)
        text = emoji_text(templates.render(name, values) or "")
        return Draft(name, LABELS[name], incident, text.strip())
