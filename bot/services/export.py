"""One incident as a document in the playbooks' incident-template shape (YAML, JSON or Markdown), for tools."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import yaml

from bot.domain.export_text import plain_text
from bot.domain.followups import FollowUpView
from bot.services.drafts import STORY_KINDS
from bot.services.errors import UserError
from bot.services.read_models import EntryView, IncidentView, entry_view, incident_view
from bot.storage import followups as follow_ups
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork

FORMATS = ("yaml", "json", "markdown")
Person = Callable[[str], str]

# How a timeline row reads when its kind says more than its text.
_PREFIX = {
    "declared": "Declared",
    "update": "Update",
    "heartbeat": "No change",
    "note": "Note",
    "severity_changed": "Severity",
    "role_assigned": "Role",
    "resolved": "Resolved",
    "reopened": "Reopened",
    "runbook_attached": "Runbook attached",
    "runbook_step_done": "Runbook step done",
    "runbook_step_run": "Runbook step run",
}


class UnknownIncident(UserError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"no incident {ref!r}; references look like INC-2026-0042 (`/incident list` shows them)"
        )


class ExportService:
    """Reads one incident, its timeline and its follow-ups; writes nothing."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def document(self, ref: str, person: Person) -> dict[str, Any]:
        with self.uow() as session:
            row = repo.incident_by_ref(session, ref.strip().upper())
            if row is None:
                raise UnknownIncident(ref)
            incident = incident_view(row)
            entries = [entry_view(e) for e in repo.timeline(session, row.id)]
            items = [follow_ups.view(f, row) for f in follow_ups.of_incident(session, row.id)]
        return incident_document(incident, entries, items, person)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def incident_document(
    incident: IncidentView, entries: Sequence[EntryView], items: Sequence[FollowUpView], person: Person
) -> dict[str, Any]:
    """``{"incident": {...}}`` with the template's keys; people by name, no Slack markup."""

    def text(value: str) -> str:
        return plain_text(value, person).strip()

    duration = incident.duration(incident.resolved_at or datetime.now(UTC))
    timeline = []
    for entry in entries:
        if entry.kind not in STORY_KINDS:
            continue
        what = text(entry.text)
        prefix = _PREFIX.get(entry.kind)
        if prefix and what:
            what = f"{prefix}: {what}"
        timeline.append(
            {
                "at": iso(entry.occurred_at),
                "by": person(entry.actor_id) if entry.actor_id else None,
                "what": what or entry.kind.replace("_", " "),
            }
        )
    return {
        "incident": {
            "id": incident.ref,
            "severity": incident.severity.id,
            "title": text(incident.title),
            "started_at": iso(incident.declared_at),
            "detected_by": person(incident.reporter_id),
            "resolved_at": iso(incident.resolved_at),
            "impact": {
                "summary": text(incident.impact),
                "duration_minutes": int(duration.total_seconds() // 60) if incident.resolved_at else None,
            },
            "root_cause": text(incident.root_cause),
            "resolution": text(incident.resolution_summary),
            "timeline": timeline,
            "action_items": [
                {
                    "what": text(item.text),
                    "owner": person(item.owner_id) if item.owner_id else None,
                    "due": item.due_on.isoformat() if item.due_on else None,
                    "done_at": iso(item.done_at),
                }
                for item in items
            ],
        }
    }


def render(document: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))
    if fmt == "markdown":
        return markdown(document["incident"])
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def markdown(doc: dict[str, Any]) -> str:
    impact = doc["impact"]
    lines = [
        f"# {doc['id']}: {doc['title']}",
        "",
        f"- **Severity:** {doc['severity']}",
        f"- **Started:** {doc['started_at']}",
        f"- **Detected by:** {doc['detected_by']}",
        f"- **Resolved:** {doc['resolved_at'] or 'not yet'}",
    ]
    if impact["duration_minutes"] is not None:
        lines.append(f"- **Duration:** {impact['duration_minutes']} min")
    for title, value in (
        ("Impact", impact["summary"]),
        ("Root cause", doc["root_cause"]),
        ("Resolution", doc["resolution"]),
    ):
        lines += ["", f"## {title}", "", value or "_Not recorded._"]
    lines += ["", "## Timeline", ""]
    lines += [f"- {row['at']} · {row['by'] or 'the bot'}: {row['what']}" for row in doc["timeline"]] or [
        "_Empty._"
    ]
    lines += ["", "## Action items", ""]
    items = []
    for item in doc["action_items"]:
        extra = [f"owner {item['owner']}"] if item["owner"] else []
        extra += [f"due {item['due']}"] if item["due"] else []
        box = "x" if item["done_at"] else " "
        items.append(f"- [{box}] {item['what']}" + (f" ({', '.join(extra)})" if extra else ""))
    lines += items or ["_None._"]
    return "\n".join(lines) + "\n"
