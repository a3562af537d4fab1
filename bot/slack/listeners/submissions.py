"""Modal submissions: validate, answer field errors in place, then call one use case."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.status import Status, parse_status
from bot.domain.text import from_input
from bot.services.errors import AlreadyHandled, UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.listeners.payloads import incident_id_from, metadata, state_value
from bot.slack.listeners.people import require_person
from bot.slack.listeners.replies import reply

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.view(ids.DECLARE_VIEW)
    def declare_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        title = from_input((state_value(values, *ids.TITLE) or "").strip())
        severity_id = state_value(values, *ids.SEVERITY) or ""
        severity = services.ctx.playbooks.severities.lookup(severity_id)
        errors = {}
        if not title:
            errors[ids.TITLE[0]] = "Please give the incident a title."
        if severity is None:
            errors[ids.SEVERITY[0]] = "Please pick a severity."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        assert severity is not None
        user = body["user"]["id"]
        try:
            services.incidents.declare(
                reporter_id=user,
                severity=severity,
                title=title,
                description=from_input((state_value(values, *ids.DESCRIPTION) or "").strip()),
                commander_id=state_value(values, *ids.COMMANDER),
                request_key=f"view:{view['id']}",
                notify={"channel_id": metadata(view).get("channel") or "", "user_id": user},
            )
        except AlreadyHandled:
            return
        except UserError as exc:
            reply(None, client, metadata(view).get("channel"), user, f":warning: {exc}")

    @app.view(ids.ROLES_VIEW)
    def roles_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        incident_id = incident_id_from(metadata(view).get("incident_id"))
        if incident_id is None:
            return
        user = body["user"]["id"]
        refused: list[str] = []
        for block_id, elements in view["state"]["values"].items():
            if not block_id.startswith(ids.ROLE_BLOCK_PREFIX):
                continue
            picked = (elements.get(ids.ROLE_SELECT) or {}).get("selected_user")
            if picked:
                try:
                    require_person(client, picked)
                    services.incidents.assign_role(
                        incident_id, block_id[len(ids.ROLE_BLOCK_PREFIX) :], picked, user
                    )
                except UserError as exc:
                    refused.append(str(exc))
        if refused:
            channel = services.incidents.get(incident_id).channel_id
            reply(None, client, channel, user, ":warning: " + "\n".join(refused))

    @app.view(ids.UPDATE_VIEW)
    def update_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        text = from_input((state_value(values, *ids.SUMMARY) or "").strip())
        status = parse_status(state_value(values, *ids.STATUS) or "")
        if not text:
            ack(response_action="errors", errors={ids.SUMMARY[0]: "Please write what changed."})
            return
        incident_id = incident_id_from(metadata(view).get("incident_id"))
        if incident_id is None:
            ack()
            return
        # A read-only check answers in the form; the write happens after the ack, so a busy database
        # can never hold the acknowledgement past Slack's 3 seconds.
        try:
            incident = services.incidents.check_transition(incident_id, status)
        except UserError as exc:
            ack(response_action="errors", errors={ids.SUMMARY[0]: str(exc)[:150]})
            return
        ack()
        user = body["user"]["id"]
        try:
            services.incidents.post_update(
                incident_id,
                user,
                text,
                status,
                impact=from_input((state_value(values, *ids.IMPACT) or "").strip()),
                request_key=f"view:{view['id']}",
            )
        except AlreadyHandled:
            return
        except UserError as exc:  # the incident changed between the check and the write
            reply(None, client, incident.channel_id, user, f":warning: {exc}")

    @app.view(ids.RESOLVE_VIEW)
    def resolve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        summary = from_input((state_value(values, *ids.RESOLUTION) or "").strip())
        if not summary:
            ack(response_action="errors", errors={ids.RESOLUTION[0]: "Please say what resolved it."})
            return
        root_cause = from_input((state_value(values, *ids.ROOT_CAUSE) or "").strip())
        incident_id = incident_id_from(metadata(view).get("incident_id"))
        if incident_id is None:
            ack()
            return
        try:
            incident = services.incidents.check_transition(incident_id, Status.RESOLVED)
        except UserError as exc:
            ack(response_action="errors", errors={ids.RESOLUTION[0]: str(exc)[:150]})
            return
        ack()
        user = body["user"]["id"]
        try:
            services.incidents.resolve(
                incident_id, user, summary, request_key=f"view:{view['id']}", root_cause=root_cause
            )
        except AlreadyHandled:
            return
        except UserError as exc:  # resolved by someone else between the check and the write
            reply(None, client, incident.channel_id, user, f":warning: {exc}")
