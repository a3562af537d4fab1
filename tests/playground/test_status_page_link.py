"""The playground shows the bot's public status page beside the fake workspace."""

from __future__ import annotations

import requests

from bot.playground.runner import Playground
from bot.services.context import utc_now
from bot.storage.publications import PublicIncident, PublicUpdate


def test_the_sidebar_links_to_the_status_page_served_on_the_same_port(playground: Playground) -> None:
    page = requests.get(playground.url, timeout=10).text
    assert 'id="status-page-link"' in page and 'href="/status"' in page
    incidents = playground.workspace.channel_by_name("incidents")
    assert incidents is not None
    playground.page.bridge.send("U0ALICE", incidents.id, "/incident SEV1 db-primary OOM")
    incident = playground.workspace.wait_for(
        lambda: next(iter(playground.container.services.incidents.list_open()), None), timeout=10
    )
    now = utc_now()
    with playground.container.uow() as session:
        session.add(PublicIncident(incident_id=incident.id, public_title="Checkout errors", public_status="identified",
                                   created_at=now, updated_at=now))
        session.add(PublicUpdate(incident_id=incident.id, public_title="Checkout errors", public_status="identified",
                                 message="A fix is rolling out.", components=[{"id": "payments", "status": "major_outage"}],
                                 published_by="U0ALICE", published_at=now))
    assert playground.container.status_page is not None
    playground.container.status_page.invalidate()
    status = requests.get(playground.url + "status", timeout=10)
    assert status.status_code == 200 and "Checkout errors" in status.text and "db-primary" not in status.text
    assert requests.get(playground.url + "status.json", timeout=10).json()["status"]["indicator"] == "major_outage"
    assert requests.get(playground.url + "status/feed.atom", timeout=10).status_code == 200
