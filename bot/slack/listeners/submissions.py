"""Modal submissions: validate, answer field errors in place, save the submission, ack, call one use case.

Each submission is saved before the ack (see ``durable``); its ``apply_*`` function is the code that runs
it, in the acknowledging process or, after a crash, in whichever process redoes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.publication import ComponentState, ComponentStatus, PublicStatus
from bot.domain.status import Status, parse_status
from bot.domain.text import from_input
from bot.services.errors import AlreadyHandled, UserError
from bot.services.registry import Services
from bot.slack import ids
from bot.slack.blocks import duplicates
from bot.slack.listeners.durable import DATABASE_UNREACHABLE, accept, finished
from bot.slack.listeners.payloads import incident_id_from, metadata, state_value
from bot.slack.listeners.people import require_person
from bot.slack.listeners.replies import reply

log = logging.getLogger(__name__)
Apply = Callable[[Services, dict[str, Any], WebClient], None]


def register(app: App, services: Services) -> None:
    for callback_id, apply in APPLY.items():
        services.pending.handle(_kind(callback_id), _redo(services, apply, app.client))

    def submit(ack: Ack, body: dict[str, Any], client: WebClient, callback_id: str) -> None:
        """Save, ack, apply; a database that cannot save it leaves the form open with the reason."""
        view = body["view"]
        key = f"view:{view['id']}"
        if not accept(services, key, _kind(callback_id), body):
            ack(response_action="errors", errors={_first_block(view): DATABASE_UNREACHABLE[:150]})
            return
        ack()
        with finished(services, key):
            APPLY[callback_id](services, body, client)

    @app.view(ids.DECLARE_VIEW)
    def declare_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        errors = {}
        if not from_input((state_value(values, *ids.TITLE) or "").strip()):
            errors[ids.TITLE[0]] = "Please give the incident a title."
        if services.ctx.playbooks.severities.lookup(state_value(values, *ids.SEVERITY) or "") is None:
            errors[ids.SEVERITY[0]] = "Please pick a severity."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        submit(ack, body, client, ids.DECLARE_VIEW)

    @app.view(ids.ROLES_VIEW)
    def roles_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        submit(ack, body, client, ids.ROLES_VIEW)

    @app.view(ids.UPDATE_VIEW)
    def update_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        status = parse_status(state_value(values, *ids.STATUS) or "")
        if not from_input((state_value(values, *ids.SUMMARY) or "").strip()):
            ack(response_action="errors", errors={ids.SUMMARY[0]: "Please write what changed."})
            return
        incident_id = incident_id_from(metadata(view).get("incident_id"))
        if incident_id is None:
            ack()
            return
        # A read-only check answers in the form; the write happens after the ack, so a busy database
        # can never hold the acknowledgement past Slack's 3 seconds.
        try:
            services.incidents.check_transition(incident_id, status)
        except UserError as exc:
            ack(response_action="errors", errors={ids.SUMMARY[0]: str(exc)[:150]})
            return
        submit(ack, body, client, ids.UPDATE_VIEW)

    @app.view(ids.RESOLVE_VIEW)
    def resolve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        if not from_input((state_value(values, *ids.RESOLUTION) or "").strip()):
            ack(response_action="errors", errors={ids.RESOLUTION[0]: "Please say what resolved it."})
            return
        incident_id = incident_id_from(metadata(view).get("incident_id"))
        if incident_id is None:
            ack()
            return
        try:
            services.incidents.check_transition(incident_id, Status.RESOLVED)
        except UserError as exc:
            ack(response_action="errors", errors={ids.RESOLUTION[0]: str(exc)[:150]})
            return
        submit(ack, body, client, ids.RESOLVE_VIEW)


    @app.view(ids.PUBLISH_VIEW)
    def publish_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        errors = {}
        if not (state_value(values, *ids.PUBLIC_TITLE) or "").strip():
            errors[ids.PUBLIC_TITLE[0]] = "Please give the update a public title."
        if not (state_value(values, *ids.PUBLIC_MESSAGE) or "").strip():
            errors[ids.PUBLIC_MESSAGE[0]] = "Please write the message customers will read."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        incident_id = incident_id_from(metadata(view).get("incident_id"))
        if incident_id is None:
            ack()
            return
        try:  # a read: a refusal answers in the form; the use case checks again when it writes
            services.publications.check(incident_id, body["user"]["id"])
        except UserError as exc:
            ack(response_action="errors", errors={ids.PUBLIC_MESSAGE[0]: str(exc)[:150]})
            return
        submit(ack, body, client, ids.PUBLISH_VIEW)


def _kind(callback_id: str) -> str:
    return f"view:{callback_id}"


def _first_block(view: dict[str, Any]) -> str:
    return next(iter(view.get("state", {}).get("values") or {}), ids.TITLE[0])


def _redo(services: Services, apply: Apply, client: WebClient) -> Callable[[dict[str, Any]], None]:
    def redo(body: dict[str, Any]) -> None:
        apply(services, body, client)

    return redo


def apply_declare(services: Services, body: dict[str, Any], client: WebClient) -> None:
    view = body["view"]
    values = view["state"]["values"]
    title = from_input((state_value(values, *ids.TITLE) or "").strip())
    severity = services.ctx.playbooks.severities.lookup(state_value(values, *ids.SEVERITY) or "")
    user = body["user"]["id"]
    channel = metadata(view).get("channel") or ""
    if severity is None:  # the playbooks changed between the submission and now
        reply(None, client, channel, user, ":warning: That severity no longer exists; please declare again.")
        return
    description = from_input((state_value(values, *ids.DESCRIPTION) or "").strip())
    commander = state_value(values, *ids.COMMANDER)
    key = f"view:{view['id']}"
    try:
        result = services.incidents.declare(
            reporter_id=user,
            severity=severity,
            title=title,
            description=description,
            commander_id=commander,
            request_key=key,
            notify={"channel_id": channel, "user_id": user},
        )
    except AlreadyHandled:
        return
    except UserError as exc:
        reply(None, client, channel, user, f":warning: {exc}")
        return
    if not result.created:
        asked = duplicates.Asked(severity.id, title, description, key, channel, commander or "")
        text, blocks = duplicates.duplicate_declaration(result.incident, asked)
        reply(None, client, channel, user, text, [b.to_dict() for b in blocks])


def apply_roles(services: Services, body: dict[str, Any], client: WebClient) -> None:
    view = body["view"]
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
            role = block_id[len(ids.ROLE_BLOCK_PREFIX) :]
            try:
                require_person(client, picked)
                services.incidents.assign_role(
                    incident_id, role, picked, user, request_key=f"view:{view['id']}:{role}"
                )
            except AlreadyHandled:
                continue
            except UserError as exc:
                refused.append(str(exc))
    if refused:
        channel = services.incidents.get(incident_id).channel_id
        reply(None, client, channel, user, ":warning: " + "\n".join(dict.fromkeys(refused)))


def apply_update(services: Services, body: dict[str, Any], client: WebClient) -> None:
    def post(incident_id: int, user: str, values: dict[str, Any], key: str) -> None:
        services.incidents.post_update(
            incident_id,
            user,
            _text(values, ids.SUMMARY),
            parse_status(state_value(values, *ids.STATUS) or ""),
            impact=_text(values, ids.IMPACT),
            request_key=key,
        )

    _on_incident(services, body, client, post)  # refused: the incident changed between the check and the write


def apply_resolve(services: Services, body: dict[str, Any], client: WebClient) -> None:
    def resolve(incident_id: int, user: str, values: dict[str, Any], key: str) -> None:
        services.incidents.resolve(
            incident_id,
            user,
            _text(values, ids.RESOLUTION),
            request_key=key,
            root_cause=_text(values, ids.ROOT_CAUSE),
        )

    _on_incident(services, body, client, resolve)  # refused: resolved by someone else meanwhile


def apply_publish(services: Services, body: dict[str, Any], client: WebClient) -> None:
    def publish(incident_id: int, user: str, values: dict[str, Any], key: str) -> None:
        services.publications.publish(
            incident_id,
            user,
            public_title=_text(values, ids.PUBLIC_TITLE),
            status=PublicStatus(state_value(values, *ids.PUBLIC_STATUS) or PublicStatus.INVESTIGATING.value),
            message=_text(values, ids.PUBLIC_MESSAGE),
            components=_component_states(values),
            request_key=key,
        )

    _on_incident(services, body, client, publish, refused=(UserError, ValueError))


def _on_incident(
    services: Services,
    body: dict[str, Any],
    client: WebClient,
    act: Callable[[int, str, dict[str, Any], str], None],
    refused: tuple[type[Exception], ...] = (UserError,),
) -> None:
    """Run ``act(incident_id, user, values, request_key)`` for a form about one incident; a refusal is told."""
    view = body["view"]
    incident_id = incident_id_from(metadata(view).get("incident_id"))
    if incident_id is None:
        return
    user = body["user"]["id"]
    try:
        act(incident_id, user, view["state"]["values"], f"view:{view['id']}")
    except AlreadyHandled:
        return
    except refused as exc:
        reply(None, client, _channel(services, incident_id), user, f":warning: {exc}")


def _text(values: dict[str, Any], field: tuple[str, str]) -> str:
    return from_input((state_value(values, *field) or "").strip())


def _channel(services: Services, incident_id: int) -> str | None:
    try:
        return services.incidents.get(incident_id).channel_id
    except UserError:
        return None


def _component_states(values: dict[str, Any]) -> list[ComponentState]:
    states = []
    for block_id, elements in values.items():
        if block_id.startswith(ids.PUBLIC_COMPONENT_PREFIX):
            picked = ((elements.get(ids.PUBLIC_COMPONENT_SELECT) or {}).get("selected_option") or {}).get("value")
            status = ComponentStatus(picked or ComponentStatus.OPERATIONAL.value)
            states.append(ComponentState(block_id[len(ids.PUBLIC_COMPONENT_PREFIX) :], status))
    return states


APPLY: dict[str, Apply] = {
    ids.DECLARE_VIEW: apply_declare,
    ids.ROLES_VIEW: apply_roles,
    ids.UPDATE_VIEW: apply_update,
    ids.RESOLVE_VIEW: apply_resolve,
    ids.PUBLISH_VIEW: apply_publish,
}
