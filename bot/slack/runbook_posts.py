"""Shows runbook events in Slack: suggestions, checklist pages, live ticks and AWS step results."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

from bot.domain.events import IncidentDeclared, RunbookAttached, RunbookRefresh, RunbookStepResult
from bot.playbooks.runbooks import AwsStep
from bot.services.outbox import Delivery, GiveUp, RetryLater
from bot.services.runbook_views import AttachedView
from bot.services.runbooks import RunbookService
from bot.slack.blocks import runbooks as rb_blocks
from bot.slack.blocks.common import MESSAGE_TEXT, cut
from bot.slack.notifier import SlackNotifier

log = logging.getLogger(__name__)


class RunbookPosts:
    """Outbox handlers for runbook events (the container routes them); every step is recorded in the delivery."""

    def __init__(self, notifier: SlackNotifier, service: RunbookService) -> None:
        self.notifier = notifier
        self.service = service

    # -- declaration -----------------------------------------------------------------------------
    def suggestions(self, d: Delivery, event: IncidentDeclared) -> None:
        """Runbooks matching a new incident's title: a step of ``incident.declared`` after the notifier's."""
        if d.done("runbook_suggestions") or d.incident is None:
            return
        inc = d.incident
        channel = d.incident_patch.get("channel_id") or inc.channel_id
        matches = self.service.suggestions(inc.title)
        if channel and matches:
            self.notifier.post(
                d,
                "runbook_suggestions",
                str(channel),
                rb_blocks.suggestions(inc.id, inc.title, matches),
                f"Runbooks that may help: {', '.join(rb.title for rb in matches)}",
            )
        d.mark("runbook_suggestions")

    # -- checklist -------------------------------------------------------------------------------
    def _attached(self, attached_id: int) -> AttachedView:
        try:
            return self.service.get(attached_id)
        except Exception as exc:  # the runbook row was removed with its incident
            raise GiveUp(f"attached runbook is gone: {exc}") from exc

    def _channel(self, d: Delivery, attached: AttachedView) -> str:
        channel = attached.channel_id or (d.incident.channel_id if d.incident else None)
        if not channel:
            raise RetryLater("incident channel not created yet", 2)
        return channel

    def attached(self, d: Delivery, event: RunbookAttached) -> None:
        attached = self._attached(event.attached_id)
        channel = self._channel(d, attached)
        pages = rb_blocks.checklist_pages(attached)
        posted: list[str] = []
        for index, page in enumerate(pages):
            ts = self.notifier.post(
                d, f"page:{index}", channel, page, rb_blocks.page_text(attached, index, len(pages))
            )
            posted.append(ts or "")
        if not d.done("recorded"):
            self.service.record_pages(attached.id, channel, posted)
            d.mark("recorded")
        suggestion = event.suggestion
        if suggestion and d.incident is not None and not d.done("suggestion"):
            self._update_suggestion(d.incident.id, d.incident.title, suggestion)
            d.mark("suggestion")

    def _update_suggestion(self, incident_id: int, title: str, message: dict[str, str]) -> None:
        """The suggestion message the Attach click came from: attached runbooks lose their button."""
        attached = [a.runbook.id for a in self.service.attached_for(incident_id)]
        matches = self.service.suggestions(title)
        self.notifier.slack.call(
            "chat.update",
            channel=str(message.get("channel", "")),
            ts=str(message.get("ts", "")),
            blocks=[b.to_dict() for b in rb_blocks.suggestions(incident_id, title, matches, attached)],
            text=f"Runbooks that may help: {', '.join(rb.title for rb in matches)}",
        )

    def refresh(self, d: Delivery, event: RunbookRefresh) -> None:
        self._update_pages(d, self._attached(event.attached_id), "page")

    def _update_pages(self, d: Delivery, attached: AttachedView, prefix: str) -> None:
        if not attached.message_ts:
            raise RetryLater("checklist not posted yet", 2)
        channel = self._channel(d, attached)
        pages = rb_blocks.checklist_pages(attached)
        for index, (page, ts) in enumerate(zip(pages, attached.message_ts, strict=False)):
            step = f"{prefix}:{index}"
            if d.done(step) or not ts:
                continue
            self.notifier.slack.call(
                "chat.update",
                channel=channel,
                ts=ts,
                blocks=[b.to_dict() for b in page],
                text=cut(rb_blocks.page_text(attached, index, len(pages)), MESSAGE_TEXT),
            )
            d.mark(step)

    # -- results ---------------------------------------------------------------------------------
    def result(self, d: Delivery, event: RunbookStepResult) -> None:
        attached = self._attached(event.attached_id)
        step = attached.runbook.step(event.step_id)
        if not isinstance(step, AwsStep):
            raise GiveUp(f"step {event.step_id} is not an aws step")
        if not attached.message_ts:
            raise RetryLater("checklist not posted yet", 2)
        channel = self._channel(d, attached)
        thread = attached.message_ts[0]
        result: dict[str, Any] = dict(event.result)
        details = str(result.get("details") or "")
        inline = len(details) <= rb_blocks.INLINE_DETAILS
        blocks = rb_blocks.result_blocks(
            step, result, event.actor, event.mutating, inline
        )
        self.notifier.post(d, "result", channel, blocks, cut(str(result.get("headline", "")), 300), thread)
        if details and not inline and not d.done("details_file"):
            self._upload(channel, thread, f"{attached.runbook.id}-{step.id}.txt", step.title, details)
            d.mark("details_file")
        self._update_pages(d, attached, "page")

    def _upload(self, channel: str, thread_ts: str, filename: str, title: str, content: str) -> None:
        """Long output as a text file in the thread (Slack's external upload: URL, POST, complete)."""
        data = content.encode()
        slot = self.notifier.slack.call("files.getUploadURLExternal", filename=filename, length=len(data))
        try:
            response = requests.post(str(slot["upload_url"]), data=data, timeout=20)
        except requests.RequestException as exc:
            raise RetryLater(f"file upload failed: {exc}") from exc
        if response.status_code >= 500:
            raise RetryLater(f"file upload failed: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise GiveUp(f"file upload refused: HTTP {response.status_code}")
        self.notifier.slack.call(
            "files.completeUploadExternal",
            files=json.dumps([{"id": slot["file_id"], "title": cut(f"{title}: full output", 200)}]),
            channel_id=channel,
            thread_ts=thread_ts,
        )
