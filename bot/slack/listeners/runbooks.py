"""Runbook buttons and the AWS confirmation modal: ack first, then call one runbook use case."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks import runbooks as rb_blocks
from bot.slack.listeners.clicks import Click, ClickHandler, on_click
from bot.slack.listeners.payloads import incident_id_from, metadata, split_value, user_of
from bot.slack.listeners.replies import reply

log = logging.getLogger(__name__)

NOT_A_RUNBOOK = "That button does not belong to a runbook."


def register(app: App, services: Services) -> None:
    buttons: dict[str, ClickHandler[tuple[int, str]]] = {
        ids.RUNBOOK_ATTACH: _attach,
        ids.RUNBOOK_DONE: _done,
        ids.RUNBOOK_UNDO: _undo,
        ids.RUNBOOK_RUN: _run,
    }
    for action_id, handler in buttons.items():
        on_click(app, services, action_id, split_value, NOT_A_RUNBOOK, handler)

    @app.view(ids.RUNBOOK_CONFIRM_VIEW)
    def confirmed(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        meta = metadata(view)
        user = user_of(body)
        channel = meta.get("channel")
        attached_id = incident_id_from(meta.get("attached_id"))
        step_id = str(meta.get("step_id") or "")
        if attached_id is None or not step_id:
            return
        try:
            # The service checks the confirming person's incident roles again, whatever the payload says.
            confirmed = meta.get("call")
            services.runbooks.run(
                attached_id,
                step_id,
                user,
                confirmed_call=confirmed if isinstance(confirmed, str) else None,
                from_channel=str(channel or ""),
            )
        except UserError as exc:
            reply(None, client, channel, user, f":no_entry: {exc}")


def _from_channel(click: Click[tuple[int, str]]) -> str:
    """The channel a click came from; the service refuses ids that belong to another incident's channel."""
    return click.channel or ""


def _attach(services: Services, click: Click[tuple[int, str]]) -> None:
    incident_id, runbook_id = click.target
    suggestion = None
    message_ts = (click.body.get("container") or {}).get("message_ts")
    block_id = str(((click.body.get("actions") or [{}])[0]).get("block_id", ""))
    if block_id.startswith(rb_blocks.SUGGESTION_BLOCK) and message_ts and click.channel:
        suggestion = {"channel": click.channel, "ts": str(message_ts)}
    attached = services.runbooks.attach(
        incident_id, runbook_id, click.user, suggestion=suggestion, from_channel=_from_channel(click)
    )
    where = f" in <#{attached.channel_id}>" if attached.channel_id else ""
    click.answer(f":paperclip: Attached *{attached.runbook.title}*{where}.")


def _done(services: Services, click: Click[tuple[int, str]]) -> None:
    attached_id, step_id = click.target
    services.runbooks.set_done(attached_id, step_id, click.user, True, from_channel=_from_channel(click))


def _undo(services: Services, click: Click[tuple[int, str]]) -> None:
    attached_id, step_id = click.target
    services.runbooks.set_done(attached_id, step_id, click.user, False, from_channel=_from_channel(click))


def _run(services: Services, click: Click[tuple[int, str]]) -> None:
    attached_id, step_id = click.target
    service, client, body, user = services.runbooks, click.client, click.body, click.user
    from_channel = _from_channel(click)
    prepared = service.prepare_run(attached_id, step_id, user, from_channel=from_channel)
    if not prepared.step.mutating:
        # Already acknowledged: the call runs in this worker, outside Slack's 3-second window.
        service.run(attached_id, step_id, user, from_channel=from_channel)
        return
    channel = prepared.attached.channel_id or from_channel
    # trigger_id expires in 3 s: open the modal first, then fill in values that need AWS lookups.
    opened = client.views_open(
        trigger_id=body["trigger_id"],
        view=rb_blocks.confirm_modal(attached_id, prepared.step, prepared.call, channel, resolving=True),
    )
    view_id = (opened.get("view") or {}).get("id")
    try:
        call = service.describe(attached_id, step_id, from_channel=from_channel)
    except Exception as exc:  # the symbolic call stays on screen; running it reports any AWS problem
        log.info("could not resolve %s for the confirmation: %s", step_id, exc)
        call = prepared.call
    if view_id:
        try:
            client.views_update(
                view_id=view_id,
                view=rb_blocks.confirm_modal(attached_id, prepared.step, call, channel, resolving=False),
            )
        except SlackApiError as exc:  # the person closed the modal meanwhile
            log.info("confirmation modal not updated: %s", exc.response.get("error"))
