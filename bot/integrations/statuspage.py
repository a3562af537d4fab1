"""Atlassian Statuspage (REST v1): the first publication creates its incident there, later ones patch it.

Calls run inside an outbox delivery (``statuspage.sync``), so an outage or a rate limit delays a publication
and never loses it. A create must never be sent twice for one incident: before the create, a marker is
committed on the public incident and sent along as the Statuspage incident's ``metadata``. When a retry
finds the marker but no stored id (the create timed out, or its answer was lost), it first lists the page's
incidents named like ours and adopts the one carrying the marker; only if none does is the create sent
again. Permanent refusals (401, 403, 404, 422…) are told to the publisher in the incident channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests

from bot.domain.events import StatuspageSync
from bot.domain.publication import ComponentStatus, StatusPageCatalog
from bot.services.outbox import Delivery, RetryLater
from bot.services.publication_records import Publication, PublicationRecords

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.statuspage.io/v1/"
MARKER_KEY = "incident_bot"
_RETRY = frozenset({408, 409, 420, 425, 429})


class StatuspageRefused(Exception):
    """Statuspage answered with a permanent refusal; ``reason`` is what to tell the publisher."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StatuspageClient:
    """The few Statuspage calls the bot makes, with transient failures as ``RetryLater``."""

    def __init__(
        self,
        api_key: str,
        page_id: str,
        api_url: str = DEFAULT_API_URL,
        session: requests.Session | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.api_key = api_key
        self.page_id = page_id
        self.api_url = api_url.rstrip("/") + "/"
        self.session = session or requests.Session()
        self.timeout = timeout

    def create(self, incident: dict[str, Any]) -> str:
        data = self._call("POST", f"pages/{self.page_id}/incidents", json={"incident": incident})
        return str(data["id"])

    def update(self, incident_id: str, incident: dict[str, Any]) -> None:
        self._call("PATCH", f"pages/{self.page_id}/incidents/{incident_id}", json={"incident": incident})

    def find(self, marker: str, name: str) -> str | None:
        """The page's incident created with ``marker`` (searched by ``name``), if a create got through."""
        found = self._call("GET", f"pages/{self.page_id}/incidents", params={"q": name, "limit": 100})
        for item in found if isinstance(found, list) else []:
            metadata = item.get("metadata") or {}
            if isinstance(metadata, dict) and (metadata.get(MARKER_KEY) or {}).get("marker") == marker:
                return str(item["id"])
        return None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"OAuth {self.api_key}"}
        try:
            resp = self.session.request(
                method, self.api_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise RetryLater(f"statuspage: {type(exc).__name__}: {exc}") from exc
        if resp.status_code in _RETRY or resp.status_code >= 500:
            after = resp.headers.get("Retry-After", "")
            delay = float(after) if after.replace(".", "", 1).isdigit() else None
            raise RetryLater(f"statuspage: HTTP {resp.status_code}", delay)
        if resp.status_code >= 400:
            raise StatuspageRefused(f"HTTP {resp.status_code}: {_error_text(resp)}")
        try:
            return resp.json()
        except ValueError:
            return {}


def _error_text(resp: requests.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200] or resp.reason or "refused"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, list):
        error = "; ".join(str(e) for e in error)
    return str(error or data)[:200]


class StatuspageHandler:
    """The ``statuspage.sync`` outbox handler."""

    def __init__(
        self, client: StatuspageClient, records: PublicationRecords, catalog: Callable[[], StatusPageCatalog]
    ) -> None:
        self.client = client
        self.records = records
        self.catalog = catalog

    def sync(self, d: Delivery, event: StatuspageSync) -> None:
        if d.done("sent") or d.done("refused"):
            return
        pub = self.records.load(event.update_id)
        if pub is None:
            return  # the incident was deleted
        try:
            self._send(pub)
        except StatuspageRefused as exc:
            log.warning("statuspage refused update %s: %s", pub.update_id, exc.reason)
            self.records.refused(pub, exc.reason)
            d.mark("refused", exc.reason)
            return
        d.mark("sent")

    def _send(self, pub: Publication) -> None:
        if pub.statuspage_incident_id:
            self.client.update(pub.statuspage_incident_id, self.body(pub))
            return
        if pub.statuspage_marker:
            found = self.client.find(pub.statuspage_marker, pub.public_title)
            if found:  # the earlier create got through: this publication is there already
                self.records.created(pub.incident_id, found)
                return
        marker = pub.statuspage_marker or f"incident-bot-{pub.incident_id}-{pub.update_id}"
        if not pub.statuspage_marker:
            self.records.mark_create(pub.incident_id, marker)
        body = {**self.body(pub), "metadata": {MARKER_KEY: {"marker": marker}}}
        self.records.created(pub.incident_id, self.client.create(body))

    def body(self, pub: Publication) -> dict[str, Any]:
        """name, status, body, component_ids (the affected ones) and every mapped component's status."""
        catalog = self.catalog()
        statuses: dict[str, str] = {}
        affected: list[str] = []
        for state in pub.components:
            comp = catalog.get(state.id)
            if comp is None or not comp.statuspage_id:
                continue
            statuses[comp.statuspage_id] = state.status.value
            if state.status is not ComponentStatus.OPERATIONAL:
                affected.append(comp.statuspage_id)
        return {
            "name": pub.public_title,
            "status": pub.status.value,
            "body": pub.message,
            "component_ids": affected,
            "components": statuses,
            "deliver_notifications": True,
        }
