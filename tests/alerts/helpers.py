"""Posting alerts to the running bot over HTTP, and reading what the queue holds."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import select

from bot.storage.alert_models import AlertQueueItem
from tests.alerts import payloads
from tests.alerts.conftest import TOKENS
from tests.harness import BotHarness


def post_alert(
    bot: BotHarness, source: str, body: Any, token: str | None = "", headers: dict[str, str] | None = None
) -> requests.Response:
    """POST ``body`` (a dict, or bytes as is) to ``/alerts/<source>`` with the source's token (or ``token``)."""
    data = body if isinstance(body, bytes) else payloads.raw(body)
    sent = dict(headers or {})
    chosen = TOKENS.get(source, "") if token == "" else token
    if chosen is not None:
        sent["Authorization"] = f"Bearer {chosen}"
    return requests.post(f"{bot.bot_url}/alerts/{source}", data=data, headers=sent, timeout=10)


def queued(bot: BotHarness) -> list[AlertQueueItem]:
    with bot.container.uow() as session:
        return list(session.execute(select(AlertQueueItem).order_by(AlertQueueItem.id)).scalars())
