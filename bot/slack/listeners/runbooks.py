"""Runbook buttons and the AWS confirmation modal: ack first, then call one runbook use case."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.errors import UserError
from bot.services.registry import Services
from bot.services.runbooks import RunbookService
from bot.slack import ids
from bot.slack.blocks import runbooks as rb_blocks
from bot.slack.listeners.common import incident_id_from, metadata, reply

log = logging.getLogger(__name__)

ButtonHandler = Callable[[RunbookService, int, str, dict[str, Any], WebClient, Respond], None]


def split_value(value: Any) -> tuple[int, str] | None:
    """``"<number>:<id>"`` from a button value; anything else is refused."""
    number, sep, rest = str(value or "").partition(":")
    parsed = incident_id_from(number)
    if not sep or parsed is None or not rest:
        return None
    return parsed, rest


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _channel(body: dict[str, Any]) -> str:
    """The channel a click came from; the service refuses ids that belong to another incident's channel."""
    return str((body.get("channel") or {}).get("id") or "")


def register(app: App, services: Services) -> None:
    service = services.extra.get("runbooks")
    if not isinstance(service, RunbookService):
        return
    rb_service: RunbookService = service

    def route(action_id: str, handler: ButtonHandler) -> None:
        @app.action(action_id)
        def _listener(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
        ) -> None:
            ack()
            user = _user(body)
            channel = (body.get("channel") or {}).get("id")
            parsed = split_value(action.get("value"))
            if parsed is None:
                reply(respond, client, channel, user, ":warning: That button does not belong to a runbook.")
                return
            try:
                handler(rb_service, parsed[0], parsed[1], body, client, respond)
            except UserError as exc:
                reply(respond, client, channel, user, f":warning: {exc}")

    route(ids.RUNBOOK_ATTACH, _attach)
    route(ids.RUNBOOK_DONE, _done)
    route(ids.RUNBOOK_UNDO, _undo)
    route(ids.RUNBOOK_RUN, _run)

    @app.view(ids.RUNBOOK_CONFIRM_VIEW)
    def confirmed(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        meta = metadata(view)
        user = _user(body)
        channel = meta.get("channel")
        attached_id = incident_id_from(meta.get("attached_id"))
        step_id = str(meta.get("step_id") or "")
        if attached_id is None or not step_id:
            return
        try:
            # The service checks the confirming person's incident roles again, whatever the payload says.
            confirmed = meta.get("call")
            rb_service.run(
                attached_id,
                step_id,
                user,
                confirmed_call=confirmed if isinstance(confirmed, str) else None,
                from_channel=str(channel or ""),
            )
        except UserError as exc:
            reply(None, client, channel, user, f":no_entry: {exc}")


def _attach(
    service: RunbookService,
    incident_id: int,
    runbook_id: str,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    suggestion = None
    message_ts = (body.get("container") or {}).get("message_ts")
    channel_id = (body.get("channel") or {}).get("id")
    block_id = str(((body.get("actions") or [{}])[0]).get("block_id", ""))
    if block_id.startswith(rb_blocks.SUGGESTION_BLOCK) and message_ts and channel_id:
        suggestion = {"channel": str(channel_id), "ts": str(message_ts)}
    attached = service.attach(
        incident_id, runbook_id, _user(body), suggestion=suggestion, from_channel=_channel(body)
    )
    where = f" in <#{attached.channel_id}>" if attached.channel_id else ""
    reply(respond, client, None, _user(body), f":paperclip: Attached *{attached.runbook.title}*{where}.")


def _done(
    service: RunbookService,
    attached_id: int,
    step_id: str,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    service.set_done(attached_id, step_id, _user(body), True, from_channel=_channel(body))


def _undo(
    service: RunbookService,
    attached_id: int,
    step_id: str,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    service.set_done(attached_id, step_id, _user(body), False, from_channel=_channel(body))


def _run(
    service: RunbookService,
    attached_id: int,
    step_id: str,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    user = _user(body)
    from_channel = _channel(body)
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
