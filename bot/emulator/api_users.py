"""auth.test, users.* and usergroups.* Web API methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.emulator.args import Args, Handler, user_arg
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace


def auth_test(ws: Workspace, args: Args) -> JSON:
    """auth.test: who the token belongs to."""
    bot = ws.users[ws.bot_user_id]
    return {"url": f"https://{ws.team_domain}.slack.com/", "team": ws.team_name, "user": bot.name,
            "team_id": ws.team_id, "user_id": bot.id, "bot_id": ws.bot_id, "is_enterprise_install": False}


def users_info(ws: Workspace, args: Args) -> JSON:
    """users.info."""
    return {"user": user_arg(ws, args).to_dict(ws.team_id)}


def lookup_by_email(ws: Workspace, args: Args) -> JSON:
    """users.lookupByEmail."""
    email = (args.get("email", "") or "").lower()
    user = next((u for u in ws.users.values() if email and u.email.lower() == email), None)
    if user is None:
        raise ApiError("users_not_found")
    return {"user": user.to_dict(ws.team_id)}


def users_list(ws: Workspace, args: Args) -> JSON:
    """users.list (one page)."""
    return {"members": [u.to_dict(ws.team_id) for u in ws.users.values()],
            "response_metadata": {"next_cursor": ""}}


def usergroup_users(ws: Workspace, args: Args) -> JSON:
    """usergroups.users.list."""
    group = ws.usergroups.get(args.require("usergroup", error="no_such_subteam"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


def usergroups_list(ws: Workspace, args: Args) -> JSON:
    """usergroups.list."""
    include = args.flag("include_users")
    groups = []
    for g in ws.usergroups.values():
        item: JSON = {"id": g.id, "handle": g.handle, "name": g.name, "team_id": ws.team_id,
                      "user_count": len(g.users)}
        if include:
            item["users"] = list(g.users)
        groups.append(item)
    return {"usergroups": groups}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.lookupByEmail": lookup_by_email,
    "users.list": users_list,
    "usergroups.users.list": usergroup_users,
    "usergroups.list": usergroups_list,
}
