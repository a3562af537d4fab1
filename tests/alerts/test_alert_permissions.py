"""The Declare incident button goes through the declaration's permission checks; an alert is no exception."""

from __future__ import annotations

from pathlib import Path

from bot.slack import ids
from tests.alerts import payloads as p
from tests.alerts.conftest import alert_settings
from tests.alerts.helpers import post_alert
from tests.alerts.test_behaviour import RULES, alert_playbooks, settled
from tests.harness import carries, find_button, shows, start_bot, wait_until

SECURITY_RULE = """
  - name: leaked-keys
    match: {source: generic, alert: "Leaked*"}
    action: declare
    severity: SEC
"""


def test_a_private_severity_only_admins_may_declare_is_left_to_them(sqlite_url: str, tmp_path: Path) -> None:
    playbooks = alert_playbooks(tmp_path)
    (playbooks / "alerts.yaml").write_text(RULES.replace("rules:\n", "rules:" + SECURITY_RULE, 1))
    permissions = (playbooks / "permissions.yaml").read_text()
    permissions = permissions.replace("admins: []", "admins: [U0DAVE]")
    permissions = permissions.replace("  declare_private:  # declare with a private severity (SEC); an empty list "
                                      "means admins only\n    allowed: [anyone]", "  declare_private:\n    allowed: []")
    (playbooks / "permissions.yaml").write_text(permissions)
    bot = start_bot(sqlite_url, playbooks_dir=playbooks, alerts_poll_seconds=0.2, **alert_settings())
    try:
        post_alert(bot, "generic", p.generic(name="Leaked AWS key", fingerprint="leak-1", labels={"service": "ci"}))
        [row] = settled(bot)
        assert row.outcome == "notify (leaked-keys)"  # the alert may not declare a private incident itself
        assert bot.container.services.incidents.list_open() == []
        broadcast = bot.workspace.channel_by_name("incidents")
        assert broadcast is not None
        [notice] = [m for m in bot.messages(broadcast.id) if shows(m, "Alert firing", "private severity (SEC)")]
        assert not carries(notice, "Leaked") and not carries(notice, "service")  # nothing of the alert itself
        value = find_button(notice, ids.ALERT_DECLARE)["value"]
        bot.driver.click_button("U0BOB", broadcast.id, notice.ts, ids.ALERT_DECLARE, value)
        bot.settle()
        assert bot.container.services.incidents.list_open() == []
        assert any("admin" in e.text.lower() for e in bot.workspace.ephemerals("U0BOB")), [
            e.text for e in bot.workspace.ephemerals("U0BOB")
        ]
        bot.driver.click_button("U0DAVE", broadcast.id, notice.ts, ids.ALERT_DECLARE, value)
        incident = wait_until(lambda: next(iter(bot.container.services.incidents.list_open()), None), what="incident")
        assert incident.severity.id == "SEC" and incident.private and incident.reporter_id == "U0DAVE"
    finally:
        bot.stop()
