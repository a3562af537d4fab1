"""Outbox events: every kind round-trips through its payload, and rows written by earlier releases still read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import events as ev
from bot.domain.events import EVENT_TYPES, MalformedEvent, OutboxEvent, decode

AT = datetime(2026, 11, 30, 14, 5, 7, 123456, tzinfo=UTC)

# One fully populated example of every kind.
EXAMPLES: list[OutboxEvent] = [
    ev.IncidentDeclared(entry_id=1, notify={"response_url": "https://hooks.slack.test/r"}),
    ev.RoleAssigned(entry_id=2, role="ic", user="U0BOB", previous="U0ALICE"),
    ev.IncidentUpdated(entry_id=3),
    ev.SeverityChanged(entry_id=4, previous="SEV2"),
    ev.NoteAdded(entry_id=5),
    ev.IncidentResolved(entry_id=6),
    ev.IncidentReopened(entry_id=7),
    ev.IncidentAcknowledged(entry_id=8),
    ev.SummaryRequested(actor="U0CAROL"),
    ev.SlackPost(channel="C1", text="hi", blocks=[{"type": "divider"}], thread_ts="1.2"),
    ev.UploadFile.of(
        "INC-2026-0001-postmortem.md", "# Post-mortem\n", title="Post-mortem", channel="C1", thread_ts="1.2",
        initial_comment="Draft", record_as="postmortem:1:1",
    ),
    ev.RunbookAttached(attached_id=9, entry_id=10, suggestion={"channel": "C1", "ts": "3.4"}),
    ev.RunbookRefresh(attached_id=9),
    ev.RunbookStepResult(
        attached_id=9, step_id="s1", entry_id=11, actor="U0BOB", mutating=True, result={"ok": True, "fields": [["a", "b"]]}
    ),
    ev.PagePeople(level=1, reason="not acknowledged within 3s", at=AT, policy_id="fast", cycle=1, by="U0BOB"),
    ev.LongRunningPage(targets=("user:U0DAVE", "schedule:primary"), reason="SEV4 open for over 5s", at=AT, policy_id="p"),
    ev.ChainExhausted(cycles=2),
    ev.PagerAcknowledged(by="U0BOB"),
    ev.PagerResolved(),
    ev.UpdateReminder(
        due_at=AT, since_seconds=180, ignored=3, policy_id="fast", next_level=1, overdue=["status_page"]
    ),
    ev.FollowUpOverdue(number=2, owner="U0BOB", text="Add an alert", due_on="2026-12-15"),
    ev.StakeholderNotice(entry_id=13, moment="updated", key="INC-2026-0001:updated:13"),
    ev.DailyDigestPosted(digest={"day": "2026-12-02", "at": AT.isoformat(), "open_private": 1}, channel="leadership"),
    ev.PostmortemDraft(revision=2, export=True),
    ev.PostmortemReminder(owner="U0BOB", due_at=AT, nth=3),
    ev.PublishSuggested(),
    ev.UpdatePublished(update_id=4, actor="U0BOB"),
    ev.StatuspageSync(update_id=4),
    ev.StatuspageRefused(update_id=4, publisher="U0BOB", reason="HTTP 401: invalid API key"),
    ev.WeeklyReportPosted(
        since=AT, until=AT, rows=[{"severity": "all", "incidents": 2}], chart_b64="iVBO", chart_since=AT, channel="ops"
    ),
    ev.ExportIncident(ref="INC-2026-0001"),
    ev.MessageCaptured(entry_id=4, channel="C0INC", ts="1764712800.000100", fetch_text=False),
    ev.ChannelArchiveDue(due_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC)),
    ev.AlertsChanged(),
    ev.AlertResolved(name="PaymentsErrorRate", source="alertmanager", entry_id=13, all_resolved=True),
    ev.AlertNotice(
        ref="4:0", alert={"name": "disk", "labels": {"env": "prod"}}, rule="default", severity="SEV2", title="disk",
        page=True, policy_id="default", at=AT,
    ),
    ev.DeliveryFailed(
        message_id=12, failed_kind="incident.updated", error="chat.postMessage failed: is_archived", code="is_archived",
        channel="C1",
    ),
]


def test_the_examples_cover_every_kind_once() -> None:
    assert sorted(e.kind for e in EXAMPLES) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.kind)
def test_every_kind_round_trips_through_its_json_payload(event: OutboxEvent) -> None:
    import json

    payload = json.loads(json.dumps(event.to_payload()))  # what the JSON column hands back
    assert decode(event.kind, payload) == event


# Payloads exactly as the string-keyed producers wrote them before the events were typed.
EARLIER_ROWS = [
    ("incident.declared", {"notify": {}, "entry_id": 1}, ev.IncidentDeclared(entry_id=1)),
    (
        "incident.role_assigned",
        {"entry_id": 2, "role": "ic", "user": "U0BOB", "previous": None},
        ev.RoleAssigned(entry_id=2, role="ic", user="U0BOB"),
    ),
    ("incident.severity_changed", {"entry_id": 4, "from": "SEV1"}, ev.SeverityChanged(entry_id=4, previous="SEV1")),
    ("incident.summary", {"actor": "U0BOB"}, ev.SummaryRequested(actor="U0BOB")),
    ("runbook.attached", {"attached_id": 3, "entry_id": 9}, ev.RunbookAttached(attached_id=3, entry_id=9)),
    (
        "paging.page",
        {"cycle": 0, "level": 0, "reason": "SEV1 declared", "at": AT.isoformat(), "policy": "fast"},
        ev.PagePeople(level=0, reason="SEV1 declared", at=AT, policy_id="fast"),
    ),
    (
        "paging.page",
        {"cycle": 0, "level": 1, "reason": "escalated by <@U0A>", "at": AT.isoformat(), "policy": "fast", "by": "U0A"},
        ev.PagePeople(level=1, reason="escalated by <@U0A>", at=AT, policy_id="fast", by="U0A"),
    ),
    (
        "paging.long_running",
        {"targets": ["user:U0DAVE"], "reason": "r", "at": AT.isoformat(), "policy": "lingering"},
        ev.LongRunningPage(targets=("user:U0DAVE",), reason="r", at=AT, policy_id="lingering"),
    ),
    ("paging.exhausted", {"cycles": 2}, ev.ChainExhausted(cycles=2)),
    ("paging.acknowledged", {"by": None}, ev.PagerAcknowledged()),
    ("paging.resolved", {}, ev.PagerResolved()),
    (
        "nudge.post",
        {"due_at": AT.isoformat(), "since_seconds": 3, "ignored": 1, "policy": None, "next_level": 0},
        ev.UpdateReminder(due_at=AT, since_seconds=3, ignored=1),
    ),
]


@pytest.mark.parametrize(("kind", "payload", "expected"), EARLIER_ROWS, ids=[r[0] for r in EARLIER_ROWS])
def test_rows_queued_by_earlier_releases_still_decode(
    kind: str, payload: dict[str, object], expected: OutboxEvent
) -> None:
    assert decode(kind, payload) == expected


@pytest.mark.parametrize(
    ("kind", "payload", "problem"),
    [
        ("incident.exploded", {}, "unknown outbox event 'incident.exploded'"),
        ("incident.updated", {}, "entry_id is missing"),
        ("incident.updated", {"entry_id": "seven"}, "entry_id"),
        ("paging.page", {"level": 0, "reason": "r", "policy": "p", "at": "yesterday"}, "at"),
        ("paging.long_running", {"targets": "user:U0DAVE", "reason": "r", "at": AT.isoformat()}, "targets"),
        ("runbook.result", {"attached_id": 1, "step_id": "s", "result": ["not", "an", "object"]}, "result"),
    ],
)
def test_a_row_that_does_not_fit_its_kind_is_refused_with_the_reason(
    kind: str, payload: dict[str, object], problem: str
) -> None:
    with pytest.raises(MalformedEvent, match=problem):
        decode(kind, payload)
