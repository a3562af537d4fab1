"""An alert redone after its process stopped part-way changes nothing twice and finishes what was left."""

from __future__ import annotations

from pathlib import Path

from bot.alerts.parsers import parse
from bot.services import alert_links
from bot.services.alerts import match_labels
from tests.alerts import payloads as p
from tests.alerts.conftest import alert_settings
from tests.alerts.test_behaviour import alert_playbooks, card
from tests.harness import find_block, shows, start_bot


def test_a_declaration_redone_attaches_its_runbook_once_and_counts_nothing_twice(sqlite_url: str, tmp_path: Path) -> None:
    bot = start_bot(sqlite_url, playbooks_dir=alert_playbooks(tmp_path), alerts_poll_seconds=60, **alert_settings())
    try:
        services = bot.container.services
        [alert] = parse("alertmanager", p.raw(p.ALERTMANAGER))
        labels = match_labels(alert)
        rule = bot.container.playbooks.alerts.route(alert.source, alert.name, labels)
        now = services.ctx.clock()
        # What a process got done before it was killed: the declaration (and the alert linked in its
        # transaction), but not the runbook attached afterwards.
        declared = services.incidents.declare(
            reporter_id="alert: alertmanager",
            severity=bot.container.playbooks.severities.get("SEV1"),
            title="PaymentsErrorRate: Payment API error rate above 5%",
            request_key="alert:999:0",
            on_created=lambda session, incident: alert_links.link(
                session, incident, alert, rule, rule.group_key(labels), "alert:999:0", now, "alert"
            ),
        )
        assert services.runbooks.attached_for(declared.incident.id) == []
        for _ in range(2):  # redone, twice
            assert str(services.alerts.handle(alert, "999:0")) == "already (payments-down)"
        assert [a.runbook.id for a in services.runbooks.attached_for(declared.incident.id)] == ["payment-failure"]
        assert [i.id for i in services.incidents.list_open()] == [declared.incident.id]
        bot.settle()
        assert shows(find_block(card(bot, declared.incident.id), "alerts"), "alert fired 1 time")
    finally:
        bot.stop()
