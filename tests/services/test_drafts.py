"""The draft service on its own: template words and aliases, refusals, people by name, the story told."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.drafts import DraftService
from bot.services.errors import UserError
from bot.services.incidents import IncidentService
from bot.storage import migrate
from bot.storage.db import UnitOfWork, make_engine, make_session_factory

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
Both = tuple[IncidentService, DraftService, list[datetime]]
NAMES = {"U0ALICE": "Alice Ng", "U0BOB": "Bob Roy"}


def person(user_id: str) -> str:
    return NAMES.get(user_id, user_id)


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Both]:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    now = [START]
    ctx = ServiceContext(uow=UnitOfWork(make_session_factory(engine)), playbooks=PLAYBOOKS, clock=lambda: now[0])
    try:
        yield IncidentService(ctx), DraftService(ctx, lambda: PLAYBOOKS.templates), now
    finally:
        engine.dispose()


def test_every_shipped_template_is_offered_by_its_short_name(services: Both) -> None:
    _, drafts, _ = services
    assert drafts.available() == ["status", "internal", "external", "resolution", "postmortem"]


def test_an_alias_fills_its_template_with_people_by_name_and_times_in_utc(
    services: Both,
) -> None:
    incidents, drafts, now = services
    sev = PLAYBOOKS.severities.get("SEV1")
    inc = incidents.declare(reporter_id="U0ALICE", severity=sev, title="payments down", commander_id="U0BOB").incident
    now[0] += timedelta(minutes=7)
    incidents.post_update(inc.id, "U0BOB", "card processor returns 502", impact="all card payments fail")
    draft = drafts.draft(inc.id, "Internal", person, "U0ALICE")
    assert (draft.template, draft.label, draft.incident.ref) == ("internal_notification", "Internal notification", inc.ref)
    assert draft.text.startswith("*[SEV1] Production incident: payments down*")
    assert "*IC:* Bob Roy" in draft.text and "<@U0BOB>" not in draft.text
    assert "*Impact:* all card payments fail" in draft.text
    assert "*Start time:* 2026-03-02 10:00 UTC" in draft.text


def test_unknown_words_and_early_resolution_notices_are_refused_with_the_choices(
    services: Both,
) -> None:
    incidents, drafts, _ = services
    inc = incidents.declare(reporter_id="U0ALICE", severity=PLAYBOOKS.severities.get("SEV2"), title="slow").incident
    with pytest.raises(UserError, match=r"no `tweet` template\. Available drafts: `status`, `internal`"):
        drafts.draft(inc.id, "tweet", person, "U0ALICE")
    with pytest.raises(UserError, match="is not resolved yet"):
        drafts.draft(inc.id, "resolution", person, "U0ALICE")
    incidents.resolve(inc.id, "U0ALICE", "index rebuilt", root_cause="a cold index")
    assert "index rebuilt" in drafts.draft(inc.id, "resolved", person, "U0ALICE").text
    with pytest.raises(UserError, match="no longer exists"):
        drafts.draft(inc.id + 1, "status", person, "U0ALICE")
