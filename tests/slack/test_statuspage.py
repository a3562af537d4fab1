"""Atlassian Statuspage through the real app and a local fake API: create then patch, faults, refusals."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.services.read_models import IncidentView
from bot.slack import ids
from bot.storage import publications
from tests.harness import SHIPPED_PLAYBOOKS, BotHarness, shows, start_bot, wait_until
from tests.support.fake_statuspage import API_KEY, PAGE_ID, FakeStatuspage, Fault


@pytest.fixture
def fake() -> Iterator[FakeStatuspage]:
    server = FakeStatuspage()
    try:
        yield server
    finally:
        server.close()


def _bot(sqlite_url: str, fake: FakeStatuspage, key: str = API_KEY, **kwargs: Any) -> BotHarness:
    return start_bot(
        sqlite_url, statuspage_api_key=key, statuspage_page_id=PAGE_ID, statuspage_api_url=fake.url, **kwargs
    )


def _publish(bot: BotHarness, inc: IncidentView, status: str, message: str, **components: str) -> None:
    bot.command(f"public {message}", channel=inc.channel_id)
    wait_until(lambda: bot.workspace.open_view("U0ALICE"), what="the publish form")
    values: dict[str, dict[str, Any]] = {ids.PUBLIC_STATUS[0]: {ids.PUBLIC_STATUS[1]: status}}
    for cid, level in components.items():
        values[f"{ids.PUBLIC_COMPONENT_PREFIX}{cid}"] = {ids.PUBLIC_COMPONENT_SELECT: level}
    assert bot.driver.submit_view("U0ALICE", values=values).status_code == 200


def _mapped_playbooks(tmp_path: Path) -> Path:
    """The shipped playbooks with a Statuspage component id on each component, as a team using it maps them."""
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    path = target / "statuspage.yaml"
    text = re.sub(r"(  - id: ([a-z_-]+)\n)", r"\1    statuspage_id: cmp-\2\n", path.read_text())
    path.write_text(text)
    return target


def test_first_publication_creates_later_ones_patch(
    sqlite_url: str, fake: FakeStatuspage, tmp_path: Path
) -> None:
    bot = _bot(sqlite_url, fake, playbooks_dir=_mapped_playbooks(tmp_path))
    try:
        inc = bot.declare("SEV1 db-primary OOM")
        _publish(
            bot, inc, "investigating", "Checkout is failing for some customers.", payments="major_outage"
        )
        bot.settle()
        [(method, path, body)] = fake.writes()
        assert (method, path) == ("POST", f"/v1/pages/{PAGE_ID}/incidents")
        sent = body["incident"]
        assert sent["name"] == "db-primary OOM" and sent["status"] == "investigating"
        assert sent["body"] == "Checkout is failing for some customers."
        assert sent["component_ids"] == ["cmp-payments"]
        assert sent["components"]["cmp-payments"] == "major_outage"
        assert sent["components"]["cmp-api"] == "operational"
        with bot.container.uow() as session:
            public = publications.public_incident(session, inc.id)
            assert public is not None and public.statuspage_incident_id == "sp1"

        _publish(bot, inc, "resolved", "Payments work again.", payments="operational")
        bot.settle()
        assert [(m, p) for m, p, _ in fake.writes()] == [
            ("POST", f"/v1/pages/{PAGE_ID}/incidents"),
            ("PATCH", f"/v1/pages/{PAGE_ID}/incidents/sp1"),
        ]
        assert fake.incidents["sp1"]["status"] == "resolved"
        assert fake.incidents["sp1"]["updates"] == [
            "Checkout is failing for some customers.",
            "Payments work again.",
        ]
    finally:
        bot.stop()


def test_rate_limits_and_server_errors_delay_the_create_which_happens_once(
    sqlite_url: str, fake: FakeStatuspage
) -> None:
    bot = _bot(sqlite_url, fake)
    try:
        inc = bot.declare("SEV2 slow checkout")
        fake.faults += [Fault(429, {"Retry-After": "0"}), Fault(503)]
        _publish(bot, inc, "identified", "Checkout is slow.")
        wait_until(lambda: len(fake.incidents) == 1, timeout=20, what="the create after the faults")
        bot.settle()
        # 429 on the create; the retry first looks for an incident the create may have made (503 on that
        # look-up, retried later), finds none, and creates it: once.
        assert [c[0] for c in fake.calls] == ["POST", "GET", "GET", "POST"]
        assert len(fake.incidents) == 1
    finally:
        bot.stop()


def test_a_create_whose_answer_was_lost_is_found_not_repeated(sqlite_url: str, fake: FakeStatuspage) -> None:
    bot = _bot(sqlite_url, fake)
    try:
        inc = bot.declare("SEV2 slow checkout")
        fake.faults.append(Fault(504, method="POST", after=True))  # created, but the answer never arrives
        _publish(bot, inc, "investigating", "Checkout is slow.")
        wait_until(lambda: any(c[0] == "GET" for c in fake.calls), timeout=20, what="the look-up on retry")
        bot.settle()
        assert len(fake.incidents) == 1 and [c[0] for c in fake.calls] == ["POST", "GET"]
        _publish(bot, inc, "monitoring", "A fix is out.")
        bot.settle()
        assert fake.calls[-1][:2] == ("PATCH", f"/v1/pages/{PAGE_ID}/incidents/sp1")
        assert len(fake.incidents) == 1
    finally:
        bot.stop()


def test_a_refusal_is_told_to_the_publisher_in_the_channel(sqlite_url: str, fake: FakeStatuspage) -> None:
    bot = _bot(sqlite_url, fake, key="wrong-key")
    try:
        inc = bot.declare("SEV2 slow checkout")
        _publish(bot, inc, "investigating", "Checkout is slow.")
        bot.settle()
        notice = wait_until(
            lambda: next(
                (m for m in bot.workspace.messages(inc.channel_id) if shows(m, "Statuspage refused")), None
            ),
            what="the refusal notice",
        )
        assert shows(notice, "<@U0ALICE>", "HTTP 401", "Could not authenticate")
        assert len([c for c in fake.calls if c[0] == "POST"]) == 1  # not retried
        with bot.container.uow() as session:  # the publication itself stands
            assert len(publications.updates_of(session, inc.id)) == 1
    finally:
        bot.stop()


def test_a_statuspage_outage_never_holds_up_the_incidents_slack_messages(
    sqlite_url: str, fake: FakeStatuspage
) -> None:
    bot = _bot(sqlite_url, fake)
    try:
        inc = bot.declare("SEV2 slow checkout")
        fake.faults += [Fault(503) for _ in range(3)]
        _publish(bot, inc, "investigating", "Checkout is slow.")
        bot.command("update identified cache node lost", channel=inc.channel_id)
        # The update reaches the channel while Statuspage still answers 503.
        wait_until(
            lambda: any(shows(m, "cache node lost") for m in bot.workspace.messages(inc.channel_id)),
            what="the status update in the channel",
        )
        assert fake.incidents == {}
        wait_until(lambda: len(fake.incidents) == 1, timeout=25, what="the create once Statuspage is back")
    finally:
        bot.stop()
