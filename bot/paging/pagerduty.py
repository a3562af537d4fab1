"""A pager on the PagerDuty Events API v2: trigger, acknowledge, resolve; one dedup key per incident."""

from __future__ import annotations

import logging
from typing import Any

import requests

from bot.services.outbox import Delivery, GiveUp, RetryLater
from bot.services.ports import Page
from bot.services.read_models import IncidentView

log = logging.getLogger(__name__)

_SEVERITY = ("critical", "error", "warning", "info")


def dedup_key(incident: IncidentView) -> str:
    return f"incident-bot-{incident.ref}"


class PagerDutyPager:
    name = "pagerduty"

    def __init__(
        self,
        routing_key: str,
        events_url: str,
        session: requests.Session | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.routing_key = routing_key
        self.events_url = events_url
        self.session = session or requests.Session()
        self.timeout = timeout

    def page(self, delivery: Delivery, page: Page) -> None:
        inc = page.incident
        step = f"pagerduty:trigger:{page.cycle}:{page.level}"
        if delivery.done(step):
            return
        self.send(
            {
                "event_action": "trigger",
                "dedup_key": dedup_key(inc),
                "payload": {
                    "summary": f"{inc.ref} {inc.severity.id}: {inc.title}"[:1024],
                    "source": "incident-bot",
                    "severity": _SEVERITY[min(inc.severity.rank, len(_SEVERITY) - 1)],
                    "custom_details": {
                        "level": page.level,
                        "reason": page.reason,
                        "slack_users": list(page.users),
                    },
                },
            }
        )
        delivery.mark(step)

    def acknowledge(self, delivery: Delivery, incident: IncidentView, by: str | None) -> None:
        if not delivery.done("pagerduty:acknowledge"):
            self.send({"event_action": "acknowledge", "dedup_key": dedup_key(incident)})
            delivery.mark("pagerduty:acknowledge")

    def resolve(self, delivery: Delivery, incident: IncidentView) -> None:
        if not delivery.done("pagerduty:resolve"):
            self.send({"event_action": "resolve", "dedup_key": dedup_key(incident)})
            delivery.mark("pagerduty:resolve")

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        body = {"routing_key": self.routing_key, **event}
        try:
            resp = self.session.post(self.events_url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RetryLater(f"pagerduty: {exc}") from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            after = resp.headers.get("Retry-After")
            raise RetryLater(
                f"pagerduty: HTTP {resp.status_code}", float(after) if after and after.isdigit() else None
            )
        if resp.status_code >= 400:
            raise GiveUp(f"pagerduty refused the event: HTTP {resp.status_code} {resp.text[:200]}")
        try:
            data = resp.json()
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}
