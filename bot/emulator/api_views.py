"""views.* Web API methods: open, push, update, publish, with trigger_id rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.emulator.args import Args, Handler, user_arg, view_body
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON, Trigger

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace

TRIGGER_TTL = 3.0
MAX_STACK = 3


def _trigger(ws: Workspace, args: Args) -> Trigger:
    trigger_id = args.require("trigger_id")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id", warning=f"{args.method}: trigger_id {trigger_id!r} was never "
                       "issued")
    if trigger.used:
        raise ApiError("expired_trigger_id", warning=f"{args.method}: trigger_id was already used; "
                       "a trigger_id opens one view only")
    age = ws.now() - trigger.created
    if age > TRIGGER_TTL:
        raise ApiError("expired_trigger_id", warning=f"{args.method}: trigger_id used after {age:.1f} s; "
                       "Slack allows 3 s")
    return trigger


def views_open(ws: Workspace, args: Args) -> JSON:
    """views.open."""
    trigger = _trigger(ws, args)
    body = view_body(ws, args, "modal")
    trigger.used = True
    return {"view": ws.view_json(ws.show_modal(trigger.user, body))}


def views_push(ws: Workspace, args: Args) -> JSON:
    """views.push: at most 3 views on a stack."""
    trigger = _trigger(ws, args)
    body = view_body(ws, args, "modal")
    if not ws.view_stacks.get(trigger.user):
        ws.warn("views.push: the user has no open modal; use views.open")
    if len(ws.view_stacks.get(trigger.user, [])) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    trigger.used = True
    return {"view": ws.view_json(ws.push_modal(trigger.user, body))}


def views_update(ws: Workspace, args: Args) -> JSON:
    """views.update by view_id or external_id, with hash checking."""
    if args.has("view_id"):
        view = ws.views.get(args.get("view_id") or "")
    elif args.has("external_id"):
        view = ws.view_by_external_id(args.get("external_id") or "")
    else:
        raise ApiError("invalid_arguments", warning="views.update needs view_id or external_id")
    if view is None or not ws.is_live(view):
        raise ApiError("not_found")
    body = view_body(ws, args, view.type)
    given_hash = args.get("hash")
    if given_hash and given_hash != view.hash:
        raise ApiError("hash_conflict")
    return {"view": ws.view_json(ws.replace_view(view, body))}


def views_publish(ws: Workspace, args: Args) -> JSON:
    """views.publish: the Home tab."""
    user = user_arg(ws, args, "user_id")
    body = view_body(ws, args, "home")
    current = ws.home_view(user.id)
    given_hash = args.get("hash")
    if current is not None and given_hash and given_hash != current.hash:
        raise ApiError("hash_conflict")
    return {"view": ws.view_json(ws.publish_home(user.id, body))}


METHODS: dict[str, Handler] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
